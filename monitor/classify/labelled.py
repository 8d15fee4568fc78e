"""Reading JSON Lines of articles for `classify-file` and `eval`; a bad line stops nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any


@dataclass(frozen=True)
class InputArticle:
    line: int
    id: Any
    title: str
    text: str
    relevant: bool | None
    themes: tuple[str, ...] | None


@dataclass(frozen=True)
class BadLine:
    line: int
    reason: str


def read_articles(stream: IO[str], *, labelled: bool = False) -> Iterator[InputArticle | BadLine]:
    """Each non-blank line as an article (`id`, `title`, `text`; with `labelled`, also
    `relevant` and `themes`), or the reason it cannot be one."""
    for number, raw in enumerate(stream, start=1):
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
        yield InputArticle(
            number,
            item.get("id"),
            title,
            text,
            relevant if isinstance(relevant, bool) else None,
            tuple(themes) if isinstance(themes, list) else None,
        )
