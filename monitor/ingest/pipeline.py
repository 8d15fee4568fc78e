"""Polling: fetch feeds and pages, let the decider say what to write, classify, store.

Orchestration only: the rules are in decide.py. Each source and each page is isolated: its
failure is recorded on it and the cycle goes on. Articles are committed one by one as they
are ready; a feed's validators are stored only after its entries, so a crash mid-poll
re-reads the feed and the seen keys skip what was stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.errors import FetchError, MonitorError, SourceError, WorkerError
from monitor.ingest.decide import (
    ArticleDraft,
    Duplicate,
    EntryOrigin,
    FetchedPage,
    KeyedEntry,
    decide,
    draft_article,
    failures_are_ours,
    key_entries,
    lookup_keys,
    next_poll_after_failure,
    triage,
)
from monitor.ingest.feeds import parse_feed
from monitor.ingest.fetch import FEED_ACCEPT, Fetcher
from monitor.ingest.jobs import ClassifierFailure, ShippedClassifier, classify_article, process_page
from monitor.ingest.policy import PollPolicy
from monitor.ingest.progress import Progress, QuietProgress
from monitor.ingest.workers import WorkerPool
from monitor.models import (
    Classification,
    Clock,
    EntryCandidate,
    ParsedFeed,
    Poller,
    PollReport,
    SourceInfo,
    plural,
)
from monitor.storage.store import Store
from monitor.urls import canonical_url

log = logging.getLogger(__name__)

UNCLASSIFIED = Classification(None, None)


@dataclass(frozen=True)
class _Failure:
    source: SourceInfo
    started_at: datetime
    error: SourceError


# Meta key: "true" while the last cycle found no source reachable (our network, not theirs).
UNREACHABLE = "last_poll_unreachable"


class Pipeline:
    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        workers: WorkerPool,
        classifier: ShippedClassifier,
        policy: PollPolicy,
        clock: Clock,
        progress: Progress | None = None,
        *,
        log_failures: bool = True,
        poller: Poller | None = None,
    ) -> None:
        """`log_failures=False` for a command that prints every failure in its summary."""
        self._store = store
        self._fetcher = fetcher
        self._workers = workers
        self._classifier = classifier
        self._policy = policy
        self._clock = clock
        self._progress: Progress = progress or QuietProgress()
        self._poller = poller
        self._in_flight: set[str] = set()
        self._log_failures = log_failures
        # Backpressure: pages downloaded but not yet extracted stay few, whatever the backlog.
        self._entry_slots = asyncio.Semaphore(workers.size * 4)

    @property
    def store(self) -> Store:
        return self._store

    # --- polling -------------------------------------------------------------------------

    async def poll(self, *, force: bool = False) -> PollReport:
        """One cycle over every due source (every source with `force`)."""
        now = self._clock()
        holder = None
        if self._poller is not None:
            self.heartbeat(now)
            holder = self._poller.id
        held = self._store.count_claimed(now, force=force, other_than=holder)
        sources = self._store.claim_due_sources(
            now, hold=self._policy.claim_hold, force=force, holder=holder
        )
        report = PollReport(sources_skipped=held)
        if held:
            log.info("%d due sources skipped: another process is polling them", held)
        try:
            outcomes = await asyncio.gather(*(self._poll_source(s, report) for s in sources))
            failures = [o for o in outcomes if o is not None]
            ours = failures_are_ours(len(sources), [f.error for f in failures])
            for failure in failures:
                self._record_failure(failure, counted=not ours)
        except BaseException:
            # Interrupted (a storage failure, a shutdown): give back the claims not yet
            # ended by a recorded poll, so the next cycle takes those sources at once.
            with contextlib.suppress(MonitorError):
                self._store.release_source_claims(
                    (s.id for s in sources), claimed_until=now + self._policy.claim_hold
                )
            raise
        if ours:
            log.warning("every source failed at the network level: is this machine offline?")
        if sources:  # what `status` says about the last cycle that polled anything
            self._store.set_meta(UNREACHABLE, "true" if ours else "false")
        for failure in failures:
            report.errors.append(f"{failure.source.url}: {failure.error}")
        report.sources_polled = len(sources)
        report.sources_failed = len(failures)
        return report

    def heartbeat(self, now: datetime) -> int:
        """Say this poller is alive, and give back the claims of pollers that are gone."""
        if self._poller is None:
            return 0
        self._store.heartbeat(self._poller, now, self._policy.poller_ttl)
        released = self._store.release_orphaned_claims(now, host=self._poller.host)
        if released:
            log.info("%d sources held by a poller that stopped are due again", released)
        return released

    async def fetch_feed(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> tuple[int, dict[str, str], ParsedFeed | None]:
        """(HTTP status, headers, the parsed feed or None when not modified)."""
        result = await self._fetcher.fetch(
            url,
            max_bytes=self._policy.feed_max_bytes,
            accept=FEED_ACCEPT,
            etag=etag,
            last_modified=last_modified,
        )
        if result.not_modified:
            return result.status, result.headers, None
        parsed = await self._workers.run(parse_feed, result.body, result.headers, result.final_url)
        return result.status, result.headers, parsed

    async def _poll_source(self, source: SourceInfo, report: PollReport) -> _Failure | None:
        """Poll one source. Whatever goes wrong in it (the feed, its entries, storing them)
        is this source's failure, recorded on it with backoff; the cycle goes on. Only the
        recording itself failing (the database is down) stops the cycle."""
        started = self._clock()
        try:
            await self._poll_source_once(source, report, started)
        except SourceError as exc:
            if self._log_failures:
                log.warning("poll failed: %s: %s", source.url, exc, extra={"source": source.url})
            return _Failure(source, started, exc)
        except MonitorError as exc:
            log.error("poll failed: %s: %s", source.url, exc, extra={"source": source.url})
            return _Failure(source, started, SourceError(str(exc), url=source.url))
        except Exception as exc:  # a bug: the source fails, the cycle goes on
            log.exception("poll failed: %s: unexpected error", source.url)
            error = SourceError(f"unexpected error: {type(exc).__name__}: {exc}", url=source.url)
            return _Failure(source, started, error)
        return None

    async def _poll_source_once(
        self, source: SourceInfo, report: PollReport, started: datetime
    ) -> None:
        status, headers, parsed = await self.fetch_feed(
            source.url, etag=source.etag, last_modified=source.last_modified
        )
        new = 0
        more = False
        if parsed is not None:
            first_poll = source.last_success_at is None
            lookback = timedelta(seconds=self._policy.new_source_lookback)
            origin = EntryOrigin(
                source.url,
                source.id,
                source.name or parsed.title or source.url,
                "poll",
                started - lookback if first_poll else None,
            )
            new, more = await self._ingest_limited(origin, parsed.entries, report)
        else:
            report.sources_unchanged += 1
        now = self._clock()
        # A feed with more new entries than one poll takes is read again at the next tick,
        # in full (its validators are not kept), and the entries stored are skipped then.
        self._store.record_poll_success(
            source.id,
            started_at=started,
            now=now,
            http_status=status,
            etag=None if more else headers.get("etag"),
            last_modified=None if more else headers.get("last-modified"),
            entries=len(parsed.entries) if parsed else 0,
            new_articles=new,
            warning=parsed.warning if parsed else None,
            title=parsed.title if parsed else None,
            site_url=parsed.site_url if parsed else None,
            next_poll_at=now if more else now + timedelta(seconds=self._policy.interval),
        )
        log.info(
            "polled %s: %s, %d new%s",
            source.url,
            "unchanged" if parsed is None else plural(len(parsed.entries), "entry", "entries"),
            new,
            f" (at most {self._policy.max_entries_per_poll} a poll: the rest next time)"
            if more
            else "",
            extra={"source": source.url, "new_articles": new},
        )

    def _record_failure(self, failure: _Failure, *, counted: bool) -> None:
        now = self._clock()
        failures = failure.source.consecutive_failures + (1 if counted else 0)
        error = failure.error
        retry_after = error.retry_after if isinstance(error, FetchError) else None
        status = error.status if isinstance(error, FetchError) else None
        self._store.record_poll_failure(
            failure.source.id,
            started_at=failure.started_at,
            now=now,
            error=str(error),
            http_status=status,
            counted=counted,
            next_poll_at=next_poll_after_failure(
                now, failures if counted else 1, self._policy, retry_after
            ),
        )

    # --- entries -------------------------------------------------------------------------

    async def ingest(
        self, origin: EntryOrigin, entries: tuple[EntryCandidate, ...], report: PollReport
    ) -> int:
        """Store what is new among a feed's entries; returns how many articles were stored."""
        stored, _ = await self._ingest(origin, entries, report, None)
        return stored

    async def _ingest_limited(
        self, origin: EntryOrigin, entries: tuple[EntryCandidate, ...], report: PollReport
    ) -> tuple[int, bool]:
        """`ingest`, taking at most the policy's entries per poll: (stored, whether more
        new entries are left for the next poll)."""
        return await self._ingest(origin, entries, report, self._policy.max_entries_per_poll)

    async def _ingest(
        self,
        origin: EntryOrigin,
        entries: tuple[EntryCandidate, ...],
        report: PollReport,
        limit: int | None,
    ) -> tuple[int, bool]:
        keyed = key_entries(origin, entries)
        sorted_out = triage(keyed, self._store.known_keys(lookup_keys(keyed)))
        for entry_key, link_key in sorted_out.relinked:
            self._store.add_keys([entry_key], link_key, self._clock())
        report.duplicates += sorted_out.duplicates
        fresh = sorted_out.fresh
        more = limit is not None and len(fresh) > limit
        if limit is not None:
            fresh = fresh[:limit]
        self._progress.add_total(len(fresh))
        stored = await asyncio.gather(*(self._ingest_entry(origin, item, report) for item in fresh))
        return sum(stored), more

    async def _ingest_entry(
        self, origin: EntryOrigin, item: KeyedEntry, report: PollReport
    ) -> bool:
        link = item.link
        try:
            if link and link in self._in_flight:  # another feed is fetching the same article
                report.duplicates += 1
                return False
            if link:
                self._in_flight.add(link)
            try:
                async with self._entry_slots:
                    page = await self._fetch_page(link) if link else None
                    draft = draft_article(origin, item, page)
                    if page is not None and page.error:
                        report.page_errors += 1
                        if draft is not None:  # a feed entry with text of its own
                            log.info("keeping the feed's own text for %s: %s", link, page.error)
                    if draft is None:
                        if page is not None and page.error:
                            report.errors.append(f"{link}: {page.error}")
                        return False
                    return await self.store_draft(draft, report)
            finally:
                self._in_flight.discard(link or "")
        finally:
            self._progress.advance()

    async def _fetch_page(self, link: str) -> FetchedPage | None:
        """The entry's page, fetched and extracted; None when pages are not fetched."""
        if not self._policy.fetch_pages:
            return None
        try:
            result = await self._fetcher.fetch(link, max_bytes=self._policy.page_max_bytes)
            outcome = await self._workers.run(process_page, result.body, result.final_url)
        except SourceError as exc:
            return FetchedPage(link, None, None, f"page not fetched: {exc}")
        final_url = canonical_url(result.final_url)
        return FetchedPage(final_url, outcome.extracted, outcome.html_gz, outcome.error)

    async def store_draft(self, draft: ArticleDraft, report: PollReport) -> bool:
        """Store the draft unless storage knows it already; classify it first."""
        decision = decide(draft, self._store.known_keys(draft.keys), self._clock())
        if isinstance(decision, Duplicate):
            self._store.add_keys(decision.keys, decision.known_key, self._clock())
            report.duplicates += 1
            return False
        classification = await self._classify(decision.title, decision.text)
        if self._store.add_article(decision, classification, decision.first_seen_at) is None:
            report.duplicates += 1
            return False
        report.new_articles += 1
        return True

    async def _classify(self, title: str, text: str) -> Classification:
        """The article's classification, or UNCLASSIFIED when the classifier failed: a bug,
        logged with its traceback; the article is kept and `status` counts it."""
        try:
            result = await self._workers.run(classify_article, self._classifier, title, text)
        except WorkerError as exc:
            log.error("classification failed for %r: %s", title[:80], exc)
            return UNCLASSIFIED
        if isinstance(result, ClassifierFailure):
            log.error("classification failed for %r:\n%s", title[:80], result.traceback)
            return UNCLASSIFIED
        return result
