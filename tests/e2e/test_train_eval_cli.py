"""`monitor train` and `monitor eval --errors`: no database, real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.classify.model import load_model
from tests.support.cli import run

LABELLED = Path(__file__).resolve().parents[1] / "data" / "labelled"


def test_eval_counts_and_lists_each_mistake(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "eval", str(LABELLED / "news.jsonl"), "--errors")
    assert code == 0
    header = out.splitlines()[2].split()
    assert header[-2:] == ["wrong", "missed"]
    headings = [line for line in out.splitlines() if line.endswith(")") and ": " in line]
    assert headings and all(h.split(": ")[1].startswith(("wrong (", "missed (")) for h in headings)
    assert "      > " in out  # the sentences behind a mistake

    code, out, _ = run(capsys, "eval", str(LABELLED / "news.jsonl"), "--errors", "--json")
    report = json.loads(out)
    counted = sum(s["wrong"] + s["missed"] for s in report["themes"].values())
    assert counted == len(report["errors"]) > 0
    assert {e["kind"] for e in report["errors"]} <= {"wrong", "missed"}
    assert all(e["article"].startswith("news-") for e in report["errors"])


@pytest.mark.slow
def test_training_is_reproducible_and_reports_its_cross_validation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    code, out, _ = run(capsys, "train", str(LABELLED / "news.jsonl"), "--output", str(first))
    assert code == 0 and "trained on 39 relevant labelled articles" in out
    assert "<- chosen" in out and "cross-validated theme micro-F1" in out
    run(capsys, "train", str(LABELLED / "news.jsonl"), "--output", str(second))
    assert first.read_bytes() == second.read_bytes()
    model = load_model(first)
    assert model.trained_on == 39 and len(model.themes) == 9


def test_training_without_labelled_relevant_articles_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text(
        json.dumps({"id": 1, "title": "t", "text": "x", "relevant": False, "themes": []}) + "\n"
    )
    code, _, err = run(capsys, "train", str(empty), "--output", str(tmp_path / "m.json"))
    assert code == 2 and "cannot train" in err
    assert not (tmp_path / "m.json").exists()
