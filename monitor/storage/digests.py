"""Digests in the database: what the next one may carry, recording it, and its delivery state.

A digest is built inside one write transaction that first takes the digest lock (BEGIN
IMMEDIATE on SQLite, a transaction-scoped advisory lock on PostgreSQL), so two builders never
pick the same articles, and the row, its items and its rendered message commit together.
Sending claims a digest with a lease (a conditional UPDATE), so two senders never send it at
once, and a sender that died mid-send leaves a digest that is retried when the lease ends.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from monitor.models import AuthorityMatch, Candidate, DigestRecord, SourceActivity, ThemeMatch
from monitor.storage.base import (
    ARTICLE_AUTHORITIES,
    ARTICLES,
    CLASSIFICATIONS,
    DIGEST_ITEMS,
    DIGESTS,
    FETCH_ATTEMPTS,
    LABELS,
    SOURCES,
    StoreBase,
    aware,
    stored_authority,
)
from monitor.storage.db import wrap_errors
from monitor.textclean import clean_text

# Statuses whose items are spoken for; a failed digest gives its articles back.
HOLDING = ("pending", "sent")
# Statuses whose period counts as covered.
COVERING = ("pending", "sent", "skipped")
# The advisory lock key that serialises digest builds on PostgreSQL ("mon" + 1).
BUILD_LOCK_KEY = 0x6D6F6E01
# How far back "usual" posting frequency is judged from, and from how many events.
ACTIVITY_HISTORY = timedelta(days=60)
ACTIVITY_EVENTS = 20
# How far back readers' "not relevant" stories are matched against new copies of them.
REJECTED_HISTORY = timedelta(days=30)


@dataclass(frozen=True)
class DigestDraft:
    """A built and rendered digest, ready to be recorded (`status` pending or skipped)."""

    status: Literal["pending", "skipped"]
    window_start: datetime | None
    subject: str
    message_id: str | None
    sender: str
    recipients: tuple[str, ...]
    message: bytes | None
    items: tuple[tuple[int, str, str | None], ...]  # (article id, kind, theme id), in order
    item_count: int
    near_miss_count: int
    transport: str | None = None  # "smtp" or "outbox": how it must be sent


@dataclass(frozen=True)
class Gathered:
    """What a digest is built from. `rejected`: the texts of recent articles readers marked
    not relevant, so that other outlets' copies of those stories stay out too."""

    since: datetime | None
    candidates: list[Candidate]
    activity: list[SourceActivity]
    rejected: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClaimedDigest:
    record: DigestRecord
    message: bytes


def _record(row: Any) -> DigestRecord:
    values = {f.name: row._mapping[f.name] for f in fields(DigestRecord)}
    values["recipients"] = tuple(values["recipients"] or ())
    return DigestRecord(**values)


_RECORD_COLUMNS = [c for c in DIGESTS.c if c.name not in ("message", "lease_until")]


