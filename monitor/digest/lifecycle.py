"""The digest lifecycle: build and record (pending), send, then sent / retry later / failed.

The rendered message is stored with the digest, so every resend (after a failure, a crash or
a lost reply) is byte-for-byte the same email with the same Message-ID.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Literal

from monitor.digest.build import NEAR_MISS_FLOOR, Digest, build_digest, limit_stories
from monitor.digest.mailer import Delivery, Mailer, Receipt
from monitor.digest.render import (
    Envelope,
    envelope_address,
    html_size,
    render_digest,
    subject,
    trimmed_message,
)
from monitor.digest.render import Settings as RenderSettings
from monitor.errors import DeliveryError
from monitor.models import Clock, DigestRecord
from monitor.storage.digests import DigestDraft, DigestStore, Gathered

log = logging.getLogger(__name__)

RETRY_FIRST = timedelta(minutes=5)
RETRY_LONGEST = timedelta(hours=6)
# Transient failures in a row before a digest is given up (its articles then go out again
# in the next digest): 5 minutes doubling to 6 hours is about 16 hours of trying.
MAX_ATTEMPTS = 8
# How long back from the last period's end articles are looked for again; see digest_store.
LATE_COMMIT_SLACK = timedelta(hours=6)
# The period named in a preview's feedback links (it was not recorded as a digest).
PREVIEW_PERIOD = "preview"
# The HTML part is kept under this (Gmail clips a message's HTML beyond 102 KB): fewer
# stories are shown until it fits; the rest are counted, and in the web archive.
HTML_BUDGET = 100 * 1024
# A server refusing a digest for its size gets a text-only version, halved each time it
# refuses again, down to this size (then the digest fails like any permanent refusal).
SMALLEST_TRIM = 8 * 1024


@dataclass(frozen=True)
class DigestOptions:
    sender: str
    recipients: tuple[str, ...]
    send_empty: bool
    theme_names: Mapping[str, str]
    render: RenderSettings
    # (article id, digest period, recipient, action) -> a signed feedback URL; None: no links.
    feedback_url: Callable[[int, str, str, str], str] | None = None
    # Stories shown in one digest (MONITOR_DIGEST_MAX_ITEMS); the rest are counted.
    max_items: int = 50
    # The web app's article list (MONITOR_BASE_URL + /articles); None: no archive links.
    archive_url: str | None = None


# What one send attempt came to.
SendStatus = Literal["sent", "retry", "failed", "busy", "held"]


@dataclass(frozen=True)
class SendOutcome:
    """`status`: sent, retry (pending, tried again at `next_attempt_at`), failed, busy
    (another sender holds it, or it was sent meanwhile), or held (recorded for a transport
    this sender does not have: left pending, `error` says why)."""

    digest_id: int
    status: SendStatus
    where: str | None = None
    error: str | None = None
    next_attempt_at: datetime | None = None


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt (1, 2, ...)."""
    delay: timedelta = RETRY_FIRST * 2 ** max(attempts - 1, 0)
    return min(delay, RETRY_LONGEST)


