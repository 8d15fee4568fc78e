"""The tests' memoised `build_classifier`: one build for the same files, a new one when any
of them changes, and the errors of a bad themes file as without it."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.app import build_classifier
from monitor.config import Settings
from monitor.errors import SeedError
from tests.support.classifiers import caching

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def test_the_same_files_give_the_same_classifier_and_a_changed_file_a_new_one(
    tmp_path: Path,
) -> None:
    cached, built = caching(build_classifier)
    themes = tmp_path / "themes.toml"
    themes.write_bytes((SEEDS / "themes.toml").read_bytes())
    (tmp_path / "theme_model.json").write_bytes((SEEDS / "theme_model.json").read_bytes())
    settings = Settings(themes_file=themes)
    first = cached(settings)
    assert cached(settings) is first and len(built) == 1
    assert cached(settings, with_model=False) is not first and len(built) == 2
    themes.write_text(themes.read_text() + "\n# changed\n")
    assert cached(settings) is not first and len(built) == 3


def test_a_bad_themes_file_fails_each_time(tmp_path: Path) -> None:
    cached, built = caching(build_classifier)
    themes = tmp_path / "themes.toml"
    themes.write_text("not = = toml\n")
    for _ in range(2):
        with pytest.raises(SeedError):
            cached(Settings(themes_file=themes))
    assert built == {}


def test_a_changed_model_file_gives_a_new_classifier(tmp_path: Path) -> None:
    cached, _ = caching(build_classifier)
    themes = tmp_path / "themes.toml"
    themes.write_bytes((SEEDS / "themes.toml").read_bytes())
    model = tmp_path / "theme_model.json"
    model.write_bytes((SEEDS / "theme_model.json").read_bytes())
    first = cached(Settings(themes_file=themes))
    model.write_text(model.read_text() + "\n")
    assert cached(Settings(themes_file=themes)) is not first
