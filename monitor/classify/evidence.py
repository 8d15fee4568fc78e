"""Which sentences show a theme: what a reader judges the monitor by. Pure.

The best-scoring sentences are evidence unless they are weak: the headline or a sentence
that repeats it, one that only names a person ("X is the chief executive of Y"), or a quote
that carries the theme only by resembling an exemplar rather than by saying its point.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# A phrase that shows the theme on its own scores this much (see themes.toml).
STRONG = 1.0
CANDIDATES = 6
_NAMING = re.compile(
    r"^[A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*)+,? (?:is|was|who is|who was|has been|became)"
    r" (?:the |a |an |now )?(?:[\w'’-]+ ){0,6}(?:of|at|for)\b"
)
_QUOTE_MARKS = "\"“”'‘’"


def choose_evidence(
    texts: Sequence[str],
    words: Sequence[frozenset[str]],
    scores: Sequence[float],
    count: int,
) -> tuple[str, ...]:
    """Up to `count` evidence sentences for one theme, best first. Sentence 0 is the
    headline; `words` are each sentence's content words, `scores` its evidence."""
    scored = [(s, i) for i, s in enumerate(scores) if s > 0]
    ranked = sorted(scored, key=lambda item: (-item[0], item[1]))[:CANDIDATES]  # earlier first
    if not ranked:
        return ()
    headline = words[0] if words else frozenset()
    chosen = [texts[i] for s, i in ranked if i > 0 and not _weak(texts[i], words[i], s, headline)][
        :count
    ]
    return tuple(chosen) or (texts[ranked[0][1]],)


def _weak(text: str, words: frozenset[str], score: float, headline: frozenset[str]) -> bool:
    if words and headline and len(words & headline) >= 0.7 * len(words):
        return True  # the headline again
    if _NAMING.match(text) and len(text) < 160:
        return True  # who someone is
    is_quote = text[:1] in _QUOTE_MARKS or text.rstrip()[-1:] in _QUOTE_MARKS
    return is_quote and score < STRONG  # a quote that only resembles an exemplar
