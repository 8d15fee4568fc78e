"""A word list as a regular expression, matched where its words begin. Pure.

The relevance lexicons are alternations whose every branch starts with `\\b` and a literal
("\\bofsted\\b|\\bhmci\\b|\\b(?:his|her) majesty's chief inspector\\b|..."). The regex engine
tries every branch at every position of the text; `str.find` looks for the literals far
faster, and the pattern is then tried only where one of them begins. Every match begins with
one of them, and the candidates are tried in order, each from the end of the last match on,
so the matches are exactly those of `finditer`. A pattern of another shape is matched with
`finditer`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PLAIN = re.compile(r"[a-z0-9' ]+")
_OPTIONS = re.compile(r"\(\?:((?:[a-z0-9' ]+\|)*[a-z0-9' ]+)\)(?![?*{])")


@dataclass(frozen=True)
class Lexicon:
    pattern: re.Pattern[str]
    # The literals some match always begins with (None: the pattern has another shape).
    openings: tuple[str, ...] | None

    @classmethod
    def of(cls, pattern: re.Pattern[str]) -> Lexicon:
        return cls(pattern, leading_literals(pattern.pattern))

    def starts(self, text: str) -> list[int]:
        """Where the matches of `finditer` start."""
        if self.openings is None:
            return [m.start() for m in self.pattern.finditer(text)]
        candidates: set[int] = set()
        for literal in self.openings:
            at = text.find(literal)
            while at >= 0:
                candidates.add(at)
                at = text.find(literal, at + 1)
        found: list[int] = []
        end = 0
        for at in sorted(candidates):
            if at >= end and (match := self.pattern.match(text, at)):
                found.append(at)
                end = match.end()
        return found

    def count(self, text: str) -> int:
        return len(self.starts(text))


def leading_literals(source: str) -> tuple[str, ...] | None:
    """The literals that begin the branches of `\\bliteral...|\\b(?:a|b) ...`: for each
    branch, the run of plain characters after its `\\b` (less a last character a quantifier
    makes optional), or each option of a leading group of plain options. None when a branch
    has another shape."""
    found: set[str] = set()
    for branch in _branches(source):
        if not branch.startswith("\\b"):
            return None
        rest = branch[2:]
        if options := _OPTIONS.match(rest):
            found.update(options[1].split("|"))
            continue
        run = _PLAIN.match(rest)
        literal = run[0] if run else ""
        if rest[len(literal) : len(literal) + 1] in ("?", "*", "{"):
            literal = literal[:-1]
        if not literal:
            return None
        found.add(literal)
    return tuple(sorted(found))


def _branches(source: str) -> list[str]:
    """The top-level alternatives of a pattern's source."""
    branches, current, depth, i = [], "", 0, 0
    while i < len(source):
        char = source[i]
        if char == "\\":
            current += source[i : i + 2]
            i += 2
            continue
        if char == "[":
            end = source.index("]", i + 2)
            current += source[i : end + 1]
            i = end + 1
            continue
        depth += (char == "(") - (char == ")")
        if char == "|" and depth == 0:
            branches.append(current)
            current = ""
        else:
            current += char
        i += 1
    return [*branches, current]
