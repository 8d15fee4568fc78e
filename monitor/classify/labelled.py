"""Reading JSON Lines of articles for `classify-file` and `eval`; a bad line stops nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from monitor.classify.grades import GRADES


@dataclass(frozen=True)
class InputArticle:
    line: int
    id: Any
    title: str
    text: str
    relevant: bool | None
    themes: tuple[str, ...] | None
    # (name, grade, previous_grade) of each council the story is about; None when unlabelled.
    authorities: tuple[GoldAuthority, ...] | None = None


@dataclass(frozen=True)
class GoldAuthority:
    name: str
    grade: str | None
    previous_grade: str | None


@dataclass(frozen=True)
class BadLine:
    line: int
    reason: str


# A line longer than this is skipped unread (a 50 MB field took 53 s and 1.3 GB).
MAX_LINE_BYTES = 4 * 1024 * 1024
_CHUNK = 1024 * 1024


def _lines(stream: IO[bytes]) -> Iterator[str | BadLine]:
    """The stream's lines decoded, or why one cannot be read: not UTF-8, or too long (the
    rest of a long line is skipped, never held in memory)."""
    number = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while (rest := stream.readline(_CHUNK)) and not rest.endswith(b"\n"):
                pass
            yield BadLine(number, f"longer than {MAX_LINE_BYTES // (1024 * 1024)} MB")
            continue
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            yield BadLine(number, "not UTF-8")


def read_articles(stream: IO[bytes], *, labelled: bool = False) -> Iterator[InputArticle | BadLine]:
    """Each non-blank line as an article (`id`, `title`, `text`; with `labelled`, also
    `relevant` and `themes`), or the reason it cannot be one."""
    for number, raw in enumerate(_lines(stream), start=1):
        if isinstance(raw, BadLine):
            yield raw
            continue
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except json.JSONDecodeError as exc:
            yield BadLine(number, f"not valid JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(item, dict):
            yield BadLine(number, "not a JSON object")
            continue
        title, text = item.get("title", ""), item.get("text", "")
        if not isinstance(title, str) or not isinstance(text, str):
            yield BadLine(number, "`title` and `text` must be strings")
            continue
        if not title.strip() and not text.strip():
            yield BadLine(number, "neither `title` nor `text` has any content")
            continue
        relevant = item.get("relevant")
        themes = item.get("themes")
        if labelled:
            if not isinstance(relevant, bool):
                yield BadLine(number, "`relevant` must be true or false")
                continue
            if not isinstance(themes, list) or not all(isinstance(t, str) for t in themes):
                yield BadLine(number, "`themes` must be a list of theme ids")
                continue
        authorities = _gold_authorities(item.get("authorities")) if labelled else None
        if isinstance(authorities, str):
            yield BadLine(number, authorities)
            continue
        yield InputArticle(
            number,
            item.get("id"),
            title,
            text,
            relevant if isinstance(relevant, bool) else None,
            tuple(themes) if isinstance(themes, list) else None,
            authorities,
        )


def _gold_authorities(value: object) -> tuple[GoldAuthority, ...] | str | None:
    """The `authorities` labels, None when absent, or the reason they are not usable."""
    if value is None:
        return None
    reason = '`authorities` must be a list of {"name", "grade"} objects'
    if not isinstance(value, list):
        return reason
    found = []
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            return reason
        grade, previous = entry.get("grade"), entry.get("previous_grade")
        if not all(g is None or g in GRADES for g in (grade, previous)):
            return f"`authorities`: unknown grade in {entry!r}; one of {', '.join(GRADES)}"
        found.append(GoldAuthority(entry["name"], grade, previous))
    return tuple(found)
