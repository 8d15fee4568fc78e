"""The digest schedule as functions of time, across Europe/London's clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from monitor.digest.schedule import digest_trigger, latest_fire, next_fire, period_key, poll_tick
from monitor.errors import ConfigError

LONDON = ZoneInfo("Europe/London")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_daily_seven_oclock_follows_london_time_through_the_year() -> None:
    trigger = digest_trigger("0 7 * * *", LONDON)
    assert next_fire(trigger, utc(2026, 11, 23, 6, 59)) == utc(2026, 11, 23, 7, 0)  # GMT
    assert next_fire(trigger, utc(2026, 7, 1, 8, 0)) == utc(2026, 7, 2, 6, 0)  # BST
    assert next_fire(trigger, utc(2026, 11, 23, 7, 0)) == utc(2026, 11, 24, 7, 0)  # strictly after


def test_latest_fire_is_the_period_now_open() -> None:
    trigger = digest_trigger("0 7 * * *", LONDON)
    assert latest_fire(trigger, utc(2026, 11, 23, 7, 0)) == utc(2026, 11, 23, 7, 0)
    assert latest_fire(trigger, utc(2026, 11, 23, 6, 59)) == utc(2026, 11, 22, 7, 0)
    weekly = digest_trigger("0 8 * * mon", LONDON)
    assert latest_fire(weekly, utc(2026, 11, 22, 12, 0)) == utc(2026, 11, 16, 8, 0)
    yearly = digest_trigger("0 9 1 1 *", LONDON)
    assert latest_fire(yearly, utc(2026, 11, 23)) == utc(2026, 1, 1, 9, 0)


def test_autumn_change_fires_twice_but_names_one_period() -> None:
    trigger = digest_trigger("30 1 * * *", LONDON)
    # (Compared in UTC: Python never calls an ambiguous local time equal to one in another zone.)
    first = next_fire(trigger, utc(2026, 10, 24, 12, 0))
    assert first is not None and first.astimezone(UTC) == utc(2026, 10, 25, 0, 30)  # 01:30 BST
    second = next_fire(trigger, first)
    assert second is not None
    assert second.astimezone(UTC) == utc(2026, 10, 25, 1, 30)  # 01:30 GMT: a second fire
    assert period_key(first, LONDON) == period_key(second, LONDON) == "schedule/2026-10-25T01:30:00"
    latest = latest_fire(trigger, utc(2026, 10, 25, 1, 45))
    assert latest is not None and latest.astimezone(UTC) == utc(2026, 10, 25, 1, 30)


def test_spring_change_fires_once_in_the_missing_hour() -> None:
    trigger = digest_trigger("30 1 * * *", LONDON)
    fire = next_fire(trigger, utc(2026, 3, 28, 12, 0))
    assert fire is not None
    following = next_fire(trigger, fire)
    assert following is not None
    gap = following.astimezone(UTC) - fire.astimezone(UTC)
    assert gap == timedelta(hours=23)  # one digest that day, none lost
    assert period_key(fire, LONDON) != period_key(following, LONDON)


def test_six_fields_take_seconds_first() -> None:
    trigger = digest_trigger("*/5 * * * * *", LONDON)
    assert next_fire(trigger, utc(2026, 11, 23, 7, 0, 1)) == utc(2026, 11, 23, 7, 0, 5)


@pytest.mark.parametrize("expression", ["", "0 7 * *", "61 7 * * *", "0 7 * * funday", "a b c d e"])
def test_bad_schedules_are_configuration_errors(expression: str) -> None:
    with pytest.raises(ConfigError, match="MONITOR_DIGEST_CRON"):
        digest_trigger(expression, LONDON)


def test_poll_tick() -> None:
    assert poll_tick(1800) == 300
    assert poll_tick(600) == 100
    assert poll_tick(3) == 1
