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


def _words(text: str) -> list[str]:
    return _WORDS.findall(unicodedata.normalize("NFKC", text).casefold())


def fingerprint(
    text: str,
    titles: tuple[str | None, ...] = (),
    *,
    min_words: int = 60,
    paragraph_words: int = 12,
) -> str | None:
    """A content fingerprint of an article body, or None when it is too short to be telling.

    Only paragraphs of `paragraph_words` or more count, and never the page's own headline
    (`titles`), which syndicating sites rewrite; so bylines, captions and "read more" lines
    do not count either. Case, punctuation and spacing are ignored.
    """
    headlines = {tuple(_words(t)) for t in titles if t}
    words: list[str] = []
    for paragraph in text.splitlines():
        found = _words(paragraph)
        if len(found) >= paragraph_words and tuple(found) not in headlines:
            words.extend(found)
    if len(words) < min_words:
        return None
    return hashlib.sha256(" ".join(words).encode()).hexdigest()
