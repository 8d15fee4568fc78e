"""`monitor run` as a real process: a poll and a digest arrive, SIGTERM stops it cleanly,
`kill -9` loses nothing, a second SQLite instance stands by, and three instances share a
PostgreSQL database without polling a source twice or sending a digest twice."""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.cli.main import main
from monitor.storage.db import make_engine
from tests.support.builders import INADEQUATE_STORY, Item, article_html, rss
from tests.support.servers import LocalServer, Route
from tests.support.smtp import Mailbox, SmtpFactory, SmtpServer, text_body

# Real processes waiting on real clocks, each test tens of seconds on a busy machine.
pytestmark = pytest.mark.slow

STOP_LIMIT = 10.0


class Process:
    def __init__(self, log: Path, env: dict[str, str]) -> None:
        self.log = log
        self._file = log.open("ab")
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "monitor", "run"],
            env=env,
            stdout=self._file,
            stderr=subprocess.STDOUT,
        )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def terminate(self, *, signalled: bool = False) -> tuple[int, float]:
        started = time.monotonic()
        if not signalled:
            self.popen.send_signal(signal.SIGTERM)
        code = self.popen.wait(timeout=30)
        self._file.close()
        return code, time.monotonic() - started

    def kill9(self) -> None:
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=10)
        self._file.close()


def wait_for(condition: Callable[[], object], timeout: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what or condition}")


@pytest.fixture
def service_env(
    env: LocalServer, db_url: str, tmp_path: Path
) -> Iterator[Callable[..., dict[str, str]]]:
    def make(smtp: SmtpServer | None = None, **settings: str) -> dict[str, str]:
        values = dict(os.environ)
        values.update(
            MONITOR_POLL_INTERVAL="3",
            MONITOR_DIGEST_CRON="*/2 * * * * *",
            MONITOR_WORKERS="1",
            MONITOR_SMTP_TIMEOUT="2",
        )
        if smtp is not None:
            values.update(
                MONITOR_SMTP_URL=f"smtp://127.0.0.1:{smtp.port}",
                MONITOR_DIGEST_TO="desk@example.org",
            )
        values.update({f"MONITOR_{k.upper()}": v for k, v in settings.items()})
        return values

    yield make


def news_feed(server: LocalServer, count: int = 1) -> str:
    items = []
    for n in range(count):
        path = f"/news/{n}"
        page = INADEQUATE_STORY
        if n:
            paragraphs = [p.replace("Northmoor", f"Place{n}") for p in INADEQUATE_STORY.paragraphs]
            page = type(INADEQUATE_STORY)(
                title=f"Place{n} services inadequate", paragraphs=paragraphs[::-1]
            )
        server.routes[path] = Route(article_html(page), content_type="text/html")
        items.append(Item(page.title, server.url(path), f"id-{n}"))
    server.routes["/feed.xml"] = Route(rss(items, title="Care News Today"))
    return server.url("/feed.xml")


def add_source(url: str, env: dict[str, str]) -> None:
    """`monitor sources add` with the service's settings, in process: only `monitor run`
    needs to be a real process here (a process start costs a second or more of imports)."""
    with pytest.MonkeyPatch.context() as mp:
        for name in [n for n in os.environ if n not in env]:
            mp.delenv(name)
        for name, value in env.items():
            mp.setenv(name, value)
        assert main(["sources", "add", url, "--no-check"]) == 0


def recorded_polls(db_url: str) -> dict[str, list[tuple[datetime, datetime]]]:
    """(started, finished) of each recorded poll, by source URL, in order."""
    query = sa.text(
        "SELECT s.url, f.started_at, f.finished_at FROM fetch_attempt f"
        " JOIN source s ON s.id = f.source_id ORDER BY s.url, f.started_at"
    )
    polls: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            for url, started, finished in connection.execute(query):
                polls[url].append((started, finished))
    finally:
        engine.dispose()
    return polls


