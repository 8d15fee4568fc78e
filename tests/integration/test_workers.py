from __future__ import annotations

import asyncio
import gzip
import subprocess
import sys
import time
from collections.abc import Callable

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


def wait_until(condition: Callable[[], bool], limit: float = 30.0) -> bool:
    """Wait for a condition (not a timing assertion: the limit only stops a broken test)."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_workers_start_on_demand_and_exit_when_idle() -> None:
    page = article_html(INADEQUATE_STORY)
    with WorkerPool(2, timeout=30, memory_mb=1024, idle=0.2) as pool:
        assert pool.running == 0  # nothing started before there is work

        async def two_pages() -> None:
            outcomes = await asyncio.gather(
                *(pool.run(process_page, page, f"https://n.example/{i}") for i in range(2))
            )
            assert all(o.extracted for o in outcomes)

        asyncio.run(two_pages())
        assert pool.running >= 1
        assert wait_until(lambda: pool.running == 0)
        # Work after idling starts a worker again.
        asyncio.run(two_pages())
        assert pool.running >= 1


def sleep_then_return(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_a_busy_worker_is_not_stopped_for_idleness() -> None:
    async def run() -> None:
        with WorkerPool(1, timeout=30, memory_mb=1024, idle=0.05) as pool:
            # A job far longer than the idle limit finishes (the reaper skips a busy worker).
            assert await pool.run(sleep_then_return, 0.5) == 0.5
            assert await pool.run(allocate_too_much, 1) == 1024 * 1024

    asyncio.run(run())


AT_REST = """
import asyncio, os, sys, time
from pathlib import Path
from monitor.ingest.feeds import parse_feed
from monitor.ingest.workers import WorkerPool

def children() -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            if entry.name.isdigit() and int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid():
                found.append((entry / "cmdline").read_bytes().replace(b"\\0", b" ").decode())
        except (OSError, ValueError):
            pass
    return found

feed = sys.stdin.buffer.read()
with WorkerPool(2, timeout=30, memory_mb=1024, idle=0.2) as pool:
    asyncio.run(pool.run(parse_feed, feed, {}, "https://n.example/f"))
    print("working:", sum("forkserver" in c for c in children()))
    deadline = time.monotonic() + 30  # not a timed assertion: a broken pool fails, not hangs
    while (pool.running or any("forkserver" in c for c in children())) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.05)
    print("at rest:", sum("forkserver" in c for c in children()))
    entries = asyncio.run(pool.run(parse_feed, feed, {}, "https://n.example/f")).entries
    print("again:", entries[0].title)
"""


def test_a_pool_at_rest_holds_no_process_but_the_resource_tracker() -> None:
    """In a process of its own, so that no other test's pool keeps the fork server alive."""
    done = subprocess.run(
        [sys.executable, "-c", AT_REST],
        input=rss([Item("A", "https://n.example/a")]),
        capture_output=True,
        timeout=120,
        check=True,
    )
    lines = done.stdout.decode().splitlines()
    assert lines[0] != "working: 0"  # the fork server, and a worker under it
    assert lines[1:] == ["at rest: 0", "again: A"]
