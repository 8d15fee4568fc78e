"""Loading and validating seeds/themes.toml."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from monitor.classify.text import content_words, normalise
from monitor.errors import SeedError


@dataclass(frozen=True)
class Keyword:
    pattern: re.Pattern[str]
    weight: float


@dataclass(frozen=True)
class Theme:
    id: str
    name: str
    description: str
    exemplars: tuple[str, ...]
    keywords: tuple[Keyword, ...]
    exemplar_words: tuple[frozenset[str], ...]


@dataclass(frozen=True)
class ThemeBook:
    themes: tuple[Theme, ...]
    threshold: float
    evidence_sentences: int
    seed_labels: dict[str, tuple[str, ...]]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.themes)


def _keyword(theme_id: str, index: int, item: object) -> Keyword:
    if not isinstance(item, dict) or not isinstance(item.get("pattern"), str):
        raise SeedError(f"theme {theme_id!r}: keyword #{index} needs a pattern string")
    weight = item.get("weight", 1.0)
    if not isinstance(weight, int | float) or not 0 < weight <= 5:
        raise SeedError(f"theme {theme_id!r}: keyword #{index} weight must be in (0, 5]")
    source = item["pattern"]
    if any(c.isupper() for c in re.sub(r"\\.", "", source)):
        raise SeedError(
            f"theme {theme_id!r}: keyword #{index} has upper-case letters: patterns are matched"
            " against lower-cased text, so write them in lower case"
        )
    try:
        pattern = re.compile(source)
    except re.error as exc:
        raise SeedError(
            f"theme {theme_id!r}: keyword #{index} is not a valid regex: {exc}"
        ) from exc
    return Keyword(pattern, float(weight))


def parse_themes(document: str, source: str = "themes.toml") -> ThemeBook:
    """Validate a themes document; SeedError names the file, the theme and the problem."""
    try:
        data = tomllib.loads(document)
    except tomllib.TOMLDecodeError as exc:
        raise SeedError(f"{source}: not valid TOML: {exc}") from exc
    settings = data.get("classifier", {})
    themes: list[Theme] = []
    for number, item in enumerate(data.get("themes", []), start=1):
        theme_id = item.get("id")
        if not isinstance(theme_id, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", theme_id):
            raise SeedError(f"{source}: theme #{number} needs an id of lower-case words and '-'")
        if any(t.id == theme_id for t in themes):
            raise SeedError(f"{source}: theme id {theme_id!r} appears twice")
        exemplars = tuple(normalise(e) for e in item.get("exemplars", []) if isinstance(e, str))
        keywords = tuple(
            _keyword(theme_id, i, k) for i, k in enumerate(item.get("keywords", []), 1)
        )
        if not exemplars and not keywords:
            raise SeedError(f"{source}: theme {theme_id!r} needs exemplars or keywords")
        themes.append(
            Theme(
                id=theme_id,
                name=str(item.get("name", theme_id)),
                description=str(item.get("description", "")),
                exemplars=exemplars,
                keywords=keywords,
                exemplar_words=tuple(content_words(e) for e in exemplars),
            )
        )
    if not themes:
        raise SeedError(f"{source}: no [[themes]] defined")
    known = {t.id for t in themes}
    seed_labels: dict[str, tuple[str, ...]] = {}
    for seed in data.get("seeds", []):
        labels = tuple(seed.get("themes", []))
        unknown = set(labels) - known
        if unknown:
            raise SeedError(
                f"{source}: seed {seed.get('file')!r} names unknown themes {sorted(unknown)}"
            )
        seed_labels[str(seed.get("file"))] = labels
    return ThemeBook(
        themes=tuple(themes),
        threshold=float(settings.get("theme_threshold", 0.5)),
        evidence_sentences=int(settings.get("evidence_sentences", 2)),
        seed_labels=seed_labels,
    )


def load_themes(path: Path) -> ThemeBook:
    try:
        document = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SeedError(f"cannot read themes from {path}: {exc}") from exc
    return parse_themes(document, str(path))
