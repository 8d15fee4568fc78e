"""Text made safe to store: no NUL or other characters PostgreSQL or XML refuse."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_WORDS = re.compile(r"\w+")


def clean_text(value: str | None) -> str | None:
    if value is None:
        return None
    return _UNSTORABLE.sub("", value)


def fingerprint(text: str, *, min_words: int = 60) -> str | None:
    """A content fingerprint of an article body, or None when it is too short to be telling.

    Case, punctuation and spacing are ignored, so the same story syndicated by two sites with
    different page furniture around the text still matches.
    """
    words = _WORDS.findall(unicodedata.normalize("NFKC", text).casefold())
    if len(words) < min_words:
        return None
    return hashlib.sha256(" ".join(words).encode()).hexdigest()
