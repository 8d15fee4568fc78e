"""What a keyword pattern's source promises about its matches, for the keyword prefilter.

`shape(source)` reads the part of the regular-expression syntax that theme keywords use
(literals, groups, alternation, quantifiers, `.`, character classes, `\\b`, `\\w`, `\\d`,
`\\s`) and tells whether a match can contain a newline, and which literal text every match
must contain: for instance `\\bprocess(es)?\\b.{0,60}\\b(practice|outcomes?)\\b` needs
"process", and "practice" or "outcome". Anything else (lookarounds, backreferences, inline
flags, `^`, `$`, other escapes) makes the pattern opaque: it promises nothing and is not
sentence-local. Every promise is proved from the structure, so a prefilter built on them can
let through too much, never too little.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

# Runs of letters and digits, and every other non-space character on its own: a literal
# piece of a match always lies inside one token of the text it was found in.
TOKEN = re.compile(r"[a-z0-9]+|[^a-z0-9\s]")
_REPEAT = re.compile(r"\{(\d*)(?:(,)(\d*))?\}")
# Bounds on the sets of strings followed through the pattern, to keep the analysis cheap.
_MAX_STRINGS = 64
_MAX_COPIES = 3
_MAX_CLASS = 8
# Bound on the clauses an alternation offers (one clause chosen from each branch).
_MAX_CHOICES = 16


@dataclass(frozen=True)
class Shape:
    """`local`: no match can contain a newline, so matching a text of newline-separated
    sentences finds exactly what matching each sentence alone finds. `clauses`: each is a
    choice of literals, each literal a set of pieces; every match contains, for every clause,
    a literal whose pieces all lie inside tokens of the text. The strongest clause comes
    first; there are none when the structure proves nothing."""

    local: bool
    clauses: tuple[tuple[frozenset[str], ...], ...]


class _OpaqueError(Exception):
    """A construct the analysis does not follow."""


@dataclass(frozen=True)
class _Node:
    exact: frozenset[str] | None  # every match is one of these
    clauses: tuple[frozenset[str], ...]  # every match contains a string of each (none empty)


@functools.cache  # a pure function of the source: each App's classifier asks again
def shape(source: str) -> Shape:
    """The promises of a valid pattern's `source` (opaque ones promise nothing)."""
    parser = _Parser(source)
    try:
        node = parser.alternation()
        if parser.position != len(source):
            raise _OpaqueError
    except (_OpaqueError, IndexError, ValueError, re.error):
        return Shape(local=False, clauses=())
    return Shape(local=not parser.newline, clauses=tuple(map(_literals, node.clauses)))


def _literals(strings: frozenset[str]) -> tuple[frozenset[str], ...]:
    """Each string as the set of its tokens, every one of which lies inside a token of any
    text holding the string; without the literals that hold a simpler one (wherever
    'processes' is, 'process' is too)."""
    kept: list[frozenset[str]] = []
    for literal in sorted({frozenset(TOKEN.findall(s)) for s in strings}, key=_size):
        if not any(_holds(literal, k) for k in kept):
            kept.append(literal)
    return tuple(kept)


def _size(literal: frozenset[str]) -> tuple[int, int, list[str]]:
    return len(literal), sum(map(len, literal)), sorted(literal)


def _holds(literal: frozenset[str], simpler: frozenset[str]) -> bool:
    """Whether text with every piece of `literal` in its tokens has every piece of `simpler`."""
    return all(any(piece in other for other in literal) for piece in simpler)


@functools.lru_cache(maxsize=4096)
def _piece(literal: str) -> str:
    """The literal's longest token: any text containing the literal has it inside a token."""
    return max(TOKEN.findall(literal), key=len, default="")


def _rank(strings: frozenset[str]) -> tuple[int, int, int, tuple[str, ...]]:
    """Longer shortest pieces first (fewer sentences pass), then longer strings, then fewer."""
    shortest = min(len(_piece(s)) for s in strings)
    return shortest, min(map(len, strings)), -len(strings), tuple(sorted(strings))


def _implies(stronger: frozenset[str], weaker: frozenset[str]) -> bool:
    """Whether text with a string of `stronger` always has one of `weaker`."""
    return all(any(w in s for w in weaker) for s in stronger)


def _node(exact: frozenset[str] | None, clauses: Iterable[frozenset[str] | None]) -> _Node:
    """A node's clauses, strongest first, without those another clause already implies."""
    usable = {c for c in [exact, *clauses] if c and all(c)}
    kept: list[frozenset[str]] = []
    for rank, clause in sorted(((_rank(c), c) for c in usable), reverse=True):
        if rank[0] > 0 and not any(_implies(k, clause) for k in kept):
            kept.append(clause)
    return _Node(exact, tuple(kept))


def _product(left: frozenset[str], right: frozenset[str]) -> frozenset[str] | None:
    if len(left) * len(right) > _MAX_STRINGS:
        return None
    return frozenset(a + b for a in left for b in right)


_EMPTY = _node(frozenset({""}), [])
_ANY_CHAR = _Node(None, ())


