"""What every command prints the same way: exit codes, dates, the JSON shapes (a contract:
other tools read them), and poll summaries."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from monitor.models import DigestRecord, PollReport
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
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a tool whose reader left


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


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (`--limit`)."""
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from exc
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def destination(record: DigestRecord) -> str:
    """Where a digest goes (or went), truthfully: its recipients only when it is emailed."""
    if record.transport == "outbox":
        return "to the outbox"
    to = ", ".join(record.recipients) or "-"
    return f"by email to {to}" if record.transport == "smtp" else f"to {to}"


def print_report(report: PollReport, *, backfill: bool = False) -> None:
    print(report.backfill_summary() if backfill else report.summary())
    for error in report.errors:
        print(f"  error: {error}")
