"""Is the service healthy? The rules behind `monitor status --check`. Pure."""

from __future__ import annotations

from datetime import datetime, timedelta

from monitor.models import DigestRecord

# No successful poll for this many poll intervals is unhealthy.
SILENT_INTERVALS = 3
OFFLINE = "no source reachable: is this machine offline?"


def problems(
    now: datetime,
    *,
    poll_interval: float,
    sources: int,
    last_success: datetime | None,
    first_started: datetime | None,
    last_digest: DigestRecord | None,
    unreachable: bool = False,
) -> list[str]:
    """What is wrong, one sentence each; an empty list means healthy. `unreachable`: the
    last cycle reached no source at all (the machine looks offline)."""
    found = []
    limit = timedelta(seconds=poll_interval * SILENT_INTERVALS)
    if sources:
        since = last_success or first_started
        if since is not None and now - since > limit:
            what = f"since {last_success:%Y-%m-%d %H:%M} UTC" if last_success else "ever"
            silent = f"no successful poll {what} (more than {SILENT_INTERVALS} poll intervals)"
            found.append(f"{OFFLINE}; {silent}" if unreachable else silent)
    if last_digest is not None:
        if last_digest.status == "failed":
            found.append(f"digest {last_digest.id} failed: {last_digest.last_error}")
        elif last_digest.status == "pending" and last_digest.last_error:
            found.append(
                f"digest {last_digest.id} is not getting through "
                f"({last_digest.attempts} attempts): {last_digest.last_error}"
            )
    return found
