"""The JSON shapes of articles, sources, digests and classifications: a contract (other
tools read them), shared by the command line's `--json` output and the web app's API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from monitor.models import ArticleSummary, Classification, DigestRecord, SourceInfo


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


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
        "claimed_by": source.claimed_by,
        "next_poll": iso(source.next_poll_at),
    }


def article_json(article: ArticleSummary) -> dict[str, Any]:
    """An article; with `authorities` (as `classify-file` prints them) when it read them."""
    found: dict[str, Any] = {
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
    if article.authorities is not None:
        found["authorities"] = [a.as_json() for a in article.authorities]
    return found


def classification_json(item_id: Any, result: Classification) -> dict[str, Any]:
    return {
        "id": item_id,
        "relevant": bool(result.relevant),
        "relevance": result.relevance,
        "themes": [m.as_json() for m in result.themes],
        "authorities": [a.as_json() for a in result.authorities],
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
