from __future__ import annotations

import asyncio
import gzip

import pytest

from monitor.errors import FeedParseError, WorkerError
from monitor.ingest.feeds import parse_feed
from monitor.ingest.jobs import process_page
from monitor.ingest.workers import WorkerPool
from tests.support.builders import INADEQUATE_STORY, Item, article_html, rss


def pathological_page() -> bytes:
    """30,000 short paragraphs (1.2 MB): trafilatura needs several seconds on it."""
    paragraphs = "".join(f"<p>Short paragraph number {i} here.</p>" for i in range(30000))
    return f"<html><body><article>{paragraphs}</article></body></html>".encode()


def test_jobs_run_in_workers_and_errors_come_back_as_ours(workers: WorkerPool) -> None:
    async def run() -> None:
        outcome = await workers.run(
            process_page, article_html(INADEQUATE_STORY), "https://n.example/1"
        )
        assert outcome.extracted is not None and "inadequate" in outcome.extracted.text
        assert gzip.decompress(outcome.html_gz) == article_html(INADEQUATE_STORY)
        feed = await workers.run(
            parse_feed, rss([Item("A", "https://n.example/a")]), {}, "https://n.example/f"
        )
        assert feed.entries[0].title == "A"
        with pytest.raises(FeedParseError):
            await workers.run(
                parse_feed, b"<html><body>no</body></html>", {}, "https://n.example/f"
            )

    asyncio.run(run())


def test_a_pathological_page_fails_alone_within_the_time_limit() -> None:
    async def run() -> None:
        with WorkerPool(2, timeout=1, memory_mb=1024) as pool:
            slow = pool.run(process_page, pathological_page(), "https://n.example/slow")
            good = [
                pool.run(process_page, article_html(INADEQUATE_STORY), f"https://n.example/{i}")
                for i in range(4)
            ]
            results = await asyncio.gather(slow, *good, return_exceptions=True)
            assert isinstance(results[0], WorkerError) and "gave up after 1 s" in str(results[0])
            assert all(not isinstance(r, BaseException) and r.extracted for r in results[1:])
            # The killed worker was replaced: the pool still has its full strength.
            again = await asyncio.gather(
                *(pool.run(process_page, article_html(INADEQUATE_STORY), "u") for _ in range(2))
            )
            assert all(r.extracted for r in again)

    asyncio.run(run())


def allocate_too_much(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


def test_a_job_that_needs_too_much_memory_fails_alone() -> None:
    async def run() -> None:
        with WorkerPool(1, timeout=10, memory_mb=512) as pool:
            with pytest.raises(WorkerError, match="more memory"):
                await pool.run(allocate_too_much, 2048)
            assert await pool.run(allocate_too_much, 16) == 16 * 1024 * 1024

    asyncio.run(run())
