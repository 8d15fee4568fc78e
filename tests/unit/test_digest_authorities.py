"""Councils in the digest: each item's councils and grades, "Judgements reported" worst
first, and reports of the same council's same new grade merged into one story."""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

from monitor.digest.build import build_digest
from monitor.digest.render import Settings, council, render_parts
from monitor.models import AuthorityMatch, Candidate
from tests.support.digest_inputs import NOW, THEMES, candidate

NOTTINGHAM = AuthorityMatch(
    "E06000018", "Nottingham", "inadequate", "requires improvement", "Nottingham was rated..."
)
DURHAM = AuthorityMatch("E06000047", "County Durham", "outstanding", "good", "Durham was...")
SUTTON = AuthorityMatch("E09000029", "Sutton", None, None, "A joint inspection in Sutton...")
SETTINGS = Settings(ZoneInfo("Europe/London"), "0 7 * * *", "the built-in themes file")


def about(c: Candidate, *authorities: AuthorityMatch) -> Candidate:
    return replace(c, authorities=authorities)


def test_a_council_line_shows_the_grade_and_what_it_was() -> None:
    assert council(NOTTINGHAM) == "Nottingham · inadequate (was requires improvement)"
    assert council(replace(DURHAM, previous_grade=None)) == "County Durham · outstanding"
    assert council(SUTTON) == "Sutton"


def test_judgements_reported_lists_graded_councils_worst_first() -> None:
    digest = build_digest(
        [
            about(candidate(1, title="Durham outstanding", relevance=0.9), DURHAM),
            about(candidate(2, title="Sutton joint inspection", relevance=0.8), SUTTON),
            about(candidate(3, title="Nottingham inadequate", relevance=0.5), NOTTINGHAM),
        ],
        [],
        THEMES,
        since=None,
        until=NOW,
    )
    assert [j.authority.name for j in digest.judgements] == ["Nottingham", "County Durham"]
    text, html = render_parts(digest, SETTINGS)
    assert text.index("JUDGEMENTS REPORTED") < text.index("Durham outstanding")
    assert "- Nottingham · inadequate (was requires improvement): Nottingham inadequate" in text
    assert "Councils: Sutton" in text
    assert "Judgements reported" in html
    assert "Nottingham · inadequate (was requires improvement)" in html


def test_two_reports_of_one_judgement_are_one_story() -> None:
    first = about(
        candidate(1, title="Nottingham slips to inadequate", text="One wording " * 40),
        NOTTINGHAM,
    )
    second = about(
        candidate(
            2,
            title="City council's services judged inadequate",
            hours_ago=30,
            text="Quite another telling " * 40,
            source="Local Paper",
        ),
        NOTTINGHAM,
    )
    later = about(
        candidate(
            3, title="Nottingham inadequate again", hours_ago=24 * 5, text="A third telling " * 40
        ),
        NOTTINGHAM,
    )
    other_grade = about(
        candidate(4, title="Nottingham earlier news", text="Fourth story " * 40),
        replace(NOTTINGHAM, grade="good"),
    )
    digest = build_digest([first, second, later, other_grade], [], THEMES, since=None, until=NOW)
    stories = {item.article.id: [c.id for c in item.also] for item in digest.items}
    assert stories[1] == [2]  # within a few days, same council, same new grade
    assert 3 in stories and 4 in stories  # five days apart; another grade
