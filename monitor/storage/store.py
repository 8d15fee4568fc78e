"""Store: the database behind intention-named methods. Rows never leave this module."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from monitor.errors import ConfigError
from monitor.models import (
    ArticleSummary,
    Classification,
    NewArticle,
    SourceInfo,
    StatusReport,
    StoredArticle,
)
from monitor.storage.db import WRITE_OPTIONS, read_session, wrap_errors, write_session
from monitor.storage.tables import (
    ArticleRow,
    ClassificationRow,
    MetaRow,
    SourceRow,
    metadata,
)
from monitor.textclean import clean_text

DEFAULT_FEEDS_LOADED = "default_feeds_loaded"
# Core tables for the hot paths (no ORM unit of work per article).
ARTICLES = metadata.tables["article"]
SOURCES = metadata.tables["source"]
FETCH_ATTEMPTS = metadata.tables["fetch_attempt"]
SEEN_KEYS = metadata.tables["seen_key"]
CLASSIFICATIONS = metadata.tables["classification"]
META = metadata.tables["meta"]


def _aware(value: datetime | None) -> datetime | None:
    """Aggregates over SQLite give naive UTC datetimes."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def seen_key(kind: str, value: str) -> str:
    """The stored form of one identity of an article (`entry`, `url` or `fp`)."""
    return kind[:1] + hashlib.sha256(f"{kind}\n{value}".encode()).hexdigest()[:63]


def _source_info(row: SourceRow, articles: int = 0) -> SourceInfo:
    assert row.id is not None
    return SourceInfo(
        id=row.id,
        url=row.url,
        name=row.name,
        site_url=row.site_url,
        added_at=row.added_at,
        etag=row.etag,
        last_modified=row.last_modified,
        last_polled_at=row.last_polled_at,
        last_success_at=row.last_success_at,
        last_error=row.last_error,
        consecutive_failures=row.consecutive_failures,
        next_poll_at=row.next_poll_at,
        articles=articles,
    )


