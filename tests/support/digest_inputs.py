"""Inputs for build_digest: candidate articles, source activity and theme names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.models import Candidate, SourceActivity, ThemeMatch

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
THEMES = {
    "judgement-outcomes": "Judgements and outcomes",
    "workforce": "Workforce",
    "inspection-scope": "Inspection scope",
}


def candidate(
    id: int,
    *,
    title: str = "",
    themes: tuple[tuple[str, float], ...] = (),
    relevance: float = 0.6,
    relevant: bool = True,
    hours_ago: float = 1,
    text: str = "",
    source: str = "Community Care",
) -> Candidate:
    return Candidate(
        id=id,
        url=f"https://news.example/{id}",
        title=title or f"Story {id}",
        source=source,
        published_at=NOW - timedelta(hours=hours_ago),
        first_seen_at=NOW - timedelta(hours=hours_ago) + timedelta(minutes=5),
        relevant=relevant,
        relevance=relevance,
        themes=tuple(ThemeMatch(t, s, (f"Evidence for {t} in {id}.",)) for t, s in themes),
        text=text or f"Body of story {id}.",
    )


def activity(name: str, **overrides: object) -> SourceActivity:
    values: dict[str, object] = {
        "name": name,
        "url": f"https://{name.lower().replace(' ', '')}.example/feed",
        "polls_ok": 48,
        "polls_failed": 0,
        "last_poll_failed": False,
        "last_error": None,
        "new_articles": 3,
        "last_new_entry_at": NOW - timedelta(hours=3),
        "new_entry_times": tuple(NOW - timedelta(hours=h) for h in (72, 48, 24, 3)),
    }
    values.update(overrides)
    # `values` holds SourceActivity's own fields: checked when it is built.
    return SourceActivity(**values)  # type: ignore[arg-type]
