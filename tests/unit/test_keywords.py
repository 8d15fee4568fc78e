"""The keyword prefilter: the same evidence as matching every pattern over the whole text."""

from __future__ import annotations

import json
import random
import re
from bisect import bisect_right
from collections.abc import Callable
from pathlib import Path

import pytest

from monitor.bundled import bundled_path
from monitor.classify import Classifier, load_themes
from monitor.classify.keywords import KeywordScorer
from monitor.classify.lexicon import Lexicon
from monitor.classify.patterns import TOKEN, shape
from monitor.classify.relevance import (
    ADULT_HEALTH,
    INSPECTION,
    OFSTED,
    SCHOOLS,
    SOCIAL_CARE,
    SOCIAL_CARE_WEAK,
)
from monitor.classify.text import normalise, split_sentences
from monitor.classify.themes import ThemeBook, parse_themes
from monitor.ingest.seeds import load_seed_articles

THEMES = bundled_path("seeds") / "themes.toml"
DEV_SET = Path(__file__).resolve().parents[1] / "data" / "labelled" / "dev.jsonl"


def reference_table(book: ThemeBook, lowered: list[str]) -> list[list[float]]:
    """The scoring before the prefilter: every pattern over the newline-joined sentences, a
    sentence getting a keyword's weight once if any of its matches starts there."""
    starts, position = [], 0
    for line in lowered:
        starts.append(position)
        position += len(line) + 1
    joined = "\n".join(lowered)
    table = [[0.0] * len(lowered) for _ in book.themes]
    for t, theme in enumerate(book.themes):
        for keyword in theme.keywords:
            hit = {bisect_right(starts, m.start()) - 1 for m in re.finditer(keyword.source, joined)}
            for i in hit:
                table[t][i] += keyword.weight
    return table