def _classification_values(
    article_id: int, classification: Classification, now: datetime
) -> dict[str, object]:
    return {
        "article_id": article_id,
        "relevant": classification.relevant,
        "relevance": classification.relevance,
        "themes": [
            {"id": m.theme_id, "score": m.score, "evidence": list(m.evidence)}
            for m in classification.themes
        ],
        "classifier": classification.classifier,
        "classified_at": now,
    }


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- sources -------------------------------------------------------------------------

    def add_source(
        self, url: str, name: str | None, site_url: str | None, now: datetime
    ) -> SourceInfo:
        """Subscribe to `url`. Its entries and validators stay untouched until the next poll."""
        with wrap_errors("adding a source"):
            try:
                with write_session(self.engine) as session:
                    row = SourceRow(url=url, name=name, site_url=site_url, added_at=now)
                    session.add(row)
                    session.flush()
                    info = _source_info(row)
            except IntegrityError as exc:
                raise ConfigError(f"already subscribed to {url}") from exc
        return info

    def find_source(self, id_or_url: str) -> SourceInfo | None:
        with wrap_errors("reading sources"), read_session(self.engine) as session:
            query = select(SourceRow).where(SourceRow.url == id_or_url)
            row = session.exec(query).first()
            if row is None and id_or_url.isdigit():
                row = session.get(SourceRow, int(id_or_url))
            return _source_info(row) if row else None

    def remove_source(self, source_id: int) -> None:
        """Unsubscribe; stored articles stay (they keep the source's name)."""
        with wrap_errors("removing a source"), write_session(self.engine) as session:
            row = session.get(SourceRow, source_id)
            if row is not None:
                session.delete(row)

    def list_sources(self) -> list[SourceInfo]:
        with wrap_errors("reading sources"), read_session(self.engine) as session:
            counts = dict(
                session.exec(
                    select(ArticleRow.source_id, sa.func.count())
                    .where(col(ArticleRow.source_id).is_not(None))
                    .group_by(col(ArticleRow.source_id))
                ).all()
            )
            rows = session.exec(select(SourceRow).order_by(col(SourceRow.id))).all()
            return [_source_info(r, counts.get(r.id, 0)) for r in rows]

    def load_default_feeds(self, feeds: Iterable[tuple[str, str | None]], now: datetime) -> int:
        """Subscribe to the default feeds, once in a database's life, and only when it has none."""
        with wrap_errors("loading the default feeds"), write_session(self.engine) as session:
            if session.get(MetaRow, DEFAULT_FEEDS_LOADED) is not None:
                return 0
            session.add(MetaRow(key=DEFAULT_FEEDS_LOADED, value=now.isoformat()))
            if session.exec(select(sa.func.count()).select_from(SourceRow)).one():
                return 0
            added = 0
            for url, name in feeds:
                session.add(SourceRow(url=url, name=name, added_at=now))
                added += 1
            return added

    def claim_due_sources(
        self, now: datetime, *, hold: timedelta, force: bool = False
    ) -> list[SourceInfo]:
        """Take the sources due for a poll (every unclaimed source with `force`): each is
        claimed for `hold`, so another process polling the same database skips it; recording
        the poll ends the claim. A claim left by a process that died ends after `hold` (or
        when a service restarts on SQLite, see release_source_claims). On PostgreSQL, rows
        another process is claiming at this instant are skipped, not waited for (FOR UPDATE
        SKIP LOCKED); SQLite runs one claim at a time anyway."""
        with wrap_errors("claiming due sources"), write_session(self.engine) as session:
            claimed_until = col(SourceRow.claimed_until)
            query = (
                select(SourceRow)
                .where(sa.or_(claimed_until.is_(None), claimed_until <= now))
                .order_by(col(SourceRow.id))
            )
            if not force:
                query = query.where(
                    sa.or_(
                        col(SourceRow.next_poll_at).is_(None), col(SourceRow.next_poll_at) <= now
                    )
                )
            if self.engine.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = session.exec(query).all()
            claimed = [_source_info(r) for r in rows]
            if claimed:
                session.execute(
                    sa.update(SOURCES)
                    .where(SOURCES.c.id.in_([s.id for s in claimed]))
                    .values(claimed_until=now + hold)
                )
            return claimed

    def release_source_claims(
        self, ids: Iterable[int] | None = None, *, claimed_until: datetime | None = None
    ) -> int:
        """End claims: those of `ids` still claimed until `claimed_until` (a poll that failed
        giving back its own), or every claim (for a process that knows it is the only poller,
        the SQLite service under its lock: a claim it finds was left by one that died)."""
        query = sa.update(SOURCES).where(SOURCES.c.claimed_until.is_not(None))
        if ids is not None:
            query = query.where(
                SOURCES.c.id.in_(list(ids)), SOURCES.c.claimed_until == claimed_until
            )
        with wrap_errors("releasing source claims"), self._write() as connection:
            released = connection.execute(query.values(claimed_until=None))
            return int(released.rowcount or 0)

    def polling_summary(self) -> tuple[datetime | None, datetime | None]:
        """(the soonest next poll, the latest successful poll) over all sources."""
        query = sa.select(
            sa.func.min(SOURCES.c.next_poll_at), sa.func.max(SOURCES.c.last_success_at)
        )
        with wrap_errors("reading sources"), self.engine.connect() as connection:
            soonest, latest = connection.execute(query).one()
        return _aware(soonest), _aware(latest)

    def get_meta(self, key: str) -> str | None:
        with wrap_errors("reading settings"), read_session(self.engine) as session:
            row = session.get(MetaRow, key)
            return row.value if row else None

    def set_meta(self, key: str, value: str, *, only_if_missing: bool = False) -> str:
        """Store `value` under `key` (safe against concurrent writers); returns what is stored."""
        dialect_insert = (
            postgresql_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        )
        insert = dialect_insert(META).values(key=key, value=value)
        if only_if_missing:
            statement = insert.on_conflict_do_nothing()
        else:
            statement = insert.on_conflict_do_update(
                index_elements=[META.c.key], set_={"value": value}
            )
        with wrap_errors("storing settings"), self._write() as connection:
            connection.execute(statement)
            stored = connection.execute(sa.select(META.c.value).where(META.c.key == key))
            return str(stored.scalar_one())

    def record_poll_success(
        self,
        source_id: int,
        *,
        started_at: datetime,
        now: datetime,
        http_status: int,
        etag: str | None,
        last_modified: str | None,
        entries: int,
        new_articles: int,
        warning: str | None,
        title: str | None,
        site_url: str | None,
        next_poll_at: datetime,
    ) -> None:
        """Store the feed's validators only now, after its entries are stored: a crash before
        this line re-reads the whole feed next time, and the seen keys skip what was stored."""
        changes: dict[str, object] = {
            "last_polled_at": now,
            "last_success_at": now,
            "claimed_until": None,
            "consecutive_failures": 0,
            "last_error": clean_text(warning),
            "last_error_at": now if warning else None,
            "next_poll_at": next_poll_at,
            "name": sa.func.coalesce(SOURCES.c.name, title),
            "site_url": sa.func.coalesce(SOURCES.c.site_url, site_url),
        }
        if http_status != 304:
            changes.update(etag=etag, last_modified=last_modified)
        if new_articles:
            changes["last_new_entry_at"] = now
        outcome = "not_modified" if http_status == 304 else "ok"
        self._record_attempt(
            source_id,
            changes,
            started_at,
            now,
            outcome,
            http_status,
            entries,
            new_articles,
            warning,
        )

    def record_poll_failure(
        self,
        source_id: int,
        *,
        started_at: datetime,
        now: datetime,
        error: str,
        http_status: int | None,
        counted: bool,
        next_poll_at: datetime,
    ) -> None:
        """Record a failed poll. `counted=False` for failures of our own network."""
        changes: dict[str, object] = {
            "last_polled_at": now,
            "claimed_until": None,
            "last_error": clean_text(error),
            "last_error_at": now,
            "next_poll_at": next_poll_at,
        }
        if counted:
            changes["consecutive_failures"] = SOURCES.c.consecutive_failures + 1
        self._record_attempt(source_id, changes, started_at, now, "error", http_status, 0, 0, error)

    def _record_attempt(
        self,
        source_id: int,
        changes: dict[str, object],
        started_at: datetime,
        now: datetime,
        outcome: str,
        http_status: int | None,
        entries: int,
        new_articles: int,
        error: str | None,
    ) -> None:
        with wrap_errors("recording a poll"), self._write() as connection:
            updated = connection.execute(
                sa.update(SOURCES).where(SOURCES.c.id == source_id).values(changes)
            )
            if not updated.rowcount:  # removed while it was being polled
                return
            connection.execute(
                sa.insert(FETCH_ATTEMPTS).values(
                    source_id=source_id,
                    started_at=started_at,
                    finished_at=now,
                    outcome=outcome,
                    http_status=http_status,
                    entries=entries,
                    new_articles=new_articles,
                    error=clean_text(error),
                )
            )

    # --- articles ------------------------------------------------------------------------

    def known_keys(self, keys: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return set()
        query = sa.select(SEEN_KEYS.c.key).where(SEEN_KEYS.c.key.in_(wanted))
        with wrap_errors("reading seen entries"), self.engine.connect() as connection:
            return set(connection.execute(query).scalars())

    def add_keys(self, keys: Iterable[str], article_key: str, now: datetime) -> None:
        """Record more identities of an already stored article (found under `article_key`)."""
        seen = SEEN_KEYS
        with wrap_errors("recording seen entries"), self._write() as connection:
            article_id = connection.execute(
                sa.select(seen.c.article_id).where(seen.c.key == article_key)
            ).scalar()
            self._insert_keys(connection, keys, article_id, now)

    @contextlib.contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        with self.engine.execution_options(**WRITE_OPTIONS).begin() as connection:
            yield connection

    def _insert_keys(
        self, connection: sa.Connection, keys: Iterable[str], article_id: int | None, now: datetime
    ) -> None:
        rows = [
            {
                "key": key,
                "kind": {"e": "entry", "u": "url", "f": "fp"}.get(key[0], "other"),
                "article_id": article_id,
                "first_seen_at": now,
            }
            for key in dict.fromkeys(keys)
        ]
        if rows:
            connection.execute(self._insert_ignoring_duplicates(SEEN_KEYS), rows)

    def _insert_ignoring_duplicates(self, table: sa.Table) -> sa.Insert:
        if self.engine.dialect.name == "postgresql":
            return postgresql_insert(table).on_conflict_do_nothing()
        return sqlite_insert(table).on_conflict_do_nothing()

    def add_article(
        self, article: NewArticle, classification: Classification, now: datetime
    ) -> int | None:
        """Store an article, its identities and its classification in one transaction.

        Returns the new id, or None when an article with the same URL was stored meanwhile
        (its identities are then added to that article).
        """
        published = article.published_at if article.date_status == "ok" else None
        sort_at = min(published, article.first_seen_at) if published else article.first_seen_at
        values = {
            "url": article.url,
            "entry_url": article.entry_url,
            "source_id": article.source_id,
            "source_name": clean_text(article.source_name) or "",
            "origin": article.origin,
            "title": clean_text(article.title) or "",
            "text": clean_text(article.text) or "",
            "summary": clean_text(article.summary),
            "author": clean_text(article.author),
            "site_name": clean_text(article.site_name),
            "html_gz": article.html_gz,
            "extraction_error": clean_text(article.extraction_error),
            "published_raw": clean_text(article.published_raw),
            "published_at": article.published_at,
            "date_status": article.date_status,
            "first_seen_at": article.first_seen_at,
            "sort_at": sort_at,
            "fingerprint": article.fingerprint,
        }
        with wrap_errors("storing an article"):
            try:
                with self._write() as connection:
                    article_id = connection.execute(
                        sa.insert(ARTICLES).values(values).returning(ARTICLES.c.id)
                    ).scalar_one()
                    connection.execute(
                        sa.insert(CLASSIFICATIONS),
                        _classification_values(article_id, classification, now),
                    )
                    self._insert_keys(connection, article.keys, article_id, now)
                    return int(article_id)
            except IntegrityError:
                if article.url is None:
                    raise
            # Another task or process stored the same URL meanwhile: the keys join it.
            with self._write() as connection:
                existing = connection.execute(
                    sa.select(ARTICLES.c.id).where(ARTICLES.c.url == article.url)
                ).scalar_one()
                self._insert_keys(connection, article.keys, existing, now)
            return None

    def save_classification(
        self, article_id: int, classification: Classification, now: datetime
    ) -> None:
        """Replace an article's classification (reclassification)."""
        table = CLASSIFICATIONS
        with wrap_errors("storing a classification"), self._write() as connection:
            connection.execute(sa.delete(table).where(table.c.article_id == article_id))
            connection.execute(
                sa.insert(table), _classification_values(article_id, classification, now)
            )

    def iter_articles(self, batch: int = 200) -> Iterator[StoredArticle]:
        """Every stored article, in id order, read in batches (for reclassification)."""
        last_id = 0
        while True:
            with wrap_errors("reading articles"), read_session(self.engine) as session:
                rows = session.exec(
                    select(ArticleRow)
                    .where(col(ArticleRow.id) > last_id)
                    .order_by(col(ArticleRow.id))
                    .limit(batch)
                ).all()
                found = [StoredArticle(r.id or 0, r.url, r.title, r.text, r.html_gz) for r in rows]
            if not found:
                return
            yield from found
            last_id = found[-1].id

    def count_articles(self) -> int:
        with wrap_errors("counting articles"), read_session(self.engine) as session:
            return int(session.exec(select(sa.func.count()).select_from(ArticleRow)).one())

    def list_articles(
        self, *, since: datetime | None = None, relevant: bool = False, limit: int | None = None
    ) -> list[ArticleSummary]:
        """Newest first: by publication date where it is trusted, else by first sight."""
        query = (
            select(ArticleRow, ClassificationRow)
            .join(ClassificationRow, isouter=True)
            .order_by(col(ArticleRow.sort_at).desc(), col(ArticleRow.id).desc())
        )
        if since is not None:
            query = query.where(col(ArticleRow.sort_at) >= since)
        if relevant:
            query = query.where(col(ClassificationRow.relevant).is_(True))
        if limit is not None:
            query = query.limit(limit)
        with wrap_errors("reading articles"), read_session(self.engine) as session:
            return [
                ArticleSummary(
                    id=a.id or 0,
                    url=a.url,
                    title=a.title,
                    source=a.source_name,
                    origin=a.origin,
                    published=a.published_at,
                    date_status=a.date_status,
                    fetched_at=a.first_seen_at,
                    relevant=c.relevant if c else None,
                    relevance=c.relevance if c else None,
                    themes=tuple(str(t["id"]) for t in c.themes) if c else (),
                    extraction_error=a.extraction_error,
                )
                for a, c in session.exec(query).all()
            ]

    def status(self) -> StatusReport:
        sources = self.list_sources()
        with wrap_errors("reading status"), read_session(self.engine) as session:
            articles = session.exec(select(sa.func.count()).select_from(ArticleRow)).one()
            relevant = session.exec(
                select(sa.func.count()).where(col(ClassificationRow.relevant).is_(True))
            ).one()
            unclassified = session.exec(
                select(sa.func.count())
                .select_from(ArticleRow)
                .join(ClassificationRow, isouter=True)
                .where(col(ClassificationRow.relevant).is_(None))
            ).one()
        return StatusReport(len(sources), articles, relevant, unclassified, tuple(sources))
