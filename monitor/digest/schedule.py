"""The digest schedule as functions of time: which period is current, when the next one is.

A digest belongs to a schedule period, named by the wall-clock time of its cron fire in
MONITOR_TIMEZONE (`schedule/2026-11-23T07:00`). On the autumn clock change a 01:30 cron fires
twice (01:30 BST, then 01:30 GMT): both fires name the same period, so one digest is made. In
spring, a fire in the skipped hour happens an hour later, once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from monitor.errors import ConfigError

# Look this far back for the latest fire time: covers yearly schedules, costs little for daily.
_LOOKBACKS = (timedelta(days=2), timedelta(days=8), timedelta(days=32), timedelta(days=367))
_FIELDS = ("minute", "hour", "day", "month", "day_of_week")


def digest_trigger(expression: str, zone: ZoneInfo) -> CronTrigger:
    """A trigger from crontab syntax (minute hour day month weekday), or six fields with
    seconds first (for tests and demonstrations: `*/5 * * * * *` is every five seconds)."""
    fields = expression.split()
    names = _FIELDS if len(fields) == 5 else ("second", *_FIELDS) if len(fields) == 6 else ()
    if not names:
        raise ConfigError(
            f"MONITOR_DIGEST_CRON {expression!r} needs five fields: minute hour day month weekday"
        )
    try:
        values = dict(zip(names, fields, strict=True))
        if "second" not in values:
            values["second"] = "0"
        return CronTrigger(timezone=zone, **values)
    except ValueError as exc:
        raise ConfigError(f"MONITOR_DIGEST_CRON {expression!r} is not valid: {exc}") from exc


def next_fire(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The first fire time strictly after `now`."""
    # Arithmetic in UTC: on a local time in the repeated autumn hour, adding a microsecond
    # drops its fold and lands an hour earlier.
    after = now.astimezone(UTC) + timedelta(microseconds=1)
    fire: datetime | None = trigger.get_next_fire_time(None, after)
    return fire


def latest_fire(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The last fire time at or before `now`, or None when there was none in a year."""
    now = now.astimezone(UTC)
    for lookback in _LOOKBACKS:
        fire: datetime | None = trigger.get_next_fire_time(None, now - lookback)
        if fire is None or fire > now:
            continue
        while True:
            following = next_fire(trigger, fire)
            if following is None or following > now:
                return fire
            fire = following
    return None


def period_key(fire: datetime, zone: ZoneInfo) -> str:
    """The name of the period a fire time opens (wall-clock time in `zone`, to the second)."""
    wall = fire.astimezone(zone).replace(tzinfo=None)
    return f"schedule/{wall.isoformat(timespec='seconds')}"


def poll_tick(interval: float) -> float:
    """How often the service looks for due sources: a sixth of the poll interval, between
    one second and five minutes, so a source is polled soon after it becomes due."""
    return min(max(interval / 6, 1.0), 300.0)
