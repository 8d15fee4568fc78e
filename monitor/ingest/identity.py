"""An article's identities: the keys it is known by (entry id, URL, body fingerprint).

An article is stored once, under every identity it was seen with; a later entry that shares
any of them is the same article."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from monitor.models import EntryCandidate

_WORDS = re.compile(r"\w+")


def seen_key(kind: str, value: str) -> str:
    """The stored form of one identity of an article (`entry`, `url` or `fp`)."""
    return kind[:1] + hashlib.sha256(f"{kind}\n{value}".encode()).hexdigest()[:63]


def entry_identity(entry: EntryCandidate) -> str:
    """What names an entry within its feed: its id, else its link, else its content."""
    if entry.entry_id:
        return entry.entry_id
    if entry.link:
        return entry.link
    digest = hashlib.sha256(f"{entry.title}\n{entry.summary}".encode()).hexdigest()
    return f"content:{digest}"


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
