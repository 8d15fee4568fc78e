"""What every command prints the same way: exit codes, dates, the JSON shapes (a contract:
other tools read them), and poll summaries."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from monitor.models import PollReport
from monitor.service.shapes import (
    article_json,
    classification_json,
    digest_json,
    iso,
    source_json,
)

__all__ = [
    "EXIT_CONFIG",
    "EXIT_FAILED",
    "EXIT_OK",
    "article_json",
    "classification_json",
    "digest_json",
    "iso",
    "parse_since",
    "print_report",
    "source_json",
    "when",
]

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2


def when(value: datetime | None) -> str:
    """A time for people to read, or a dash."""
    return f"{value:%Y-%m-%d %H:%M} UTC" if value else "-"


def parse_since(text: str) -> datetime:
    """An argparse type: a date or a date and time, UTC unless it says otherwise."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD)") from exc
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def print_report(report: PollReport, *, backfill: bool = False) -> None:
    print(report.backfill_summary() if backfill else report.summary())
    for error in report.errors:
        print(f"  error: {error}")
