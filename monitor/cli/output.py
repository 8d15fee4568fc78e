"""What every command prints the same way: exit codes, dates, the JSON shapes (a contract:
other tools read them), and poll summaries."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from monitor.models import ArticleSummary, Classification, DigestRecord, PollReport, SourceInfo

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a tool whose reader left


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


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


def source_json(source: SourceInfo) -> dict[str, Any]:
    return {
        "id": source.id,
        "url": source.url,
        "name": source.name,
        "site_url": source.site_url,
        "added_at": iso(source.added_at),
        "articles": source.articles,
        "last_polled": iso(source.last_polled_at),
        "last_success": iso(source.last_success_at),
        "last_error": source.last_error,
        "consecutive_failures": source.consecutive_failures,
        "failing": source.failing,
        "claimed_until": iso(source.claimed_until),
        "next_poll": iso(source.next_poll_at),
    }


def article_json(article: ArticleSummary) -> dict[str, Any]:
    return {
        "id": article.id,
        "url": article.url,
        "title": article.title,
        "source": article.source,
        "origin": article.origin,
        "published": iso(article.published),
        "date_status": article.date_status,
        "fetched_at": iso(article.fetched_at),
        "relevant": article.relevant,
        "relevance": article.relevance,
        "themes": list(article.themes),
        "extraction_error": article.extraction_error,
    }


def classification_json(item_id: Any, result: Classification) -> dict[str, Any]:
    return {
        "id": item_id,
        "relevant": bool(result.relevant),
        "relevance": result.relevance,
        "themes": [m.as_json() for m in result.themes],
    }


def digest_json(record: DigestRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "period": record.period,
        "created_at": iso(record.created_at),
        "window_start": iso(record.window_start),
        "window_end": iso(record.window_end),
        "status": record.status,
        "items": record.item_count,
        "near_misses": record.near_miss_count,
        "subject": record.subject,
        "message_id": record.message_id,
        "recipients": list(record.recipients),
        "attempts": record.attempts,
        "next_attempt_at": iso(record.next_attempt_at),
        "sent_at": iso(record.sent_at),
        "delivered_to": record.delivered_to,
        "transport": record.transport,
        "error": record.last_error,
    }


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