def _concat(items: list[_Node]) -> _Node:
    """A sequence: every item's clauses hold, and so does each run of items with known
    strings (which stands for those items' own clauses); the whole has known strings only
    when every item has."""
    clauses: list[frozenset[str] | None] = [
        c for item in items if item.exact is None for c in item.clauses
    ]
    run: frozenset[str] | None = frozenset({""})
    whole = True
    for item in items:
        joined = None if run is None or item.exact is None else _product(run, item.exact)
        if joined is None:
            clauses.append(run)
            run, whole = item.exact, False
        else:
            run = joined
    clauses.append(run)
    return _node(run if whole else None, clauses)


def _either(branches: list[_Node]) -> _Node:
    """Alternatives: whichever branch matched, one of its clauses holds, so the union of one
    clause from each branch holds too. Every such choice is kept (up to _MAX_CHOICES): the
    union of the branches' first clauses is often a common word, another choice a rare one."""
    exact: frozenset[str] | None = frozenset()
    for branch in branches:
        exact = None if exact is None or branch.exact is None else exact | branch.exact
    choices: list[frozenset[str]] = [frozenset()]
    for branch in branches:
        if not branch.clauses:
            return _node(exact, [])
        widened = [c | clause for c in choices for clause in branch.clauses]
        choices = (
            widened if len(widened) <= _MAX_CHOICES else [c | branch.clauses[0] for c in choices]
        )
    return _node(exact, choices)


def _repeat(node: _Node, low: int, high: int | None) -> _Node:
    exact = None
    if node.exact is not None and high is not None and high <= _MAX_COPIES:
        exact = _copies(node.exact, low, high)
    return _node(exact, node.clauses if low >= 1 else [])


def _copies(strings: frozenset[str], low: int, high: int) -> frozenset[str] | None:
    """Every concatenation of `low` to `high` of the strings (None when too many)."""
    result: frozenset[str] = frozenset()
    power: frozenset[str] | None = frozenset({""})
    for count in range(high + 1):
        if power is None:
            return None
        if count >= low:
            result |= power
        power = _product(power, strings)
    return result


class _Parser:
    """Recursive descent over the pattern source; `newline` is set when an atom can match one."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.position = 0
        self.newline = False

    def _peek(self) -> str:
        return self.source[self.position : self.position + 1]

    def _take(self) -> str:
        char = self.source[self.position]
        self.position += 1
        return char

    def alternation(self) -> _Node:
        branches = [self._sequence()]
        while self._peek() == "|":
            self.position += 1
            branches.append(self._sequence())
        return branches[0] if len(branches) == 1 else _either(branches)

    def _sequence(self) -> _Node:
        items = []
        while self._peek() not in ("", "|", ")"):
            items.append(self._quantified(self._atom()))
        return _concat(items)

    def _quantified(self, node: _Node) -> _Node:
        char = self._peek()
        if char in ("?", "*", "+"):
            self.position += 1
            low, high = {"?": (0, 1), "*": (0, None), "+": (1, None)}[char]
        elif char == "{":
            match = _REPEAT.match(self.source, self.position)
            if match is None:
                raise _OpaqueError
            self.position = match.end()
            low = int(match[1] or 0)
            high = low if match[2] is None else int(match[3]) if match[3] else None
        else:
            return node
        if self._peek() in ("?", "+"):  # lazy or possessive: no other strings can match
            self.position += 1
        return _repeat(node, low, high)

    def _atom(self) -> _Node:
        char = self._take()
        if char == "(":
            return self._group()
        if char == "[":
            return self._char_class()
        if char == "\\":
            return self._escape()
        if char == ".":
            return _ANY_CHAR
        if char in "^$*+?{":
            raise _OpaqueError
        self.newline = self.newline or char == "\n"
        return _node(frozenset({char}), [])

    def _group(self) -> _Node:
        if self.source.startswith("?:", self.position):
            self.position += 2
        elif self.source.startswith("?P<", self.position):
            self.position = self.source.index(">", self.position) + 1
        elif self._peek() == "?":
            raise _OpaqueError
        node = self.alternation()
        if self._take() != ")":
            raise _OpaqueError
        return node

    def _escape(self) -> _Node:
        char = self._take()
        if char in "bB":
            return _EMPTY
        if char in "dwsDWS":
            self.newline = self.newline or re.fullmatch("\\" + char, "\n") is not None
            return _ANY_CHAR
        if char.isascii() and char.isalnum():
            raise _OpaqueError
        return _node(frozenset({char}), [])  # escaped punctuation stands for itself

    def _char_class(self) -> _Node:
        start, end = self.position - 1, self.position
        if self.source[end] == "^":
            end += 1
        if self.source[end] == "]":
            end += 1
        while self.source[end] != "]":
            end += 2 if self.source[end] == "\\" else 1
        self.position = end + 1
        text = self.source[start : self.position]
        self.newline = self.newline or re.fullmatch(text, "\n") is not None
        return _node(_class_members(text[1:-1]), [])


def _class_members(body: str) -> frozenset[str] | None:
    """The characters of a plain class such as `[- ]` or `[ds]` (no negation, range, escape
    or nested set); None for any other."""
    if body.startswith("^") or "\\" in body or "[" in body or "-" in body[1:-1]:
        return None
    members = frozenset(body)
    return members if len(members) <= _MAX_CLASS else None
