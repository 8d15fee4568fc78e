"""Reliability under hostile load (issue 10): huge feeds, poisoned digests, concurrent
pollers, slow sources. Real servers and both databases throughout."""

from __future__ import annotations

import asyncio
import multiprocessing
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from monitor.app import App
from monitor.ingest.decide import EntryOrigin
from monitor.ingest.feeds import parse_feed
from monitor.ingest.identity import seen_key
from monitor.ingest.workers import WorkerPool, _worker_main
from monitor.models import (
    Classification,
    NewArticle,
    Poller,
    PollReport,
    SourceInfo,
    utcnow,
)
from monitor.service.scheduler import Service
from monitor.storage.tables import ArticleRow
from tests.support.articles import add
from tests.support.builders import Item, rss, stored_article
from tests.support.clock import Clock
from tests.support.factories import AppFactory
from tests.support.servers import LocalServer, Route, wait_for
from tests.support.smtp import Received, SmtpFactory, text_body


def poll(app: App, workers: WorkerPool, *, force: bool = False) -> PollReport:
    async def run() -> PollReport:
        async with app.pipeline(workers=workers) as pipeline:
            return await pipeline.poll(force=force)

    return asyncio.run(run())


def subscribe(app: App, server: LocalServer, path: str, body: bytes, **route: Any) -> SourceInfo:
    server.routes[path] = Route(body, **route)
    return app.store.add_source(server.url(path), None, None, app.clock())


def source(app: App, source_id: int) -> SourceInfo:
    found = app.store.find_source(str(source_id))
    assert found is not None
    return found


def article_count(app: App) -> int:
    with Session(app.engine) as session:
        return len(session.exec(select(col(ArticleRow.id))).all())


def notes(n: int, prefix: str = "n", *, links: LocalServer | None = None) -> bytes:
    """A feed of `n` short entries without pages to fetch (feed text only)."""
    return rss(
        [
            Item(
                f"Note {prefix}{i}",
                links.url(f"/{prefix}/{i}") if links else None,
                f"{prefix}{i}",
                description=f"Feed text {prefix}{i}",
            )
            for i in range(n)
        ]
    )


def limit_sqlite_variables(app: App, limit: int) -> None:
    """Lower SQLite's limit on bound parameters for this app's connections (a real limit of
    the real database, as a smaller build of SQLite would have it)."""

    @sa.event.listens_for(app.engine, "connect")
    def _limit(connection: sqlite3.Connection, record: object) -> None:
        connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)

    app.engine.dispose()


# --- a large feed stops every poll --------------------------------------------------------


def test_known_keys_of_a_huge_feed_stay_within_parameter_limits(app: App) -> None:
    """260,000 keys: more than PostgreSQL's 65,535 parameters and SQLite's 250,000 variables
    (as Debian builds it; 32,766 by default)."""
    keys = [seen_key("entry", f"huge\n{i}") for i in range(260_000)]
    assert app.store.known_keys(keys) == set()


def test_a_feed_larger_than_the_parameter_limit_is_stored(
    app: App, server: LocalServer, workers: WorkerPool
) -> None:
    if app.store.is_postgresql:
        pytest.skip("SQLite's variable limit is lowered here; PostgreSQL: the test above")
    limit_sqlite_variables(app, 1000)
    app.settings.fetch_pages = False
    feed = subscribe(app, server, "/big", notes(800, links=server))  # 1,600 keys
    report = poll(app, workers)
    assert report.errors == [] and report.new_articles == 800
    assert source(app, feed.id).last_error is None


def test_a_storage_refusal_is_the_source_s_failure_not_the_cycle_s(
    app: App, server: LocalServer, workers: WorkerPool
) -> None:
    if app.store.is_postgresql:
        pytest.skip("made with SQLite's variable limit")
    # Too low for one lookup batch of the big feed, enough for the small one and the records.
    limit_sqlite_variables(app, 100)
    app.settings.fetch_pages = False
    big = subscribe(app, server, "/big", notes(300, "b"))
    small = subscribe(app, server, "/small", notes(2, "s"))
    report = poll(app, workers)
    assert (report.sources_polled, report.sources_failed, report.new_articles) == (2, 1, 2)
    failed = source(app, big.id)
    assert failed.last_error and "too many SQL variables" in failed.last_error
    assert failed.consecutive_failures == 1 and failed.next_poll_at is not None
    assert failed.next_poll_at > app.clock() and failed.claimed_until is None
    assert source(app, small.id).last_error is None


def test_entries_beyond_the_per_poll_limit_are_taken_on_the_next_polls(
    app: App, server: LocalServer, workers: WorkerPool
) -> None:
    app.settings.fetch_pages = False
    app.settings.max_entries_per_poll = 40
    feed = subscribe(app, server, "/many", notes(100), etag='"v1"')
    counts = []
    for _ in range(4):
        counts.append(poll(app, workers).new_articles)
    assert counts == [40, 40, 20, 0]
    assert article_count(app) == 100
    polled = source(app, feed.id)
    assert polled.etag == '"v1"'  # kept once the feed was read to its end
    assert polled.next_poll_at is not None and polled.next_poll_at > app.clock()


