"""A story's lede: its first real sentence, not a caption, a byline or a dateline. Pure.

The digest shows it as each item's summary, with the theme's evidence beneath.
"""

from __future__ import annotations

import re

from monitor.classify.text import normalise, split_sentences

LEDE_CHARS = 300
_MIN_WORDS = 8
_BYLINE = re.compile(r"^(by|written by|words by|posted by|reporter:?)\s+[A-Z]", re.IGNORECASE)
_CAPTION = re.compile(
    r"^(photo|picture|image|pictured|credit|caption|illustration|video|watch|listen)\b[:\s]",
    re.IGNORECASE,
)
_BOILERPLATE = re.compile(
    r"\b(sign up|newsletter|subscribe|read more|related (articles|stories|content)|most read|"
    r"share this|cookies?|advertisement|all rights reserved)\b",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"\b(\d{1,2} (jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w* \d{4}|"
    r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w* \d{1,2},? \d{4}|\d{4}-\d\d-\d\d)\b",
    re.IGNORECASE,
)
_DATELINE = re.compile(r"^[A-Z][A-Za-z .'-]{1,30}(,\s*[^—–-]{1,30})?\s*[—–-]\s+")


def lede(title: str, text: str) -> str | None:
    """The first sentence of the first paragraph that is prose, at most LEDE_CHARS long."""
    headline = " ".join(normalise(title or "").split()).casefold()
    for paragraph in normalise(text or "").splitlines():
        line = " ".join(paragraph.split())
        if not line or line.casefold() == headline or not _is_prose(line):
            continue
        line = _DATELINE.sub("", line, count=1)
        sentences = split_sentences(line)
        if not sentences:
            continue
        first = sentences[0]
        if len(first) <= LEDE_CHARS:
            return first
        return first[:LEDE_CHARS].rsplit(" ", 1)[0] + " …"
    return None


def _is_prose(line: str) -> bool:
    if _BYLINE.match(line) or _CAPTION.match(line) or _BOILERPLATE.search(line):
        return False
    words = line.split()
    if len(words) < _MIN_WORDS:
        return False  # a heading, a caption, a dateline on its own
    if _DATE.search(line) and len(words) < 2 * _MIN_WORDS and not line.endswith((".", '"', "”")):
        return False  # "| 27 September 2019", "Published 3 May 2024, updated ..."
    return True
