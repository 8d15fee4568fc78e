"""Sources: subscriptions, their claims by pollers, and the record of every poll."""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from monitor.errors import MonitorError
from monitor.models import Poller, SourceInfo
from monitor.storage.base import FETCH_ATTEMPTS, POLLERS, SOURCES, StoreBase, aware
from monitor.storage.db import read_session, wrap_errors, write_session
from monitor.storage.tables import ArticleRow, MetaRow, SourceRow
from monitor.textclean import clean_text

DEFAULT_FEEDS_LOADED = "default_feeds_loaded"


def _running(pid: int) -> bool:
    """Whether a process with this id runs on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


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
        claimed_until=row.claimed_until,
        claimed_by=row.claimed_by,
    )


class SourceStore(StoreBase):
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
                raise MonitorError(f"already subscribed to {url}") from exc
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

    def source_names(self) -> list[tuple[int, str]]:
        """Each source's id and name (its URL when it has none), in id order: for a filter's
        choices, without the article counts `list_sources` adds up."""
        with wrap_errors("reading sources"), read_session(self.engine) as session:
            rows = session.exec(
                select(SourceRow.id, SourceRow.name, SourceRow.url).order_by(col(SourceRow.id))
            ).all()
            return [(int(i), name or url) for i, name, url in rows if i is not None]

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

    def heartbeat(self, poller: Poller, now: datetime, ttl: timedelta) -> None:
        """Say that `poller` is alive until `now + ttl` (its claims stay its own until then)."""
        values = {"heartbeat_at": now, "expires_at": now + ttl}
        insert = self._upsert(POLLERS).values(
            id=poller.id, host=poller.host, pid=poller.pid, started_at=now, **values
        )
        with wrap_errors("recording a heartbeat"), self._write() as connection:
            connection.execute(insert.on_conflict_do_update(index_elements=["id"], set_=values))

    def forget_poller(self, poller: Poller) -> int:
        """A poller stopping: its row goes and its claims are given back; how many."""
        with wrap_errors("releasing source claims"), self._write() as connection:
            connection.execute(sa.delete(POLLERS).where(POLLERS.c.id == poller.id))
            released = connection.execute(
                sa.update(SOURCES)
                .where(SOURCES.c.claimed_by == poller.id)
                .values(claimed_until=None, claimed_by=None)
            )
            return int(released.rowcount or 0)

    def release_orphaned_claims(self, now: datetime, *, host: str, unowned: bool = False) -> int:
        """Give back the claims whose holder is gone: a poller that stopped heartbeating
        (its `expires_at` passed, or it has no row), or one on `host` whose process is no
        longer running. With `unowned`, claims naming no holder too (made before holders were
        recorded). Returns how many; the gone pollers' rows are deleted."""
        with wrap_errors("releasing source claims"), self._write() as connection:
            rows = connection.execute(sa.select(POLLERS.c.id, POLLERS.c.host, POLLERS.c.pid)).all()
            expired = set(
                connection.execute(
                    sa.select(POLLERS.c.id).where(POLLERS.c.expires_at <= now)
                ).scalars()
            )
            gone = expired | {r.id for r in rows if r.host == host and not _running(r.pid)}
            live = {r.id for r in rows} - gone
            held = SOURCES.c.claimed_by.is_not(None) & SOURCES.c.claimed_by.not_in(live)
            if unowned:
                held = held | SOURCES.c.claimed_by.is_(None)
            released = connection.execute(
                sa.update(SOURCES)
                .where(SOURCES.c.claimed_until.is_not(None), held)
                .values(claimed_until=None, claimed_by=None)
            )
            if gone:
                connection.execute(sa.delete(POLLERS).where(POLLERS.c.id.in_(gone)))
            return int(released.rowcount or 0)

    def claim_due_sources(
        self,
        now: datetime,
        *,
        hold: timedelta,
        force: bool = False,
        holder: str | None = None,
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
            if self.is_postgresql:
                query = query.with_for_update(skip_locked=True)
            rows = session.exec(query).all()
            claimed = [_source_info(r) for r in rows]
            if claimed:
                session.execute(
                    sa.update(SOURCES)
                    .where(SOURCES.c.id.in_([s.id for s in claimed]))
                    .values(claimed_until=now + hold, claimed_by=holder)
                )
            return claimed

    def count_claimed(
        self, now: datetime, *, force: bool = False, other_than: str | None = None
    ) -> int:
        """Sources another process holds now (due ones only, unless `force`); with
        `other_than`, not counting that poller's own claims."""
        query = sa.select(sa.func.count()).where(SOURCES.c.claimed_until > now)
        if other_than is not None:
            query = query.where(
                sa.or_(SOURCES.c.claimed_by.is_(None), SOURCES.c.claimed_by != other_than)
            )
        if not force:
            query = query.where(
                sa.or_(SOURCES.c.next_poll_at.is_(None), SOURCES.c.next_poll_at <= now)
            )
        with wrap_errors("reading sources"), self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

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
            released = connection.execute(query.values(claimed_until=None, claimed_by=None))
            return int(released.rowcount or 0)

    def polling_summary(self) -> tuple[datetime | None, datetime | None]:
        """(the soonest next poll, the latest successful poll) over all sources."""
        query = sa.select(
            sa.func.min(SOURCES.c.next_poll_at), sa.func.max(SOURCES.c.last_success_at)
        )
        with wrap_errors("reading sources"), self.engine.connect() as connection:
            soonest, latest = connection.execute(query).one()
        return aware(soonest), aware(latest)

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
            "claimed_by": None,
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
            "claimed_by": None,
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
