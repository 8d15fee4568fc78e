"""Keyword evidence per sentence, searching only where a keyword can match.

For each clause of a keyword pattern (`patterns.shape`), every match contains one of the
clause's literals, each piece of which lies inside a token. So a sentence is searched only for
the keywords whose clauses its tokens satisfy: a few short searches instead of every pattern
over the whole text. A keyword whose matches could run past the end of a sentence (one with
`\\s`, say), or whose pattern the analysis does not follow, is still matched over the whole
text, so the sums are exactly those of matching every pattern over the newline-joined
sentences, as the classifier always did.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable

from monitor.classify.patterns import TOKEN, shape
from monitor.classify.themes import Keyword, ThemeBook

# Tokens remembered with the pieces they hold; the bound keeps a long-running service's
# memory flat (a news vocabulary is much smaller).
_MEMO_LIMIT = 50_000

_Search = Callable[[str], "re.Match[str] | None"]
_Clause = tuple[frozenset[str], ...]
_Clauses = tuple[_Clause, ...]


class KeywordScorer:
    """`scorer(lowered_sentences) -> table[theme][sentence]` of summed keyword weights."""

    def __init__(self, book: ThemeBook) -> None:
        found = [(t, k) for t, theme in enumerate(book.themes) for k in theme.keywords]
        self._theme_count = len(book.themes)
        self._themes = [t for t, _ in found]
        self._weights = [k.weight for _, k in found]
        self._keywords: list[Keyword] = [k for _, k in found]
        shapes = [shape(k.source) for k in self._keywords]
        local = [i for i, s in enumerate(shapes) if s.local]
        self._searches: dict[int, _Search] = {
            i: re.compile(self._keywords[i].source).search for i in local
        }
        self._whole_text = tuple(i for i, s in enumerate(shapes) if not s.local)
        self._everywhere = frozenset(i for i in local if not shapes[i].clauses)
        self._pieces = sorted(
            {p for i in local for clause in shapes[i].clauses for lit in clause for p in lit}
        )
        common = _commonness(self._pieces, [e for t in book.themes for e in t.exemplars])
        self._clauses = {i: _rarest_first(shapes[i].clauses, common) for i in local}
        self._triggers = _triggers(
            {i: clauses[0] for i, clauses in self._clauses.items() if clauses}, common
        )
        # Which clauses a sentence must still be checked for once a keyword's trigger is in
        # it: a first clause of one-piece literals holds wherever its trigger piece does.
        self._unproved = {
            i: clauses[1:] if clauses and all(len(lit) == 1 for lit in clauses[0]) else clauses
            for i, clauses in self._clauses.items()
        }
        # token -> the pieces it holds, and the keywords those pieces trigger
        self._memo: dict[str, frozenset[str]] = {}
        self._triggered: dict[str, frozenset[int]] = {}

    def __call__(self, lowered: list[str]) -> list[list[float]]:
        """The weights of the keywords matching in each lower-cased sentence, summed in the
        themes file's order."""
        found = [self._in_sentence(line) for line in lowered]
        if self._whole_text:
            self._add_whole_text(lowered, found)
        table = [[0.0] * len(lowered) for _ in range(self._theme_count)]
        for i, keywords in enumerate(found):
            for k in sorted(keywords):
                table[self._themes[k]][i] += self._weights[k]
        return table

    def _in_sentence(self, line: str) -> set[int]:
        tokens = set(TOKEN.findall(line))
        memo = self._memo
        unknown = [t for t in tokens if t not in memo]
        if unknown:
            self._remember(unknown)
        present = frozenset().union(*map(memo.__getitem__, tokens))
        candidates = self._everywhere.union(*map(self._triggered.__getitem__, tokens))
        return {
            k
            for k in candidates
            if all(any(map(present.issuperset, c)) for c in self._unproved[k])
            and self._searches[k](line)
        }

    def _remember(self, tokens: list[str]) -> None:
        if len(self._memo) + len(tokens) > _MEMO_LIMIT:
            self._memo.clear()
            self._triggered.clear()
        triggers = self._triggers
        for token in tokens:
            pieces = frozenset(p for p in self._pieces if p in token)
            self._memo[token] = pieces
            self._triggered[token] = frozenset().union(
                *[triggers[p] for p in pieces if p in triggers]
            )

    def _add_whole_text(self, lowered: list[str], found: list[set[int]]) -> None:
        """Matches over the sentences joined by newlines, each counted in the sentence where
        it starts."""
        starts, position = [], 0
        for line in lowered:
            starts.append(position)
            position += len(line) + 1
        joined = "\n".join(lowered)
        for k in self._whole_text:
            for start in self._keywords[k].starts(joined):
                found[bisect_right(starts, start) - 1].add(k)


def _commonness(pieces: list[str], sample: list[str]) -> dict[str, int]:
    """How many of the sample sentences (the exemplars: the themes' own kind of text) have a
    token holding each piece; it only decides which pieces are looked up first."""
    tokens: Counter[str] = Counter()
    for sentence in sample:
        tokens.update(set(TOKEN.findall(sentence.lower())))
    return {piece: sum(n for token, n in tokens.items() if piece in token) for piece in pieces}


def _rarest_first(clauses: _Clauses, common: dict[str, int]) -> _Clauses:
    """The clauses in the order that rules a sentence out soonest."""
    return tuple(sorted(clauses, key=lambda c: sum(min(common[p] for p in lit) for lit in c)))


def _triggers(first: dict[int, _Clause], common: dict[str, int]) -> dict[str, frozenset[int]]:
    """Piece -> the keywords looked at when a sentence has it: each literal of a keyword's
    first clause stands under its rarest piece."""
    triggers: dict[str, set[int]] = {}
    for k, clause in first.items():
        for literal in clause:
            piece = min(literal, key=lambda p: (common[p], -len(p), p))
            triggers.setdefault(piece, set()).add(k)
    return {piece: frozenset(ks) for piece, ks in triggers.items()}
