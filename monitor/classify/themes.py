"""Loading and validating seeds/themes.toml."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from monitor.classify.text import content_words, normalise
from monitor.errors import SeedError

_WORD_CHAR = re.compile(r"\w")


@dataclass(frozen=True)
class Keyword:
    """A weighted pattern. A leading `\\b` is checked here rather than by `re`, which cannot
    skip ahead quickly when a pattern starts with an assertion (it halves the scanning time)."""

    pattern: re.Pattern[str]
    weight: float
    leading_boundary: bool = False

    @property
    def source(self) -> str:
        """The pattern as written in the themes file."""
        return ("\\b" if self.leading_boundary else "") + self.pattern.pattern

    def starts(self, text: str) -> Iterator[int]:
        """Start offsets of the matches `re.finditer` would give for the original pattern."""
        position = 0
        while (match := self.pattern.search(text, position)) is not None:
            start = match.start()
            if self.leading_boundary and not _at_boundary(text, start):
                position = start + 1
                continue
            yield start
            position = max(match.end(), start + 1)


def _at_boundary(text: str, index: int) -> bool:
    before = index > 0 and _WORD_CHAR.match(text, index - 1) is not None
    after = index < len(text) and _WORD_CHAR.match(text, index) is not None
    return before != after


def _top_level(source: str) -> str:
    """The pattern without its parenthesised groups and escapes: a top-level `|` would make a
    leading `\\b` belong to the first alternative only."""
    depth, out, escaped = 0, [], False
    for char in source:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0:
            out.append(char)
    return "".join(out)


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
    # The learned theme model's file, relative to the themes file (None: the threshold rule).
    model_file: str | None = None

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.themes)


def _keyword(theme_id: str, index: int, item: object) -> Keyword:
    if not isinstance(item, dict) or not isinstance(item.get("pattern"), str):
        raise SeedError(f"theme {theme_id!r}: keyword #{index} needs a pattern string")
    weight = item.get("weight", 1.0)
    if not isinstance(weight, int | float) or not (0 < abs(weight) <= 5):
        raise SeedError(
            f"theme {theme_id!r}: keyword #{index} weight must be in (0, 5], or in [-5, 0) "
            "for counter-evidence"
        )
    source = item["pattern"]
    if any(c.isupper() for c in re.sub(r"\\.", "", source)):
        raise SeedError(
            f"theme {theme_id!r}: keyword #{index} has upper-case letters: patterns are matched"
            " against lower-cased text, so write them in lower case"
        )
    try:
        re.compile(source)
        leading_boundary = source.startswith("\\b") and "|" not in _top_level(source)
        pattern = re.compile(source[2:] if leading_boundary else source)
    except re.error as exc:
        raise SeedError(
            f"theme {theme_id!r}: keyword #{index} is not a valid regex: {exc}"
        ) from exc
    return Keyword(pattern, float(weight), leading_boundary)


def parse_themes(document: str, source: str = "themes.toml") -> ThemeBook:
    """Validate a themes document; SeedError names the file, the theme and the problem."""
    try:
        data = tomllib.loads(document)
    except tomllib.TOMLDecodeError as exc:
        raise SeedError(f"{source}: not valid TOML: {exc}") from exc
    settings = data.get("classifier", {})
    if not isinstance(settings, dict):
        raise SeedError(f"{source}: [classifier] must be a table")
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
        threshold=_setting(settings, source, "theme_threshold", 0.5, float, 0.0, 1.0),
        evidence_sentences=int(_setting(settings, source, "evidence_sentences", 2, int, 1, 10)),
        seed_labels=seed_labels,
        model_file=str(settings["model"]) if settings.get("model") else None,
    )


def _setting(
    settings: dict[str, object],
    source: str,
    key: str,
    default: float,
    kind: type[int] | type[float],
    low: float,
    high: float,
) -> float:
    """A number of the [classifier] table, checked: SeedError names the file and the key."""
    value = settings.get(key, default)
    number_ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not number_ok or (kind is int and not isinstance(value, int)):
        what = "a whole number" if kind is int else "a number"
        raise SeedError(f"{source}: [classifier] {key} = {value!r}: must be {what}")
    assert isinstance(value, int | float)
    if not low <= value <= high:
        raise SeedError(
            f"{source}: [classifier] {key} = {value!r}: must be from {low:g} to {high:g}"
        )
    return float(value)


def load_themes(path: Path) -> ThemeBook:
    try:
        document = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SeedError(f"cannot read themes from {path}: {exc}") from exc
    return parse_themes(document, str(path))
