"""Polling and backfills: fetch, parse, fetch pages, extract, classify, store.

Each source and each page is isolated: its failure is recorded on it and the cycle goes on.
Articles are committed one by one as they are ready; a feed's validators are stored only after
its entries, so a crash mid-poll re-reads the feed and the seen keys skip what was stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from monitor.classify.stage import ClassifyStage
from monitor.errors import FetchError, MonitorError, SourceError
from monitor.ingest.extract import PageOutcome, process_page
from monitor.ingest.feeds import classify_date, parse_feed
from monitor.ingest.fetch import FEED_ACCEPT, Fetcher
from monitor.ingest.progress import Progress, QuietProgress
from monitor.ingest.seeds import SeedArticle
from monitor.ingest.workers import WorkerPool
from monitor.models import (
    Clock,
    EntryCandidate,
    Extracted,
    NewArticle,
    ParsedFeed,
    PollReport,
    SourceInfo,
)
from monitor.storage.store import Store, seen_key
from monitor.textclean import fingerprint
from monitor.urls import canonical_url, host_of, prefer_canonical

log = logging.getLogger(__name__)

SEED_SOURCE = "seed corpus"


@dataclass(frozen=True)
class PollPolicy:
    interval: float
    max_backoff: float
    feed_max_bytes: int
    page_max_bytes: int
    fetch_pages: bool = True
    new_source_lookback: float = 7 * 86400.0
    # Worker processes classify pages with this themes file; None classifies in this process.
    themes_file: str | None = None
    # How long a claimed source stays taken by this poll (see Store.claim_due_sources).
    claim_hold: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class _Failure:
    source: SourceInfo
    started_at: datetime
    error: SourceError


@dataclass(frozen=True)
class _Origin:
    """Where entries come from: the key their entry ids are scoped by, and how to label them."""

    key: str
    source_id: int | None
    name: str
    kind: str  # "poll" or "backfill"
    # On a source's first poll, entries dated before this are history, as if backfilled.
    history_before: datetime | None = None


def next_poll_after_failure(
    now: datetime, failures: int, policy: PollPolicy, retry_after: float | None
) -> datetime:
    """Exponential backoff, capped so that a source is retried at least every max_backoff."""
    delay = min(policy.interval * 2 ** min(max(0, failures - 1), 32), policy.max_backoff)
    if retry_after is not None:
        delay = min(max(delay, retry_after), policy.max_backoff)
    return now + timedelta(seconds=delay)


def failures_are_ours(polled: int, errors: list[SourceError]) -> bool:
    """Every source failing at the network level at once (DNS, unreachable) says more about
    our own network than about the sources: such failures are counted against none of them."""
    return (
        polled >= 2
        and len(errors) == polled
        and all(isinstance(e, FetchError) and e.network for e in errors)
    )


def _entry_identity(entry: EntryCandidate) -> str:
    if entry.entry_id:
        return entry.entry_id
    if entry.link:
        return entry.link
    digest = hashlib.sha256(f"{entry.title}\n{entry.summary}".encode()).hexdigest()
    return f"content:{digest}"


def _date_from_extraction(extracted: Extracted | None) -> datetime | None:
    if extracted is None or not extracted.published_raw:
        return None
    try:
        return datetime.fromisoformat(extracted.published_raw[:10]).replace(tzinfo=UTC)
    except ValueError:
        return None


class Pipeline:
    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        workers: WorkerPool,
        classify: ClassifyStage,
        policy: PollPolicy,
        clock: Clock,
        progress: Progress | None = None,
    ) -> None:
        self._store = store
        self._fetcher = fetcher
        self._workers = workers
        self._classify = classify
        self._policy = policy
        self._clock = clock
        self._progress: Progress = progress or QuietProgress()
        self._in_flight: set[str] = set()
        # Backpressure: pages downloaded but not yet extracted stay few, whatever the backlog.
        self._entry_slots = asyncio.Semaphore(workers.size * 4)

    # --- polling -------------------------------------------------------------------------

    async def poll(self, *, force: bool = False) -> PollReport:
        """One cycle over every due source (every source with `force`)."""
        now = self._clock()
        sources = self._store.claim_due_sources(now, hold=self._policy.claim_hold, force=force)
        report = PollReport()
        try:
            outcomes = await asyncio.gather(*(self._poll_source(s, report) for s in sources))
        except BaseException:
            # Interrupted (a storage failure, a shutdown): give back the claims not yet
            # ended by a recorded poll, so the next cycle takes those sources at once.
            with contextlib.suppress(MonitorError):
                self._store.release_source_claims(
                    (s.id for s in sources), claimed_until=now + self._policy.claim_hold
                )
            raise
        failures = [o for o in outcomes if o is not None]
        ours = failures_are_ours(len(sources), [f.error for f in failures])
        if ours:
            log.warning("every source failed at the network level: is this machine offline?")
        for failure in failures:
            self._record_failure(failure, counted=not ours)
            report.errors.append(f"{failure.source.url}: {failure.error}")
        report.sources_polled = len(sources)
        report.sources_failed = len(failures)
        return report

    async def _poll_source(self, source: SourceInfo, report: PollReport) -> _Failure | None:
        started = self._clock()
        try:
            result = await self._fetcher.fetch(
                source.url,
                max_bytes=self._policy.feed_max_bytes,
                accept=FEED_ACCEPT,
                etag=source.etag,
                last_modified=source.last_modified,
            )
            parsed = None
            if not result.not_modified:
                parsed = await self._workers.run(
                    parse_feed, result.body, result.headers, result.final_url
                )
        except SourceError as exc:
            log.warning("poll failed: %s: %s", source.url, exc, extra={"source": source.url})
            return _Failure(source, started, exc)
        new = 0
        if parsed is not None:
            first_poll = source.last_success_at is None
            lookback = timedelta(seconds=self._policy.new_source_lookback)
            origin = _Origin(
                source.url,
                source.id,
                source.name or parsed.title or source.url,
                "poll",
                started - lookback if first_poll else None,
            )
            new = await self._ingest(origin, parsed.entries, report)
        else:
            report.sources_unchanged += 1
        now = self._clock()
        self._store.record_poll_success(
            source.id,
            started_at=started,
            now=now,
            http_status=result.status,
            etag=result.headers.get("etag"),
            last_modified=result.headers.get("last-modified"),
            entries=len(parsed.entries) if parsed else 0,
            new_articles=new,
            warning=parsed.warning if parsed else None,
            title=parsed.title if parsed else None,
            site_url=parsed.site_url if parsed else None,
            next_poll_at=now + timedelta(seconds=self._policy.interval),
        )
        log.info(
            "polled %s: %s, %d new",
            source.url,
            "unchanged" if parsed is None else f"{len(parsed.entries)} entries",
            new,
            extra={"source": source.url, "new_articles": new},
        )
        return None

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

    async def _ingest(
        self, origin: _Origin, entries: tuple[EntryCandidate, ...], report: PollReport
    ) -> int:
        keyed = [(seen_key("entry", f"{origin.key}\n{_entry_identity(e)}"), e) for e in entries]
        links = {key: canonical_url(e.link) for key, e in keyed if e.link}
        link_keys = {key: seen_key("url", link) for key, link in links.items()}
        known = self._store.known_keys([key for key, _ in keyed] + list(link_keys.values()))
        fresh = []
        for key, entry in keyed:
            if key in known:
                report.duplicates += 1
            elif link_keys.get(key) in known:  # the same article under another entry id
                self._store.add_keys([key], link_keys[key], self._clock())
                report.duplicates += 1
            else:
                fresh.append((key, entry, links.get(key)))
        self._progress.add_total(len(fresh))
        stored = await asyncio.gather(
            *(self._ingest_entry(origin, k, e, link, report) for k, e, link in fresh)
        )
        return sum(stored)

    async def _ingest_entry(
        self,
        origin: _Origin,
        entry_key: str,
        entry: EntryCandidate,
        link: str | None,
        report: PollReport,
    ) -> bool:
        try:
            if link and link in self._in_flight:  # another feed is fetching the same article
                report.duplicates += 1
                return False
            if link:
                self._in_flight.add(link)
            try:
                async with self._entry_slots:
                    return await self._fetch_and_store(origin, entry_key, entry, link, report)
            finally:
                self._in_flight.discard(link or "")
        finally:
            self._progress.advance()

    async def _fetch_and_store(
        self,
        origin: _Origin,
        entry_key: str,
        entry: EntryCandidate,
        link: str | None,
        report: PollReport,
    ) -> bool:
        page: PageOutcome | None = None
        final_url = link
        error = None
        if link and self._policy.fetch_pages:
            try:
                result = await self._fetcher.fetch(link, max_bytes=self._policy.page_max_bytes)
                final_url = canonical_url(result.final_url)
                page = await self._workers.run(
                    process_page,
                    result.body,
                    result.final_url,
                    entry.title,
                    self._policy.themes_file,
                )
                error = page.error
            except SourceError as exc:
                error = f"page not fetched: {exc}"
        extracted = page.extracted if page else None
        if error:
            report.page_errors += 1
            log.info("keeping the feed's own text for %s: %s", link, error)
        url = final_url
        if extracted is not None and final_url:
            url = prefer_canonical(final_url, extracted.canonical_url)
        text = extracted.text if extracted else (entry.summary or "")
        title = entry.title or (extracted.title if extracted else None)
        if not title and not text:
            if error:
                report.errors.append(f"{link}: {error}")
            return False
        urls = {u for u in (link, final_url, url) if u}
        print_ = fingerprint(text, (entry.title, extracted.title if extracted else None))
        keys = [entry_key, *(seen_key("url", u) for u in sorted(urls))]
        if print_:
            keys.append(seen_key("fp", print_))
        known = self._store.known_keys(keys[1:])
        now = self._clock()
        if known:
            self._store.add_keys(keys, next(iter(known)), now)
            report.duplicates += 1
            return False
        published, raw_date = entry.published, entry.published_raw
        page_date = _date_from_extraction(extracted)
        if published is None and page_date is not None and extracted is not None:
            published, raw_date = page_date, extracted.published_raw
        date_status = classify_date(published, raw_date, now)
        kind = origin.kind
        if origin.history_before and published and date_status == "ok":
            kind = "backfill" if published < origin.history_before else kind
        article = NewArticle(
            url=url,
            entry_url=entry.link,
            source_id=origin.source_id,
            source_name=origin.name,
            origin=kind,
            title=title or text[:120].split("\n")[0],
            text=text,
            summary=entry.summary,
            author=entry.author or (extracted.author if extracted else None),
            site_name=extracted.site_name if extracted else None,
            html_gz=page.html_gz if page else None,
            extraction_error=error,
            published_raw=raw_date,
            published_at=published,
            date_status=date_status,
            first_seen_at=now,
            fingerprint=print_,
            keys=tuple(keys),
        )
        classification = page.classification if page else None
        if classification is None:  # no page text: classify what the feed gave
            classification = self._classify(article.title, article.text)
        if self._store.add_article(article, classification, now) is None:
            report.duplicates += 1
            return False
        report.new_articles += 1
        return True

    # --- backfills -----------------------------------------------------------------------

    async def backfill_feed(self, url: str) -> PollReport:
        """Import every entry a feed lists now, as history (never in a digest)."""
        report = PollReport(sources_polled=1)
        result = await self._fetcher.fetch(
            url, max_bytes=self._policy.feed_max_bytes, accept=FEED_ACCEPT
        )
        parsed: ParsedFeed = await self._workers.run(
            parse_feed, result.body, result.headers, result.final_url
        )
        subscribed = self._store.find_source(url)
        origin = _Origin(
            url,
            subscribed.id if subscribed else None,
            (subscribed.name if subscribed else None) or parsed.title or host_of(url),
            "backfill",
        )
        await self._ingest(origin, parsed.entries, report)
        return report

    async def backfill_urls(self, urls: list[str]) -> PollReport:
        """Download and extract each URL, as history."""
        report = PollReport()
        groups: dict[str, list[EntryCandidate]] = {}
        for url in urls:
            groups.setdefault(host_of(url), []).append(
                EntryCandidate(None, url, None, None, None, None)
            )
        await asyncio.gather(
            *(
                self._ingest(
                    _Origin("backfill-url", None, host, "backfill"), tuple(entries), report
                )
                for host, entries in groups.items()
            )
        )
        return report


def backfill_seeds(
    store: Store, articles: list[SeedArticle], classify: ClassifyStage, now: datetime
) -> PollReport:
    """Import the seed articles as history. Idempotent: keyed by file name and content."""
    report = PollReport()
    for seed in articles:
        entry_key = seen_key("entry", f"{SEED_SOURCE}\n{seed.file_name}")
        print_ = fingerprint(seed.text, (seed.title,))
        keys = [entry_key] + ([seen_key("fp", print_)] if print_ else [])
        if store.known_keys(keys):
            report.duplicates += 1
            continue
        article = NewArticle(
            url=None,
            entry_url=None,
            source_id=None,
            source_name=SEED_SOURCE,
            origin="backfill",
            title=seed.title,
            text=seed.text,
            summary=None,
            author=None,
            site_name=None,
            html_gz=None,
            extraction_error=None,
            published_raw=seed.published_raw,
            published_at=seed.published,
            date_status=classify_date(seed.published, seed.published_raw, now),
            first_seen_at=now,
            fingerprint=print_,
            keys=tuple(keys),
        )
        store.add_article(article, classify(seed.title, seed.text), now)
        report.new_articles += 1
    return report
