"""The rules of `monitor status --check`."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from monitor.models import DigestRecord
from monitor.service.health import problems

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SENT = DigestRecord(
    id=4,
    period="p",
    created_at=NOW,
    window_start=None,
    window_end=NOW,
    status="sent",
    subject="s",
    message_id="<m>",
    sender="a@example.org",
    recipients=("b@example.org",),
    item_count=3,
    near_miss_count=0,
    attempts=1,
    next_attempt_at=None,
    sent_at=NOW,
    delivered_to="smtp://x",
    last_error=None,
)


def check(
    *,
    poll_interval: float = 1800.0,
    sources: int = 12,
    last_success: datetime | None = NOW - timedelta(minutes=40),
    first_started: datetime | None = NOW - timedelta(days=3),
    last_digest: DigestRecord | None = SENT,
) -> list[str]:
    return problems(
        NOW,
        poll_interval=poll_interval,
        sources=sources,
        last_success=last_success,
        first_started=first_started,
        last_digest=last_digest,
    )


def test_healthy() -> None:
    assert check() == []
    assert check(sources=0, last_success=None) == []
    assert check(last_digest=None) == []


def test_no_successful_poll_for_three_intervals() -> None:
    [problem] = check(last_success=NOW - timedelta(minutes=91))
    assert "no successful poll since 2026-11-23 10:29 UTC" in problem
    assert check(last_success=NOW - timedelta(minutes=89)) == []


def test_never_polled_successfully_counts_from_the_first_start() -> None:
    assert check(last_success=None, first_started=NOW - timedelta(minutes=30)) == []
    [problem] = check(last_success=None)
    assert "no successful poll ever" in problem


def test_digest_failing() -> None:
    failed = replace(SENT, status="failed", last_error="550 5.7.1 Relaying denied")
    assert check(last_digest=failed) == ["digest 4 failed: 550 5.7.1 Relaying denied"]
    retrying = replace(SENT, status="pending", attempts=3, last_error="connection refused")
    [problem] = check(last_digest=retrying)
    assert "not getting through (3 attempts): connection refused" in problem
    assert check(last_digest=replace(SENT, status="pending", attempts=0)) == []


def test_no_source_reachable_is_said_in_one_line_once_the_grace_is_over() -> None:
    def offline(last_success: datetime) -> list[str]:
        return problems(
            NOW,
            poll_interval=1800.0,
            sources=12,
            last_success=last_success,
            first_started=NOW - timedelta(days=3),
            last_digest=SENT,
            unreachable=True,
        )

    assert offline(NOW - timedelta(minutes=89)) == []
    [problem] = offline(NOW - timedelta(minutes=91))
    assert problem.startswith("no source reachable: is this machine offline?")