# --- one feed can stop all digest delivery ------------------------------------------------

START = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
RELEVANT = Classification(True, 0.9, (), "test")


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def make_app(
    env: LocalServer, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AppFactory]:
    factory = AppFactory(monkeypatch, clock)
    yield factory
    factory.close()


def distinct_story(n: int) -> str:
    """A text no other story shares a run of words with."""
    return " ".join(f"w{n}x{i}" for i in range(60))


def html_part(received: Received) -> bytes:
    part = received.message.get_body(("html",))
    assert part is not None
    return str(part.get_content()).encode()


def test_huge_titles_neither_swell_the_digest_nor_block_later_ones(
    make_app: AppFactory, smtp: SmtpFactory, clock: Clock
) -> None:
    server = smtp(data_size_limit=1024 * 1024)
    app = make_app(server)
    for n in range(10):
        add(
            app,
            n,
            f"Headline {n} " + "hostile " * 25_000,
            distinct_story(n),
            classification=RELEVANT,
        )
    service = app.digests()
    first, _ = service.create("p1")
    assert service.send(first.id).status == "sent"
    html = html_part(server.messages[0])
    assert len(html) < 102 * 1024 and html.count(b"hostile") < 10 * 60
    clock.advance(hours=24)
    add(app, 99, "An ordinary story", distinct_story(99), classification=RELEVANT)
    second, _ = service.create("p2")
    assert second.item_count == 1 and service.send(second.id).status == "sent"


def test_a_digest_shows_at_most_max_items_and_counts_the_rest(
    make_app: AppFactory, smtp: SmtpFactory, clock: Clock
) -> None:
    server = smtp()
    app = make_app(server, base_url="https://monitor.example.org")
    for n in range(120):
        add(app, n, f"Story number {n}", distinct_story(n), classification=RELEVANT)
    service = app.digests()
    record, _ = service.create("p1")
    assert record.item_count == 120
    assert service.send(record.id).status == "sent"
    message = server.messages[0]
    html = html_part(message)
    assert len(html) < 102 * 1024
    assert html.count(b"Story number ") == 50 and b"And 70 more stories" in html
    text = text_body(message.message)
    assert "And 70 more stories: https://monitor.example.org/articles?relevant=relevant" in text
    clock.advance(hours=24)
    following, _ = service.create("p2")  # the 70 not shown went with the first digest
    assert following.status == "skipped"


def test_a_size_refusal_sends_a_shortened_digest_not_the_same_bytes_again(
    make_app: AppFactory, smtp: SmtpFactory, clock: Clock
) -> None:
    server = smtp(data_size_limit=24 * 1024)
    app = make_app(server, base_url="https://monitor.example.org")
    for n in range(50):
        add(app, n, f"Story number {n}", distinct_story(n), classification=RELEVANT)
    service = app.digests()
    record, _ = service.create("p1")
    outcome = service.send(record.id)
    assert outcome.status == "sent" and outcome.error and "shortened" in outcome.error
    [received] = server.messages
    assert len(received.data) <= 24 * 1024
    assert received.message["Message-ID"] == record.message_id
    body = text_body(received.message)
    assert "too large for the mail server" in body and "Story number 0" in body
    clock.advance(hours=24)
    add(app, 99, "An ordinary story", distinct_story(99), classification=RELEVANT)
    following, _ = service.create("p2")
    assert following.item_count == 1 and service.send(following.id).status == "sent"


# --- two writers never store one entry twice ----------------------------------------------


def linkless(n: int, when: datetime) -> NewArticle:
    """A feed entry without a link: known by its entry key alone."""
    stored = stored_article(f"https://unused.example/{n}", f"Note {n}", distinct_story(n), when)
    return replace(stored, url=None, entry_url=None, keys=(seen_key("entry", f"feed\nn{n}"),))


def test_a_second_writer_of_the_same_identity_stores_a_duplicate_never_an_article(
    make_app: AppFactory, clock: Clock
) -> None:
    first, second = make_app(), make_app()  # two processes: two engines on one database
    assert first.store.add_article(linkless(1, clock()), RELEVANT, clock()) is not None
    assert second.store.add_article(linkless(1, clock()), RELEVANT, clock()) is None
    assert article_count(first) == 1