class DigestStore(StoreBase):
    # --- building ------------------------------------------------------------------------

    def gather(
        self, until: datetime, *, since: datetime | None = None, slack: timedelta, floor: float
    ) -> Gathered:
        """Read what the next digest would hold, without a lock (for previews): the relevant
        articles and those not relevant but scoring at least `floor` (the near misses). With
        `since`, everything since then, including articles earlier digests carried."""
        with wrap_errors("reading the next digest"), self.engine.connect() as connection:
            return _gather(connection, until, since=since, slack=slack, floor=floor)

    def create(
        self,
        period: str,
        until: datetime,
        now: datetime,
        *,
        slack: timedelta,
        floor: float,
        build: Callable[[Gathered], DigestDraft],
    ) -> tuple[DigestRecord, bool]:
        """Record the digest for `period`, built by `build` under the digest lock.

        Returns (record, created); when the period already has a digest, that one and False.
        """
        with wrap_errors("recording a digest"):
            try:
                with self._write() as connection:
                    if self.is_postgresql:
                        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(BUILD_LOCK_KEY)))
                    existing = _find_period(connection, period)
                    if existing is not None:
                        return existing, False
                    draft = build(_gather(connection, until, since=None, slack=slack, floor=floor))
                    digest_id = _insert(connection, period, until, now, draft)
            except IntegrityError:  # another builder without our lock (cannot happen) won
                with self.engine.connect() as connection:
                    found = _find_period(connection, period)
                if found is None:
                    raise
                return found, False
        record = self.get(digest_id)
        assert record is not None
        return record, True

    # --- sending -------------------------------------------------------------------------

    def due(self, now: datetime, *, ignore_backoff: bool = False) -> list[int]:
        """Pending digests that may be sent now, oldest first."""
        query = sa.select(DIGESTS.c.id).where(DIGESTS.c.status == "pending").order_by(DIGESTS.c.id)
        if not ignore_backoff:
            query = query.where(
                sa.or_(DIGESTS.c.next_attempt_at.is_(None), DIGESTS.c.next_attempt_at <= now)
            )
        with wrap_errors("reading pending digests"), self.engine.connect() as connection:
            return list(connection.execute(query).scalars())

    def claim(self, digest_id: int, now: datetime, lease: timedelta) -> ClaimedDigest | None:
        """Take a pending digest for sending until `now + lease`; None if it is not ours to
        send (sent meanwhile, or another sender holds it)."""
        d = DIGESTS
        with wrap_errors("claiming a digest"), self._write() as connection:
            taken = connection.execute(
                sa.update(d)
                .where(
                    d.c.id == digest_id,
                    d.c.status == "pending",
                    sa.or_(d.c.lease_until.is_(None), d.c.lease_until <= now),
                )
                .values(lease_until=now + lease, attempts=d.c.attempts + 1)
            )
            if not taken.rowcount:
                return None
            row = connection.execute(
                sa.select(*_RECORD_COLUMNS, d.c.message).where(d.c.id == digest_id)
            ).one()
        return ClaimedDigest(_record(row), bytes(row._mapping["message"] or b""))

    def release_claims(self) -> int:
        """Forget every claim on pending digests. Only for the holder of the digest lock, the
        one process that sends: a claim it did not make was left by a process that died."""
        d = DIGESTS
        with wrap_errors("releasing digest claims"), self._write() as connection:
            released = connection.execute(
                sa.update(d)
                .where(d.c.status == "pending", d.c.lease_until.is_not(None))
                .values(lease_until=None)
            )
            return int(released.rowcount or 0)

    def latest(self, *, sent: bool = False) -> DigestRecord | None:
        """The newest digest that was not skipped (the newest sent one with `sent`)."""
        statuses = ("sent",) if sent else ("pending", "sent", "failed")
        query = (
            sa.select(*_RECORD_COLUMNS)
            .where(DIGESTS.c.status.in_(statuses))
            .order_by(DIGESTS.c.id.desc())
            .limit(1)
        )
        with wrap_errors("reading digests"), self.engine.connect() as connection:
            row = connection.execute(query).first()
        return _record(row) if row else None

    def mark_sent(self, digest_id: int, now: datetime, where: str, note: str | None) -> None:
        self._finish(digest_id, status="sent", sent_at=now, delivered_to=where, last_error=note)

    def mark_retry(self, digest_id: int, error: str, next_attempt_at: datetime) -> None:
        self._finish(digest_id, status="pending", last_error=error, next_attempt_at=next_attempt_at)

    def mark_failed(self, digest_id: int, error: str) -> None:
        self._finish(digest_id, status="failed", last_error=error, next_attempt_at=None)

    def _finish(self, digest_id: int, **values: object) -> None:
        if isinstance(values.get("last_error"), str):
            values["last_error"] = clean_text(str(values["last_error"]))
        with wrap_errors("recording a delivery"), self._write() as connection:
            connection.execute(
                sa.update(DIGESTS)
                .where(DIGESTS.c.id == digest_id)
                .values(lease_until=None, **values)
            )

    # --- reading -------------------------------------------------------------------------

    def get(self, digest_id: int) -> DigestRecord | None:
        query = sa.select(*_RECORD_COLUMNS).where(DIGESTS.c.id == digest_id)
        with wrap_errors("reading digests"), self.engine.connect() as connection:
            row = connection.execute(query).first()
        return _record(row) if row else None

    def list(self, limit: int | None = None, offset: int = 0) -> list[DigestRecord]:
        """Newest first."""
        query = (
            sa.select(*_RECORD_COLUMNS).order_by(DIGESTS.c.id.desc()).offset(offset).limit(limit)
        )
        with wrap_errors("reading digests"), self.engine.connect() as connection:
            return [_record(r) for r in connection.execute(query)]

    def message(self, digest_id: int) -> bytes | None:
        query = sa.select(DIGESTS.c.message).where(DIGESTS.c.id == digest_id)
        with wrap_errors("reading digests"), self.engine.connect() as connection:
            found = connection.execute(query).scalar()
        return bytes(found) if found is not None else None


