"""build_digest: sections, ordering, same-story grouping, near misses and coverage."""

from __future__ import annotations

from datetime import timedelta

from monitor.digest.build import (
    OTHER_SECTION,
    build_digest,
    quiet_for,
    summarise_coverage,
)
from tests.support.digest_inputs import NOW, THEMES, activity, candidate
from tests.support.stories import LOCAL, OTHER_COUNCIL, TRADE


def test_articles_sit_under_their_top_theme_with_the_others_as_tags() -> None:
    digest = build_digest(
        [
            candidate(1, themes=(("workforce", 0.9), ("judgement-outcomes", 0.5))),
            candidate(2, themes=(("judgement-outcomes", 0.8),)),
            candidate(3),
        ],
        [],
        THEMES,
        since=None,
        until=NOW,
    )
    assert [(s.name, [i.article.id for i in s.items]) for s in digest.sections] == [
        ("Judgements and outcomes", [2]),
        ("Workforce", [1]),
        (OTHER_SECTION, [3]),
    ]
    first = digest.sections[1].items[0]
    assert first.tags == ("Judgements and outcomes",)
    assert first.evidence == ("Evidence for workforce in 1.",)
    assert digest.sections[2].items[0].evidence == ("Body of story 3.",)  # no theme: an excerpt
    assert digest.story_count == 3 and not digest.is_empty


def test_order_within_a_section_is_relevance_band_then_recency() -> None:
    theme = (("workforce", 0.9),)
    digest = build_digest(
        [
            candidate(1, themes=theme, relevance=0.55, hours_ago=1),
            candidate(2, themes=theme, relevance=0.92, hours_ago=20),
            candidate(3, themes=theme, relevance=0.58, hours_ago=5),
            candidate(4, themes=theme, relevance=0.41, hours_ago=0.5),
        ],
        [],
        THEMES,
        since=None,
        until=NOW,
    )
    assert [i.article.id for i in digest.items] == [2, 1, 3, 4]


def test_one_story_from_several_outlets_appears_once_with_also_reported_by() -> None:
    theme = (("judgement-outcomes", 0.9),)
    digest = build_digest(
        [
            candidate(1, text=LOCAL, themes=theme, relevance=0.5, source="Harrowfield Gazette"),
            candidate(2, text=TRADE, themes=theme, relevance=0.8, hours_ago=3),
            candidate(3, text=OTHER_COUNCIL, themes=theme, relevance=0.7),
        ],
        [],
        THEMES,
        since=None,
        until=NOW,
    )
    lead = {i.article.id: i for i in digest.items}
    assert set(lead) == {2, 3}
    assert [a.source for a in lead[2].also] == ["Harrowfield Gazette"]
    assert lead[3].also == ()


def test_near_misses_are_the_best_of_the_not_quite_relevant() -> None:
    near = [candidate(10 + i, relevant=False, relevance=0.15 + i * 0.01) for i in range(12)]
    far = candidate(99, relevant=False, relevance=0.05)
    digest = build_digest([*near, far, candidate(1)], [], THEMES, since=None, until=NOW)
    assert [c.id for c in digest.near_misses] == list(range(21, 11, -1))


def test_nothing_relevant_is_an_empty_digest_even_with_near_misses() -> None:
    digest = build_digest(
        [candidate(1, relevant=False, relevance=0.2)], [], THEMES, since=None, until=NOW
    )
    assert digest.is_empty and digest.story_count == 0 and len(digest.near_misses) == 1


def test_coverage_puts_failing_then_unpolled_then_quiet_sources_first() -> None:
    coverage = summarise_coverage(
        [
            activity("Zeta"),
            activity(
                "Broken", polls_ok=2, polls_failed=3, last_poll_failed=True, last_error="HTTP 500"
            ),
            activity("Flaky", polls_ok=40, polls_failed=2, last_error="timed out"),
            activity("Idle", polls_ok=0, new_articles=0),
            activity("Silent", new_articles=0, last_new_entry_at=NOW - timedelta(days=9)),
        ],
        NOW,
    )
    assert [(c.name, c.state) for c in coverage] == [
        ("Broken", "failing"),
        ("Idle", "not polled"),
        ("Silent", "quiet"),
        ("Flaky", "ok"),
        ("Zeta", "ok"),
    ]
    assert coverage[0].error == "HTTP 500"
    assert coverage[3].error == "timed out"  # recovered, but the reader sees what happened
    assert coverage[2].silent_for == timedelta(days=9)


def test_quiet_is_relative_to_the_usual_rhythm() -> None:
    weekly = tuple(NOW - timedelta(days=d) for d in (35, 28, 21, 14))
    assert (
        quiet_for(activity("Weekly", new_entry_times=weekly, last_new_entry_at=weekly[-1]), NOW)
        is None
    )
    hourly = tuple(NOW - timedelta(hours=h) for h in range(60, 50, -1))
    late = activity("Hourly", new_entry_times=hourly, last_new_entry_at=hourly[-1])
    assert quiet_for(late, NOW) == timedelta(hours=51)  # ~50 h, 2 days minimum passed
    young = activity("New", new_entry_times=hourly[:2], last_new_entry_at=NOW - timedelta(days=30))
    assert quiet_for(young, NOW) is None  # too little history to know what is usual
