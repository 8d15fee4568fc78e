"""Text preparation shared by the classifier's parts."""

from __future__ import annotations

import functools
import re
import unicodedata

_QUOTES = (("‘", "'"), ("’", "'"), ("‛", "'"), ("“", '"'), ("”", '"'), ("–", "-"), ("—", "-"))
# Runs of blanks other than a lone space (replacing those changes nothing, and they are most).
_BLANKS = re.compile(r"[\t\f\v\u00a0][ \t\f\v\u00a0]*| [ \t\f\v\u00a0]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9£])|\n+")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORDS = frozenset(
    """a an and are as at be been but by for from had has have he her his i if in into is it
    its of on or our she so than that the their them there these they this those to was we
    were what when which who will with would you your not no can could should may also said
    says more most very than all any some such only other been being do does did just about
    over after before between out up down""".split()
)


def normalise(text: str) -> str:
    """NFKC, straight quotes and hyphens, single spaces within lines."""
    text = unicodedata.normalize("NFKC", text)
    for curly, straight in _QUOTES:  # str.replace is several times faster than str.translate
        text = text.replace(curly, straight)
    return _BLANKS.sub(" ", text)


def split_sentences(text: str) -> list[str]:
    """Sentences of a normalised text; line breaks always end one (headlines, list items)."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and len(s.strip()) > 1]


def stem(word: str) -> str:
    """A crude suffix stripper: enough to match 'inspections' with 'inspection'."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_words(sentence: str) -> frozenset[str]:
    return frozenset(filter(None, map(_content_word, _WORD.findall(sentence.lower()))))


@functools.lru_cache(maxsize=1 << 16)
def _content_word(word: str) -> str | None:
    """The word's stem, or None for a stopword; remembered, as most words recur."""
    return None if word in STOPWORDS else stem(word)