def test_two_pollers_ingesting_one_linkless_feed_at_once_store_each_entry_once(
    make_app: AppFactory,
) -> None:
    apps = [make_app(fetch_pages="false", workers="1"), make_app(fetch_pages="false", workers="1")]
    feed = parse_feed(notes(150), {}, "http://feeds.example/notes")
    origin = EntryOrigin("http://feeds.example/notes", None, "Notes", "poll")
    start = threading.Barrier(2)

    def ingest(app: App) -> None:
        async def run() -> None:
            async with app.pipeline() as pipeline:  # each its own worker processes
                start.wait()
                await pipeline.ingest(origin, feed.entries, PollReport())

        asyncio.run(run())

    threads = [threading.Thread(target=ingest, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert article_count(apps[0]) == 150


# --- claims are released only when their holder is gone -----------------------------------


def claimed_by(app: App, poller: Poller, hold: timedelta = timedelta(minutes=15)) -> list[int]:
    """`poller` heartbeats and claims every due source, as its poll would."""
    app.store.heartbeat(poller, app.clock(), app.poller_ttl)
    taken = app.store.claim_due_sources(app.clock(), hold=hold, holder=poller.id)
    return [s.id for s in taken]


def dead_pid() -> int:
    """The id of a process of this machine that has ended."""
    ended = subprocess.Popen(["true"])
    ended.wait()
    return ended.pid


def test_a_service_starting_beside_a_running_poll_keeps_its_claims(
    make_app: AppFactory, server: LocalServer
) -> None:
    polling = make_app()  # a `monitor poll` of this machine, alive, mid-poll
    feed = subscribe(polling, server, "/feed", notes(3))
    assert claimed_by(polling, polling.poller) == [feed.id]
    service = Service(make_app(), threading.Event())
    assert service.free_orphaned_claims(unowned=True) == 0
    assert source(polling, feed.id).claimed_until is not None


def test_the_claims_of_a_poller_whose_process_ended_are_freed_at_once(
    make_app: AppFactory, server: LocalServer
) -> None:
    app = make_app()
    feed = subscribe(app, server, "/feed", notes(3))
    gone = Poller(f"{app.poller.host}:gone", app.poller.host, dead_pid())
    assert claimed_by(app, gone) == [feed.id]
    service = Service(make_app(), threading.Event())
    assert service.free_orphaned_claims() == 1
    assert source(app, feed.id).claimed_until is None


def test_claims_of_an_instance_that_stopped_heartbeating_are_freed_within_two_ticks(
    make_app: AppFactory, server: LocalServer, clock: Clock, workers: WorkerPool
) -> None:
    """Another machine's instance (its process cannot be checked) was killed mid-poll."""
    live = Service(make_app(poll_interval="60", fetch_pages="false"), threading.Event())
    feeds = [subscribe(live.app, server, f"/feed{i}", notes(2, f"f{i}")) for i in range(3)]
    killed = Poller("elsewhere:4242:dead", "elsewhere", 4242)
    assert len(claimed_by(live.app, killed)) == 3  # then it stopped heartbeating
    live.free_orphaned_claims()
    assert all(source(live.app, f.id).claimed_until for f in feeds)  # not yet: it may be alive
    clock.advance(seconds=2 * live.tick)
    live.free_orphaned_claims()
    report = poll(live.app, workers)
    assert report.sources_polled == 3 and report.new_articles == 6


# --- one slow source does not delay the others ---------------------------------------------


def test_a_slow_source_does_not_hold_back_the_others(
    make_app: AppFactory, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("REQUEST_DEADLINE", "READ_TIMEOUT"):
        monkeypatch.setenv(f"MONITOR_{name}", "60")
    release = threading.Event()

    def stalled(handler: BaseHTTPRequestHandler) -> None:
        release.wait(60)
        body = notes(1, "slow")
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    # Every tick (one second, the least) polls /fast again: three polls in two seconds.
    app = make_app(poll_interval="1", fetch_pages="false", workers="1")
    app.clock = utcnow  # the service runs on the real clock
    subscribe(app, server, "/slow", b"", handler=stalled)
    subscribe(app, server, "/fast", notes(1, "fast"))
    service = Service(app, threading.Event())
    runner = threading.Thread(target=service.run)
    runner.start()
    try:
        assert wait_for(lambda: server.hits("/fast") >= 3, timeout=30)
        assert server.hits("/slow") == 1 and not release.is_set()
    finally:
        release.set()
        service.stop.set()
        runner.join(30)
    assert not runner.is_alive()


# --- orphaned workers exit quietly ---------------------------------------------------------


def test_a_worker_whose_parent_died_exits_quietly(capfd: pytest.CaptureFixture[str]) -> None:
    context = multiprocessing.get_context("forkserver")
    parent, child = context.Pipe()
    worker = context.Process(target=_worker_main, args=(child, 0))
    worker.start()
    child.close()
    parent.send((time.sleep, (0.3,)))  # its reply finds nobody: the parent end is closed
    parent.close()
    worker.join(30)
    assert worker.exitcode == 0
    assert "Traceback" not in capfd.readouterr().err
