"""Near-duplicate stories: the same news told by several outlets.

Exact copies never reach a digest (ingest drops an article whose body fingerprint it has seen).
What remains are rewrites: outlets rework the same report, press release or agency copy, keep
its quotations and key sentences, and change the headline and the framing. Two articles are the
same story when enough of the shorter one's word sequences (shingles) occur in the longer one.
Stories about different councils written to the same template ("judged inadequate", "the
council said it accepted the findings") share a few stock phrases but few runs of four words.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence

SHINGLE_WORDS = 4
# Words read from the start of each text: enough for the news itself, and it bounds the work.
MAX_WORDS = 600
# Smallest share of the shorter text's shingles found in the other for "the same story".
SAME_STORY = 0.2
# Texts with fewer shingles than this are compared by nothing (a headline-only entry).
MIN_SHINGLES = 15

_WORDS = re.compile(r"\w+")


def shingles(text: str) -> frozenset[int]:
    """Hashes of the text's overlapping four-word sequences (case and punctuation ignored)."""
    words = _WORDS.findall(unicodedata.normalize("NFKC", text).casefold())[:MAX_WORDS]
    return frozenset(
        hash(tuple(words[i : i + SHINGLE_WORDS])) for i in range(len(words) - SHINGLE_WORDS + 1)
    )


def group_same_stories(texts: Sequence[str], threshold: float = SAME_STORY) -> list[list[int]]:
    """Indexes of `texts` grouped into stories, each group in input order, groups ordered by
    their first member. Grouping is transitive: a chain of close rewrites is one story."""
    sets = [shingles(t) for t in texts]
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # Count shared shingles through an inverted index: only pairs sharing something are seen.
    holders: dict[int, list[int]] = defaultdict(list)
    for i, items in enumerate(sets):
        if len(items) < MIN_SHINGLES:
            continue
        shared: dict[int, int] = defaultdict(int)
        for item in items:
            for j in holders[item]:
                shared[j] += 1
            holders[item].append(i)
        for j, count in shared.items():
            if count / min(len(items), len(sets[j])) >= threshold:
                parent[root(i)] = root(j)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(texts)):
        groups[root(i)].append(i)
    return sorted(groups.values(), key=lambda g: g[0])