def articles() -> list[tuple[str, str]]:
    """The development set, the seed articles and the news-length development set."""
    rows = [
        json.loads(line)
        for path in (DEV_SET, DEV_SET.with_name("news.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    found = [(r["title"], r["text"]) for r in rows]
    return found + [
        (a.title, a.text) for a in load_seed_articles(bundled_path("seeds") / "articles")
    ]


def sentences(title: str, text: str) -> list[str]:
    """The lower-cased sentences the classifier scores."""
    lines = [normalise(title), *split_sentences(normalise(text))]
    return [line.lower() for line in lines if line]


@pytest.fixture(scope="module")
def reference() -> tuple[ThemeBook, Callable[[list[str]], list[list[float]]]]:
    """The bundled themes, and their reference scoring remembered for the module: the two
    tests below score the same sentences of the same articles (a copy each time, which the
    caller may change)."""
    book = load_themes(THEMES)
    tables: dict[tuple[str, ...], list[list[float]]] = {}

    def scored(lowered: list[str]) -> list[list[float]]:
        key = tuple(lowered)
        if key not in tables:
            tables[key] = reference_table(book, lowered)
        return [row[:] for row in tables[key]]

    return book, scored


@pytest.mark.slow
@pytest.mark.xdist_group("keyword_reference")  # one worker, one `reference` for both
def test_keyword_evidence_is_that_of_every_pattern_over_the_whole_text(
    reference: tuple[ThemeBook, Callable[[list[str]], list[list[float]]]],
) -> None:
    book, scored = reference
    scorer = KeywordScorer(book)
    for title, text in articles():
        lowered = sentences(title, text)
        assert scorer(lowered) == scored(lowered), title


@pytest.mark.slow
@pytest.mark.xdist_group("keyword_reference")
def test_classifications_are_those_of_the_reference_scoring(
    reference: tuple[ThemeBook, Callable[[list[str]], list[list[float]]]],
) -> None:
    book, scored = reference
    classifier, reference_classifier = Classifier(book), Classifier(book)
    reference_classifier._keywords = scored  # type: ignore[assignment]
    for title, text in articles():
        assert classifier(title, text) == reference_classifier(title, text), title


def test_user_patterns_the_analysis_does_not_follow_still_count() -> None:
    book = parse_themes(
        r"""
        [[themes]]
        id = "odd"
        keywords = [
          { pattern = "(?<=the )inspector", weight = 1.0 },
          { pattern = "^ofsted", weight = 0.5 },
          { pattern = "£\\s?\\d+m", weight = 0.5 },
          { pattern = "x?", weight = 0.25 },
          { pattern = "(home)s? \\1", weight = 1.0 },
          { pattern = "[^a-z]{3}", weight = 0.5 },
        ]
        """
    )
    lowered = sentences("Ofsted: the inspector", "It cost £\n5m. Homes home ... Ofsted again.")
    assert KeywordScorer(book)(lowered) == reference_table(book, lowered)


def test_a_full_memo_starts_again() -> None:
    book = load_themes(THEMES)
    scorer = KeywordScorer(book)
    scorer._memo.update({f"t{i}": frozenset() for i in range(60_000)})
    scorer._triggered.update({f"t{i}": frozenset() for i in range(60_000)})
    lowered = sentences(*articles()[0])
    assert scorer(lowered) == reference_table(book, lowered)
    assert len(scorer._memo) < 1_000


@pytest.mark.parametrize(
    ("pattern", "clauses"),
    [
        (r"\bcompliance\b", [[["compliance"]]]),
        (
            r"\bprocess(es)?\b.{0,60}\b(practice|outcomes?)\b",
            [[["outcome"], ["practice"]], [["process"]]],
        ),
        (r"tick[- ]box", [[["box", "tick"]]]),
        (r"\b(remit|powers) to inspect\b|\bremit\b", [[["inspect", "powers", "to"], ["remit"]]]),
        # Each branch offers two clauses; the union of its second ones is the rare word.
        (
            r"\b(ofsted|the regulator) (is )?recruit\w*\b|\brecruit\w* inspectors\b",
            [
                [["inspectors"], ["ofsted", "recruit"], ["recruit", "regulator", "the"]],
                [["recruit"]],
            ],
        ),
    ],
)
def test_shape_names_the_literal_pieces_of_every_match(
    pattern: str, clauses: list[list[list[str]]]
) -> None:
    found = shape(pattern)
    assert found.local
    assert sorted(sorted(sorted(lit) for lit in clause) for clause in found.clauses) == clauses


@pytest.mark.parametrize(
    "pattern", [r"£\s?\d", r"[^a-z]x", r"^ofsted", r"x$", r"(?=a)ab", r"(?i)ab", r"(a)\1", "a\nb"]
)
def test_patterns_that_may_leave_a_sentence_are_not_local(pattern: str) -> None:
    assert shape(pattern).local is False


PATTERNS = [
    r"\bprocess(es)?\b.{0,6}\b(practice|outcomes?)\b",
    r"tick[- ]box",
    r"\b(ab|cd)e{1,2}f?\b",
    r"x(?:yz)+|q\w*r",
    r"(a|b|)c",
    r"\d+ (per cent|%) of a",
    r"[ab]{2}c|\.d",
    r"(?P<n>ab)?'c's",
    r"a{0,2}b{2,}c{,1}",
    r"ab+?c*+",
    r"\b(xy|q) (is )?ab\w*|ab\w* cd",
]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_every_match_holds_a_literal_of_each_clause(pattern: str) -> None:
    """Random texts from the pattern's own words and a few characters: wherever the pattern matches, every
    clause has a literal whose pieces all lie inside tokens of the text."""
    found = shape(pattern)
    pieces = [*re.findall(r"[a-z%'. ]+", re.sub(r"\\[bwd]", "", pattern)), *" .'%1xyz"]
    rng = random.Random(pattern)
    matched = 0
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))
        if re.search(pattern, text) is None:
            continue
        matched += 1
        tokens = TOKEN.findall(text)
        for clause in found.clauses:
            assert any(all(any(p in t for t in tokens) for p in lit) for lit in clause), text
    assert matched and found.clauses


def test_the_relevance_lexicons_stay_within_a_sentence() -> None:
    for lexicon in (OFSTED, INSPECTION, SOCIAL_CARE, SOCIAL_CARE_WEAK, SCHOOLS, ADULT_HEALTH):
        assert shape(lexicon.pattern).local, lexicon.pattern[:40]


LEXICONS = (OFSTED, INSPECTION, SOCIAL_CARE, SOCIAL_CARE_WEAK, SCHOOLS, ADULT_HEALTH)


@pytest.mark.parametrize("lexicon", LEXICONS, ids=lambda p: p.pattern[:24])
def test_a_lexicon_matched_where_its_words_begin_finds_what_finditer_finds(
    lexicon: re.Pattern[str],
) -> None:
    """Over every labelled text and seed article, lower-cased as the classifier does, and
    over texts made of the lexicon's own openings run together (overlaps, words inside
    words)."""
    found = Lexicon.of(lexicon)
    assert found.openings, "every relevance lexicon has the shape the fast path needs"
    texts = ["\n".join(sentences(title, text)) for title, text in articles()]
    rng = random.Random(lexicon.pattern)
    pieces = [*found.openings, " ", "s ", "-", "'s ", "\n", "x"]
    texts += ["".join(rng.choice(pieces) for _ in range(30)) for _ in range(300)]
    for text in texts:
        assert found.starts(text) == [m.start() for m in lexicon.finditer(text)], text[:80]


def test_a_pattern_of_another_shape_is_matched_by_finditer() -> None:
    for source in (r"ofsted|\bhmci\b", r"\b(?:a|b)?c", r"\b\w+x"):
        pattern = re.compile(source)
        found = Lexicon.of(pattern)
        assert found.openings is None
        assert found.starts("a c bc x ofsted hmci") == [
            m.start() for m in pattern.finditer("a c bc x ofsted hmci")
        ]
