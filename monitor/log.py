"""Logging set-up: one line per event on stderr, as text or JSON lines.

Service events carry fields in `extra` (`job`, `source`, counts); the JSON format writes them
as keys, the text format appends them as key=value. A filter masks any password that slips
into a URL in a message (`scheme://user:***@host`): secrets are never logged.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
from datetime import UTC, datetime

_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]+@", re.IGNORECASE)
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
NOISY = (
    "httpx",
    "httpcore",
    "trafilatura",
    "htmldate",
    "courlan",
    "alembic",
    "apscheduler",
    "mail.log",
)


# The scheduler job running in this thread (or task), added to every event it logs.
current_job: contextvars.ContextVar[str | None] = contextvars.ContextVar("job", default=None)


def redact(text: str) -> str:
    return _URL_PASSWORD.sub(r"\1***@", text)


# Control characters (CR, LF, ESC...) and Unicode line breaks in a logged value are written
# as escapes, so a hostile URL or title cannot add lines to the log or drive a terminal.
_CONTROL = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")


def escape_controls(value: object) -> object:
    """`value` with its control characters escaped (`\\r`, `\\n`, `\\x1b`), when it is a
    string; a traceback a worker sent back keeps its lines."""
    if not isinstance(value, str) or value.startswith("Traceback (most recent call last)"):
        return value
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), value)


def _fields(record: logging.LogRecord) -> dict[str, object]:
    return {
        k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")
    }


class _Redacting(logging.Filter):
    """Masks URL passwords and adds the current job to each event."""

    def filter(self, record: logging.LogRecord) -> bool:
        job = current_job.get()
        if job and not hasattr(record, "job"):
            record.job = job
        if isinstance(record.args, tuple):
            record.args = tuple(escape_controls(a) for a in record.args)
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S%z")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extra = " ".join(f"{k}={escape_controls(str(v))}" for k, v in _fields(record).items())
        return f"{line} [{extra}]" if extra else line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        event.update(_fields(record))
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        return json.dumps(event, default=str, ensure_ascii=False)


def configure_logging(level: str, log_format: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(_Redacting())
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_monitor", False):
            root.removeHandler(old)
    handler._monitor = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
