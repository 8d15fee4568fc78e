"""Backfills: history from a feed, a list of URLs, or the seed articles. Never in a digest."""

from __future__ import annotations

import asyncio

from monitor.ingest.decide import EntryOrigin, draft_seed
from monitor.ingest.pipeline import Pipeline
from monitor.ingest.seeds import SeedArticle
from monitor.models import EntryCandidate, PollReport
from monitor.urls import host_of

SEED_SOURCE = "seed corpus"


async def backfill_feed(pipeline: Pipeline, url: str) -> PollReport:
    """Import every entry a feed lists now, as history."""
    report = PollReport(sources_polled=1)
    _, _, parsed = await pipeline.fetch_feed(url)
    assert parsed is not None  # an unconditional request is never "not modified"
    subscribed = pipeline.store.find_source(url)
    origin = EntryOrigin(
        url,
        subscribed.id if subscribed else None,
        (subscribed.name if subscribed else None) or parsed.title or host_of(url),
        "backfill",
    )
    await pipeline.ingest(origin, parsed.entries, report)
    return report


async def backfill_urls(pipeline: Pipeline, urls: list[str]) -> PollReport:
    """Download and extract each URL, as history."""
    report = PollReport()
    groups: dict[str, list[EntryCandidate]] = {}
    for url in urls:
        groups.setdefault(host_of(url), []).append(
            EntryCandidate(None, url, None, None, None, None)
        )
    await asyncio.gather(
        *(
            pipeline.ingest(
                EntryOrigin("backfill-url", None, host, "backfill"), tuple(entries), report
            )
            for host, entries in groups.items()
        )
    )
    return report


async def backfill_seeds(pipeline: Pipeline, articles: list[SeedArticle]) -> PollReport:
    """Import the seed articles as history. Idempotent: keyed by file name and content."""
    report = PollReport()
    origin = EntryOrigin(SEED_SOURCE, None, SEED_SOURCE, "backfill")
    for seed in articles:
        draft = draft_seed(
            origin, seed.file_name, seed.title, seed.text, seed.published, seed.published_raw
        )
        await pipeline.store_draft(draft, report)
    return report