class DigestService:
    def __init__(
        self,
        store: DigestStore,
        mailer: Mailer,
        options: DigestOptions,
        clock: Clock,
        lease: timedelta,
    ) -> None:
        self.store = store
        self.mailer = mailer
        self.options = options
        self.clock = clock
        self.lease = lease

    def release_claims(self) -> int:
        """Forget every send claim: only for the holder of the digest lock, the one process
        that sends, for which a claim it did not make was left by a process that died."""
        return self.store.release_claims()

    def preview(self, since: datetime | None = None) -> tuple[Digest, EmailMessage]:
        """The next digest as it would be sent now; nothing is recorded or moved forward."""
        now = self.clock()
        gathered = self.store.gather(
            now, since=since, slack=LATE_COMMIT_SLACK, floor=NEAR_MISS_FLOOR
        )
        digest = self._build(gathered, now)
        return digest, self._render(digest, now, PREVIEW_PERIOD)

    def create(self, period: str) -> tuple[DigestRecord, bool]:
        """Record the digest for `period` (once per period); (record, created)."""
        now = self.clock()
        record, created = self.store.create(
            period,
            now,
            now,
            slack=LATE_COMMIT_SLACK,
            floor=NEAR_MISS_FLOOR,
            build=lambda g: self._draft(g, now, period),
        )
        if created and record.status == "skipped":
            log.info("digest %s: nothing new, no email", record.id)
        elif created:
            log.info(
                "digest %s recorded: %d stories, %d near misses",
                record.id,
                record.item_count,
                record.near_miss_count,
            )
        return record, created

    def retry_pending(self, *, ignore_backoff: bool = False) -> list[SendOutcome]:
        """Send the pending digests that are due (all of them with `ignore_backoff`)."""
        return [self.send(i) for i in self.store.due(self.clock(), ignore_backoff=ignore_backoff)]

    def send(self, digest_id: int) -> SendOutcome:
        recorded = self.store.get(digest_id)
        if recorded is not None and recorded.status == "pending":
            reason = self.cannot_send(recorded)
            if reason:
                log.debug("digest %s left pending: %s", digest_id, reason)
                return SendOutcome(digest_id, "held", error=reason)
        claimed = self.store.claim(digest_id, self.clock(), self.lease)
        if claimed is None:
            return SendOutcome(digest_id, "busy")
        record = claimed.record
        delivery = Delivery(
            digest_id=record.id,
            created_at=record.created_at,
            message=claimed.message,
            sender=envelope_address(record.sender),
            recipients=tuple(envelope_address(r) for r in record.recipients),
        )
        note = None
        try:
            try:
                receipt = self.mailer.deliver(delivery)
            except DeliveryError as exc:
                if not exc.too_large:
                    raise
                receipt, note = self._deliver_trimmed(record, delivery, exc)
        except DeliveryError as exc:
            return self._failed(record, exc)
        refused = "; ".join(n for n in (note, receipt.refused) if n) or None
        self.store.mark_sent(record.id, self.clock(), receipt.where, refused)
        log.info("digest %s delivered: %s", record.id, receipt.where)
        if refused:
            log.warning("digest %s: %s", record.id, refused)
        return SendOutcome(record.id, "sent", where=receipt.where, error=refused)

    def _deliver_trimmed(
        self, record: DigestRecord, delivery: Delivery, refusal: DeliveryError
    ) -> tuple[Receipt, str]:
        """The server refused the digest for its size: send a text-only version, halved at
        each refusal, never the same bytes twice. (receipt, a note saying so); raises the
        last DeliveryError when even the smallest version is refused, or another failure."""
        size = len(delivery.message)
        budget = size // 2
        where = self._archive_link(record.window_start)
        while budget >= SMALLEST_TRIM:
            message = trimmed_message(delivery.message, budget, where)
            log.warning(
                "digest %s: refused as too large (%d bytes): sending it shortened to %d bytes",
                record.id,
                size,
                len(message),
            )
            try:
                receipt = self.mailer.deliver(replace(delivery, message=message))
            except DeliveryError as exc:
                if not exc.too_large:
                    raise
                refusal, size, budget = exc, len(message), min(budget, len(message)) // 2
                continue
            return receipt, (
                f"shortened to {len(message)} bytes of text after the server refused "
                f"{len(delivery.message)} bytes as too large"
            )
        raise DeliveryError(
            f"refused as too large even when shortened to {size} bytes: {refusal}", permanent=True
        )

    def cannot_send(self, record: DigestRecord) -> str | None:
        """Why this sender must not send `record` (None when it may): a digest goes only the
        way it was recorded to go, never to the outbox instead of its recipients."""
        have = self.mailer.transport
        if record.transport is None or record.transport == have:
            return None
        if record.transport == "smtp":
            to = ", ".join(record.recipients) or "its recipients"
            return (
                f"it was recorded to be emailed to {to}, but MONITOR_SMTP_URL is not set here: "
                "send it where MONITOR_SMTP_URL is set (beside `monitor run`)"
            )
        return (
            "it was recorded to be written to the outbox, but MONITOR_SMTP_URL is set here: "
            "send it where MONITOR_SMTP_URL is not set"
        )

    def _failed(self, record: DigestRecord, exc: DeliveryError) -> SendOutcome:
        error = str(exc)
        if exc.permanent or record.attempts >= MAX_ATTEMPTS:
            if not exc.permanent:
                error = f"gave up after {record.attempts} attempts: {error}"
            self.store.mark_failed(record.id, error)
            log.error(
                "digest %s failed: %s (its articles go into the next digest)", record.id, error
            )
            return SendOutcome(record.id, "failed", error=error)
        retry_at = self.clock() + retry_delay(record.attempts)
        self.store.mark_retry(record.id, error, retry_at)
        log.warning("digest %s not delivered, retrying after %s: %s", record.id, retry_at, error)
        return SendOutcome(record.id, "retry", error=error, next_attempt_at=retry_at)

    # --- pure steps --------------------------------------------------------------------

    def _build(self, gathered: Gathered, now: datetime) -> Digest:
        return build_digest(
            gathered.candidates,
            gathered.activity,
            self.options.theme_names,
            since=gathered.since,
            until=now,
            rejected=gathered.rejected,
            max_items=self.options.max_items,
        )

    def _archive_link(self, since: datetime | None) -> str | None:
        base = self.options.archive_url
        if base is None:
            return None
        return f"{base}?relevant=relevant" + (f"&since={since.date().isoformat()}" if since else "")

    def _render(self, digest: Digest, now: datetime, period: str) -> EmailMessage:
        """The message, showing fewer stories until its HTML part is under HTML_BUDGET."""
        message = self._render_once(digest, now, period)
        while (size := html_size(message)) > HTML_BUDGET and len(digest.items) > 1:
            shown = len(digest.items)
            digest = limit_stories(digest, min(shown - 1, int(shown * HTML_BUDGET * 0.9 / size)))
            message = self._render_once(digest, now, period)
        return message

    def _render_once(self, digest: Digest, now: datetime, period: str) -> EmailMessage:
        o = self.options
        domain = envelope_address(o.sender).rpartition("@")[2] or "monitor.invalid"
        envelope = Envelope(o.sender, o.recipients, make_msgid("digest", domain=domain), now)
        links = None
        if o.feedback_url is not None:
            make_url = o.feedback_url
            # One message goes to every recipient, so its links speak for the whole list.
            who = ", ".join(envelope_address(r) for r in o.recipients) or "digest reader"
            links = lambda article_id, action: make_url(article_id, period, who, action)  # noqa: E731
        render = replace(o.render, archive_url=self._archive_link(digest.since))
        return render_digest(digest, envelope, render, links)

    def _draft(self, gathered: Gathered, now: datetime, period: str) -> DigestDraft:
        digest = self._build(gathered, now)
        o = self.options
        if digest.is_empty and not o.send_empty:
            return DigestDraft(
                status="skipped",
                window_start=digest.since,
                subject=subject(digest, o.render.zone),
                message_id=None,
                sender=o.sender,
                recipients=o.recipients,
                message=None,
                items=(),
                item_count=0,
                near_miss_count=0,
                transport=self.mailer.transport,
            )
        message = self._render(digest, now, period)
        items: list[tuple[int, str, str | None]] = []
        for item in (*digest.items, *digest.hidden):
            items.append((item.article.id, "item", item.theme_id))
            items.extend((other.id, "also", item.theme_id) for other in item.also)
        items.extend((article.id, "near_miss", None) for article in digest.near_misses)
        return DigestDraft(
            status="pending",
            window_start=digest.since,
            subject=str(message["Subject"]),
            message_id=str(message["Message-ID"]),
            sender=o.sender,
            recipients=o.recipients,
            message=message.as_bytes(),
            items=tuple(items),
            item_count=digest.story_count,
            near_miss_count=len(digest.near_misses),
            transport=self.mailer.transport,
        )
