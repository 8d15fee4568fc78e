"""What every store shares: the table handles, write transactions, the dialect switch, and
turning what SQLite hands back into aware datetimes. Each is written here once."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from monitor.models import AuthorityMatch
from monitor.storage.db import WRITE_OPTIONS
from monitor.storage.tables import metadata

# Core tables for the hot paths (no ORM unit of work per article).
ARTICLES = metadata.tables["article"]
SOURCES = metadata.tables["source"]
FETCH_ATTEMPTS = metadata.tables["fetch_attempt"]
SEEN_KEYS = metadata.tables["seen_key"]
CLASSIFICATIONS = metadata.tables["classification"]
ARTICLE_AUTHORITIES = metadata.tables["article_authority"]
ARTICLE_THEMES = metadata.tables["article_theme"]
META = metadata.tables["meta"]
DIGESTS = metadata.tables["digest"]
DIGEST_ITEMS = metadata.tables["digest_item"]
FEEDBACK = metadata.tables["feedback"]
LABELS = metadata.tables["article_label"]
POLLERS = metadata.tables["poller"]


def aware(value: datetime | str | None) -> datetime | None:
    """Aggregates bypass the column type: SQLite hands back naive UTC datetimes, or text."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class StoreBase:
    """An engine and the few things every store does with it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextlib.contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        """A write transaction (BEGIN IMMEDIATE on SQLite), committed on leaving."""
        with self.engine.execution_options(**WRITE_OPTIONS).begin() as connection:
            yield connection

    def _upsert(self, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
        """An INSERT that takes ON CONFLICT clauses, in this database's dialect."""
        return postgresql.insert(table) if self.is_postgresql else sqlite.insert(table)


def stored_authority(row: Any) -> AuthorityMatch:
    """A council as stored with an article's classification (a row of `article_authority`)."""
    judgements = row.judgements or {}
    return AuthorityMatch(
        row.code,
        row.name,
        row.grade,
        row.previous_grade,
        row.evidence,
        tuple((str(area), str(grade)) for area, grade in judgements.items()),
    )