def count(db_url: str, sql: str) -> int:
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(sa.text(sql)).scalar() or 0)
    finally:
        engine.dispose()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_run_polls_sends_a_digest_and_stops_on_sigterm(
    service_env: Callable[..., dict[str, str]],
    env: LocalServer,
    smtp: SmtpFactory,
    tmp_path: Path,
    db_url: str,
) -> None:
    mail = smtp()
    settings = service_env(mail, log_format="json")
    add_source(news_feed(env), settings)
    service = Process(tmp_path / "service.log", settings)
    standby = None
    try:
        wait_for(lambda: mail.messages, what="a digest")
        standby = Process(tmp_path / "standby.log", settings)
        wait_for(lambda: "standby" in standby.text(), what="the standby message")
    finally:
        if standby is not None:
            assert standby.terminate()[0] == 0
        code, took = service.terminate()
    assert code == 0 and took < STOP_LIMIT
    [got] = mail.messages
    assert "Northmoor" in text_body(got.message)
    log = service.text()
    assert '"job": "poll"' in log and '"new_articles": 1' in log and '"message": "stopped"' in log


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_kill_9_after_articles_before_feed_state(
    service_env: Callable[..., dict[str, str]],
    env: LocalServer,
    tmp_path: Path,
    db_url: str,
) -> None:
    settings = service_env(read_timeout="60", request_deadline="60", digest_cron="0 7 * * *")
    add_source(news_feed(env, 2), settings)
    stalled = env.routes["/news/1"]
    env.routes["/news/1"] = Route(stalled.body, content_type="text/html", stall_after=0)
    service = Process(tmp_path / "first.log", settings)
    wait_for(lambda: count(db_url, "SELECT count(*) FROM article") == 1, what="the first article")
    service.kill9()
    assert count(db_url, "SELECT count(*) FROM source WHERE last_polled_at IS NOT NULL") == 0

    env.routes["/news/1"] = stalled
    service = Process(tmp_path / "second.log", settings)
    wait_for(
        lambda: count(db_url, "SELECT count(*) FROM source WHERE last_success_at IS NOT NULL"),
        what="a complete poll",
    )
    assert service.terminate()[0] == 0
    assert count(db_url, "SELECT count(*) FROM article") == 2
    assert count(db_url, "SELECT count(*) FROM classification") == 2
    assert count(db_url, "SELECT count(DISTINCT url) FROM article") == 2


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_kill_9_after_the_server_accepted_a_digest(
    service_env: Callable[..., dict[str, str]],
    env: LocalServer,
    smtp: SmtpFactory,
    tmp_path: Path,
    db_url: str,
) -> None:
    mail = smtp(mailbox=Mailbox(reply_delay=30))
    settings = service_env(mail)
    add_source(news_feed(env), settings)
    service = Process(tmp_path / "first.log", settings)
    wait_for(mail.mailbox.accepted.is_set, what="the digest to be accepted")
    service.kill9()  # after the server kept it, before its reply
    service = Process(tmp_path / "second.log", settings)
    wait_for(lambda: len(mail.messages) == 2, what="the resend")
    wait_for(
        lambda: count(db_url, "SELECT count(*) FROM digest WHERE status = 'sent'") == 1, what="sent"
    )
    assert service.terminate()[0] == 0
    first, second = mail.messages
    assert first.message["Message-ID"] == second.message["Message-ID"]
    assert (
        count(db_url, "SELECT count(*) FROM digest WHERE status IN ('pending', 'sent', 'failed')")
        == 1
    )


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_three_instances_share_the_polling_and_send_one_digest(
    service_env: Callable[..., dict[str, str]],
    env: LocalServer,
    smtp: SmtpFactory,
    tmp_path: Path,
    db_url: str,
) -> None:
    mail = smtp()
    # A 2 s tick: an instance's heartbeat lasts one tick, renewed every half tick, so a
    # second of CPU starvation (the suite runs beside other tests) cannot cost it its claims.
    interval = 12.0
    settings = service_env(mail, poll_interval=str(interval), fetch_pages="false")
    feeds = 30
    for n in range(feeds):
        text = "\n".join(INADEQUATE_STORY.paragraphs) if n == 0 else "A council budget story."
        env.routes[f"/feeds/{n}.xml"] = Route(
            rss([Item(f"Story {n}", f"https://news.example/{n}", f"id-{n}", description=text)])
        )
    # Subscribe in one go (the service's first poll should find all of them).
    engine = make_engine(db_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO source (url, added_at, consecutive_failures) VALUES (:url, now(), 0)"
            ),
            [{"url": env.url(f"/feeds/{n}.xml")} for n in range(feeds)],
        )
    engine.dispose()
    instances = [Process(tmp_path / f"instance{i}.log", settings) for i in range(3)]

    def polled_by() -> list[Process]:
        return [p for p in instances if '"sources"' in p.text() or "poll: polled" in p.text()]

    def senders() -> list[Process]:
        return [p for p in instances if "now sends the digests" in p.text()]

    def polled_twice() -> bool:
        polls = recorded_polls(db_url)
        return len(polls) == feeds and all(len(spans) >= 2 for spans in polls.values())

    try:
        wait_for(
            lambda: polled_twice() and len(polled_by()) >= 2 and bool(mail.messages) and senders(),
            timeout=60,
            what="every source polled twice, by two instances at least, and a digest sent",
        )
        sending = senders()
    finally:
        for p in instances:
            p.popen.send_signal(signal.SIGTERM)
        results = [p.terminate(signalled=True) for p in instances]
    assert all(code == 0 and took < STOP_LIMIT for code, took in results), results

    # Each poll of a source is recorded (fetch_attempt) under the claim it was made with, and
    # a source is claimed again only once its next_poll_at (the end of its last poll plus the
    # interval, by the instances' clock) has come: so the recorded polls of one source never
    # overlap and never come closer than the interval, whichever instances made them.
    polls = recorded_polls(db_url)
    requests: dict[str, int] = defaultdict(int)
    for request in env.requests:
        requests[env.url(request.path)] += 1
    assert len(polls) == feeds and set(requests) == set(polls)
    # A poll cut short by the shutdown fetched without recording: at most one per such poll.
    cut_short = sum(
        int(found)
        for p in instances
        for found in re.findall(r"poll interrupted by shutdown: (\d+) cycles", p.text())
    )
    for url, spans in polls.items():
        assert len(spans) >= 2, url
        assert len(spans) <= requests[url] <= len(spans) + cut_short, (url, requests[url], spans)
        gaps = [later[0] - earlier[1] for earlier, later in itertools.pairwise(spans)]
        assert min(gaps) >= timedelta(seconds=interval), (url, gaps)  # never twice in one interval
    assert len(polled_by()) >= 2  # the work is shared
    assert len(mail.messages) == 1
    assert len(sending) == 1