def _find_period(connection: sa.Connection, period: str) -> DigestRecord | None:
    row = connection.execute(sa.select(*_RECORD_COLUMNS).where(DIGESTS.c.period == period)).first()
    return _record(row) if row else None


def _insert(
    connection: sa.Connection, period: str, until: datetime, now: datetime, draft: DigestDraft
) -> int:
    digest_id = connection.execute(
        sa.insert(DIGESTS)
        .values(
            period=period,
            created_at=now,
            window_start=draft.window_start,
            window_end=until,
            status=draft.status,
            subject=draft.subject,
            message_id=draft.message_id,
            sender=draft.sender,
            recipients=list(draft.recipients),
            message=draft.message,
            item_count=draft.item_count,
            near_miss_count=draft.near_miss_count,
            attempts=0,
            transport=draft.transport,
        )
        .returning(DIGESTS.c.id)
    ).scalar_one()
    if draft.items:
        connection.execute(
            sa.insert(DIGEST_ITEMS),
            [
                {
                    "digest_id": digest_id,
                    "article_id": article_id,
                    "kind": kind,
                    "theme_id": theme_id,
                    "position": position,
                }
                for position, (article_id, kind, theme_id) in enumerate(draft.items)
            ],
        )
    return int(digest_id)


def window_start(connection: sa.Connection) -> datetime | None:
    """Where the next digest's period starts: the end of the last period covered, or the
    start of an unsent (failed) period after it, whose articles go out again."""
    d = DIGESTS
    covered = connection.execute(
        sa.select(sa.func.max(d.c.window_end)).where(d.c.status.in_(COVERING))
    ).scalar()
    failed = sa.select(d.c.window_start).where(d.c.status == "failed")
    if covered is not None:
        failed = failed.where(d.c.window_end > covered)
    starts = list(connection.execute(failed).scalars())
    if not starts:
        return aware(covered)
    if any(s is None for s in starts):
        return None
    return aware(min(starts))


def _gather(
    connection: sa.Connection,
    until: datetime,
    *,
    since: datetime | None,
    slack: timedelta,
    floor: float,
) -> Gathered:
    explicit = since is not None
    start = since if explicit else window_start(connection)
    a, c, lab = ARTICLES, CLASSIFICATIONS, LABELS
    query = (
        sa.select(
            a.c.id,
            a.c.url,
            a.c.title,
            a.c.source_name,
            a.c.published_at,
            a.c.date_status,
            a.c.first_seen_at,
            a.c.summary,
            a.c.text,
            c.c.relevant,
            c.c.relevance,
            c.c.themes,
            lab.c.label,
            lab.c.themes.label("label_themes"),
        )
        .join(c, c.c.article_id == a.c.id)
        .outerjoin(lab, lab.c.article_id == a.c.id)
        .where(
            a.c.origin == "poll",
            a.c.first_seen_at < until,
            # A reader's label wins: "not relevant" never comes back, "relevant" always goes.
            sa.or_(
                lab.c.label.in_(("relevant", "wrong_theme")),
                lab.c.label.is_(None) & sa.or_(c.c.relevant.is_(True), c.c.relevance >= floor),
            ),
        )
    )
    if start is not None:
        # Slack: a poll stamps first_seen_at before it commits, so an article can become
        # visible after a digest ending later was built; the items check keeps it single.
        query = query.where(a.c.first_seen_at >= (start if explicit else start - slack))
    if not explicit:
        held = (
            sa.select(DIGEST_ITEMS.c.article_id)
            .join(DIGESTS, DIGESTS.c.id == DIGEST_ITEMS.c.digest_id)
            .where(DIGESTS.c.status.in_(HOLDING))
        )
        query = query.where(a.c.id.not_in(held))
    candidates = [_candidate(row._mapping) for row in connection.execute(query)]
    candidates = _with_authorities(connection, candidates)
    rejected = sa.select(a.c.title, a.c.text).join(lab, lab.c.article_id == a.c.id)
    rejected = rejected.where(lab.c.label == "not_relevant", a.c.first_seen_at < until)
    if start is not None:
        rejected = rejected.where(a.c.first_seen_at >= start - REJECTED_HISTORY)
    texts = tuple(f"{t}\n{x}" for t, x in connection.execute(rejected))
    return Gathered(start, candidates, _activity(connection, start, until), texts)


