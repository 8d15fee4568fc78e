"""How the pipeline polls: intervals, backoff, size caps, the new-source look-back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class PollPolicy:
    interval: float
    max_backoff: float
    feed_max_bytes: int
    page_max_bytes: int
    fetch_pages: bool = True
    new_source_lookback: float = 7 * 86400.0
    # New entries taken from one feed in one poll; the rest wait for the next polls.
    max_entries_per_poll: int = 1000
    # How long a claimed source stays taken by this poll (see Store.claim_due_sources).
    claim_hold: timedelta = timedelta(minutes=15)
    # How long this poller's heartbeat vouches for its claims (see Store.heartbeat).
    poller_ttl: timedelta = timedelta(minutes=15)
