"""What an article's words say of a theme, learned by counting: naive Bayes log-count ratios.

Keywords and exemplars say what a theme's evidence looks like; a story's wider vocabulary
says something too ("caseloads", "agency", "vacancy" in an inspection story that never
states a workforce finding in one sentence). For each theme, every word that is in at least
MIN_DOCUMENTS labelled articles gets the log of how much more often it appears in articles
with the theme than in those without; an article's word score is the sum over its words,
over the square root of how many it has (so long stories do not score higher for length).
Training is counting, so it is exact and repeatable; scoring is a lookup per word. Pure.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

MIN_DOCUMENTS = 3
SMOOTHING = 1.0


def vocabulary(documents: Iterable[frozenset[str]]) -> frozenset[str]:
    """The words in at least MIN_DOCUMENTS of the documents."""
    counts: Counter[str] = Counter()
    for words in documents:
        counts.update(words)
    return frozenset(w for w, n in counts.items() if n >= MIN_DOCUMENTS)


def word_ratios(
    documents: Sequence[frozenset[str]], labels: Sequence[bool], known: frozenset[str]
) -> dict[str, float]:
    """word -> log(share of the theme's word occurrences / share of the others'), smoothed."""
    with_theme: Counter[str] = Counter()
    without: Counter[str] = Counter()
    for words, label in zip(documents, labels, strict=True):
        (with_theme if label else without).update(words & known)
    total_with = sum(with_theme.values()) + SMOOTHING * len(known)
    total_without = sum(without.values()) + SMOOTHING * len(known)
    return {
        word: math.log(
            ((with_theme[word] + SMOOTHING) / total_with)
            / ((without[word] + SMOOTHING) / total_without)
        )
        for word in sorted(known)
    }


def word_score(words: frozenset[str], ratios: Mapping[str, float]) -> float:
    """The article's words' ratios summed, over the square root of how many are known."""
    known = [ratios[w] for w in words if w in ratios]
    return math.fsum(known) / math.sqrt(len(known)) if known else 0.0