def _with_authorities(connection: sa.Connection, candidates: list[Candidate]) -> list[Candidate]:
    """The candidates with the councils each is about (stored with its classification)."""
    found: dict[int, list[AuthorityMatch]] = defaultdict(list)
    ids = [c.id for c in candidates]
    aa = ARTICLE_AUTHORITIES
    for start in range(0, len(ids), 500):
        query = (
            sa.select(aa)
            .where(aa.c.article_id.in_(ids[start : start + 500]))
            .order_by(aa.c.article_id)
        )
        for row in connection.execute(query):
            found[row.article_id].append(stored_authority(row))
    return [replace(c, authorities=tuple(found[c.id])) if c.id in found else c for c in candidates]


def _candidate(m: sa.RowMapping) -> Candidate:
    themes = tuple(ThemeMatch.from_json(t) for t in m["themes"] or ())
    relevant = bool(m["relevant"])
    if m["label"] in ("relevant", "wrong_theme"):
        relevant = True
    if m["label"] == "wrong_theme":
        # The reader's themes, in the classifier's order where it had them, with its evidence.
        chosen = set(m["label_themes"] or ())
        by_id = {t.theme_id: t for t in themes}
        order = [t for t in by_id if t in chosen] + sorted(chosen - by_id.keys())
        themes = tuple(ThemeMatch(t, 1.0, by_id[t].evidence if t in by_id else ()) for t in order)
    return Candidate(
        id=m["id"],
        url=m["url"],
        title=m["title"],
        source=m["source_name"],
        published_at=m["published_at"] if m["date_status"] == "ok" else None,
        first_seen_at=m["first_seen_at"],
        relevant=relevant,
        relevance=float(m["relevance"] or 0.0),
        themes=themes,
        text=m["text"],
        summary=m["summary"],
    )


def _activity(
    connection: sa.Connection, since: datetime | None, until: datetime
) -> list[SourceActivity]:
    f, s = FETCH_ATTEMPTS, SOURCES
    in_window = [f.c.started_at < until]
    if since is not None:
        in_window.append(f.c.started_at >= since)
    ok = sa.case((f.c.outcome != "error", 1), else_=0)
    totals = {
        row.source_id: row
        for row in connection.execute(
            sa.select(
                f.c.source_id,
                sa.func.sum(ok).label("ok"),
                sa.func.count().label("polls"),
                sa.func.sum(f.c.new_articles).label("new"),
                sa.func.max(f.c.id).label("last_id"),
                sa.func.max(sa.case((f.c.outcome == "error", f.c.id), else_=None)).label(
                    "error_id"
                ),
            )
            .where(*in_window)
            .group_by(f.c.source_id)
        )
    }
    wanted = [i for t in totals.values() for i in (t.last_id, t.error_id) if i is not None]
    attempts = {
        row.id: row
        for row in connection.execute(
            sa.select(f.c.id, f.c.outcome, f.c.error).where(f.c.id.in_(wanted))
        )
    }
    events: dict[int, list[datetime]] = defaultdict(list)
    numbered = (
        sa.select(
            f.c.source_id,
            f.c.started_at,
            sa.func.row_number()
            .over(partition_by=f.c.source_id, order_by=f.c.started_at.desc())
            .label("n"),
        )
        .where(f.c.new_articles > 0, f.c.started_at >= until - ACTIVITY_HISTORY)
        .subquery()
    )
    for row in connection.execute(
        sa.select(numbered.c.source_id, numbered.c.started_at)
        .where(numbered.c.n <= ACTIVITY_EVENTS)
        .order_by(numbered.c.source_id, numbered.c.started_at)
    ):
        events[row.source_id].append(aware(row.started_at) or until)
    found = []
    for source in connection.execute(
        sa.select(s.c.id, s.c.name, s.c.url, s.c.last_new_entry_at).order_by(s.c.id)
    ):
        total = totals.get(source.id)
        last = attempts.get(total.last_id) if total else None
        failure = attempts.get(total.error_id) if total and total.error_id else None
        polls_ok = int(total.ok or 0) if total else 0
        found.append(
            SourceActivity(
                name=source.name or source.url,
                url=source.url,
                polls_ok=polls_ok,
                polls_failed=(int(total.polls) - polls_ok) if total else 0,
                last_poll_failed=bool(last is not None and last.outcome == "error"),
                last_error=failure.error if failure else None,
                new_articles=int(total.new or 0) if total else 0,
                last_new_entry_at=source.last_new_entry_at,
                new_entry_times=tuple(events.get(source.id, ())),
            )
        )
    return found
