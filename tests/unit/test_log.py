"""Log lines: JSON events with their fields, passwords masked, the job attached."""

from __future__ import annotations

import io
import json
import logging

from monitor.log import JsonFormatter, TextFormatter, configure_logging, current_job, redact


def test_redact_masks_url_passwords_only() -> None:
    assert (
        redact("smtp://bot:s3cret@mail.example.org:587 failed")
        == "smtp://bot:***@mail.example.org:587 failed"
    )
    assert (
        redact("postgresql+psycopg://app:pw@db/monitor")
        == "postgresql+psycopg://app:***@db/monitor"
    )
    assert (
        redact("https://example.org/a:b@c is fine, smtp://bot@host too")
        == "https://example.org/a:b@c is fine, smtp://bot@host too"
    )


def test_json_lines_carry_fields_the_job_and_no_secret() -> None:
    configure_logging("INFO", "json")
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "_monitor", False))
    stream = io.StringIO()
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    assert isinstance(handler.formatter, JsonFormatter)
    token = current_job.set("poll")
    try:
        logging.getLogger("monitor.test").warning(
            "cannot reach %s",
            "smtp://bot:hunter2@mail.example.org",
            extra={"source": "https://feed.example/rss"},
        )
    finally:
        current_job.reset(token)
    event = json.loads(stream.getvalue())
    assert event["level"] == "WARNING" and event["job"] == "poll"
    assert event["source"] == "https://feed.example/rss"
    assert event["message"] == "cannot reach smtp://bot:***@mail.example.org"
    assert "hunter2" not in stream.getvalue()
    configure_logging("INFO", "text")


def test_text_lines_append_fields() -> None:
    record = logging.makeLogRecord(
        {"msg": "polled", "levelname": "INFO", "name": "x", "new_articles": 3}
    )
    assert TextFormatter().format(record).endswith("polled [new_articles=3]")
