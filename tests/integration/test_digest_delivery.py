"""The digest lifecycle on SQLite and PostgreSQL with a real SMTP server: selection, recording,
sending, retries, failures, claims and concurrent builders."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.app import open_app
from monitor.config import load_settings
from monitor.digest.lifecycle import DigestService
from monitor.models import Classification
from monitor.storage.digests import DigestStore
from tests.support.articles import add, inadequate
from tests.support.builders import SCHOOL_STORY
from tests.support.clock import Clock
from tests.support.factories import AppFactory
from tests.support.servers import LocalServer
from tests.support.smtp import Mailbox, SmtpFactory, text_body
from tests.support.stories import LOCAL, OTHER_COUNCIL, TRADE

START = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


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


def test_send_records_and_delivers_one_grouped_digest(
    make_app: AppFactory, smtp: SmtpFactory, clock: Clock
) -> None:
    server = smtp()
    app = make_app(server)
    trade = add(app, 1, "Harrowfield children's services rated inadequate", TRADE)
    add(
        app,
        2,
        "Council vows to act after damning Ofsted verdict",
        LOCAL,
        source_name="Harrowfield Gazette",
    )
    add(app, 3, "Dunmere children's services rated inadequate", OTHER_COUNCIL)
    add(app, 4, SCHOOL_STORY.title, "\n".join(SCHOOL_STORY.paragraphs))  # not relevant
    add(
        app, 5, "Holiday clubs and Ofsted", "x", classification=Classification(False, 0.22, (), "t")
    )
    add(app, 6, "History", TRADE.replace("Harrowfield", "Oldtown"), origin="backfill")
    clock.advance(hours=1)
    service: DigestService = app.digests()

    record, created = service.create("period-1")
    assert created and record.status == "pending"
    assert (record.item_count, record.near_miss_count) == (2, 1)
    assert record.recipients == ("policy@example.org", "dcs@example.org")
    outcome = service.send(record.id)
    assert outcome.status == "sent"

    [got] = server.messages
    assert got.rcpt_tos == ["policy@example.org", "dcs@example.org"]
    message = got.message
    assert message["Subject"] == "Ofsted & children's social care: 2 new articles (23 Nov 2026)"
    assert message["Message-ID"] == record.message_id
    text = text_body(message)
    assert "Also reported by:" in text and "Harrowfield Gazette" in text
    assert "Holiday clubs and Ofsted" in text  # near miss
    assert "Oldtown" not in text and SCHOOL_STORY.title not in text
    stored = DigestStore(app.engine)
    kept = stored.get(record.id)
    assert kept is not None and kept.status == "sent"
    assert stored.message(record.id) == got.data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")

    # Nothing new since: no email, and the same period is never built twice.
    again, created = service.create("period-2")
    assert again.status == "skipped"
    assert service.create("period-1") == (stored.get(record.id), False)
    assert len(server.messages) == 1 and trade


def test_empty_digest_is_sent_only_when_asked(make_app: AppFactory, smtp: SmtpFactory) -> None:
    server = smtp()
    service = make_app(server, digest_send_empty="true").digests()
    record, _ = service.create("p")
    assert record.status == "pending" and record.item_count == 0
    assert service.send(record.id).status == "sent"
    assert "no new articles" in str(server.messages[0].message["Subject"])


def test_transient_failure_is_retried_with_backoff_and_the_same_message(
    make_app: AppFactory, smtp: SmtpFactory, clock: Clock
) -> None:
    server = smtp(mailbox=Mailbox(replies=["451 4.3.0 Mailbox busy, try later"]))
    app = make_app(server)
    inadequate(app, 1)
    service = app.digests()
    record, _ = service.create("p1")
    outcome = service.send(record.id)
    assert outcome.status == "retry" and "451 4.3.0" in str(outcome.error)
    assert outcome.next_attempt_at == clock.now + timedelta(minutes=5)

    # New articles wait for the next digest: the pending one keeps its own.
    inadequate(app, 2, ago=0.1)
    assert service.retry_pending() == []  # not due yet
    clock.advance(minutes=6)
    [retried] = service.retry_pending()
    assert retried.status == "sent"
    [got] = server.messages
    assert got.message["Message-ID"] == record.message_id
    assert "Northmoor1" in text_body(got.message)
    following, _ = service.create("p2")
    assert following.item_count == 1
    service.send(following.id)
    assert "Northmoor2 " in text_body(server.messages[1].message)
    assert "Northmoor1 " not in text_body(server.messages[1].message)


def test_permanent_failure_is_recorded_and_its_articles_go_out_next_time(
    make_app: AppFactory, smtp: SmtpFactory, clock: Clock
) -> None:
    server = smtp(mailbox=Mailbox(replies=["550 5.7.1 Relaying denied"]))
    app = make_app(server)
    inadequate(app, 1)
    service = app.digests()
    first, _ = service.create("p1")
    assert service.send(first.id).status == "failed"
    failed = DigestStore(app.engine).get(first.id)
    assert failed is not None and failed.status == "failed"
    assert failed.last_error is not None and "550 5.7.1 Relaying denied" in failed.last_error
    assert service.retry_pending(ignore_backoff=True) == []  # a failed digest is not retried

    clock.advance(hours=24)
    second, _ = service.create("p2")
    assert second.item_count == 1 and second.window_start == first.window_start
    assert service.send(second.id).status == "sent"
    assert "Northmoor1" in text_body(server.messages[0].message)


def test_lost_reply_after_acceptance_resends_once_with_the_same_message_id(
    make_app: AppFactory, smtp: SmtpFactory, clock: Clock
) -> None:
    server = smtp(mailbox=Mailbox(drop_after_accept=1))
    app = make_app(server)
    inadequate(app, 1)
    service = app.digests()
    record, _ = service.create("p1")
    assert service.send(record.id).status == "retry"
    clock.advance(hours=1)
    assert [o.status for o in service.retry_pending()] == ["sent"]
    assert service.retry_pending(ignore_backoff=True) == []
    ids = [m.message["Message-ID"] for m in server.messages]
    assert ids == [record.message_id, record.message_id]


def test_disconnect_mid_data_then_success(
    make_app: AppFactory, smtp: SmtpFactory, clock: Clock
) -> None:
    server = smtp(mailbox=Mailbox(drop_mid_data=1))
    app = make_app(server)
    inadequate(app, 1)
    service = app.digests()
    record, _ = service.create("p1")
    assert service.send(record.id).status == "retry"
    assert server.messages == []
    assert [o.status for o in service.retry_pending(ignore_backoff=True)] == ["sent"]
    assert len(server.messages) == 1


def test_server_down_leaves_the_digest_pending_until_it_is_given_up(
    make_app: AppFactory, clock: Clock
) -> None:
    app = make_app(None, smtp_url="smtp://127.0.0.1:1", digest_to="a@example.org")
    inadequate(app, 1)
    service = app.digests()
    record, _ = service.create("p1")
    statuses = []
    for _ in range(8):
        statuses.append(service.send(record.id).status)
        clock.advance(hours=7)
    assert statuses == ["retry"] * 7 + ["failed"]
    final = DigestStore(app.engine).get(record.id)
    assert final is not None and final.last_error is not None
    assert final.last_error.startswith(
        "gave up after 8 attempts: cannot deliver to smtp://127.0.0.1:1"
    )


def test_one_sender_at_a_time_and_a_dead_senders_claim_expires(
    make_app: AppFactory, smtp: SmtpFactory, clock: Clock
) -> None:
    app = make_app(smtp())
    inadequate(app, 1)
    service = app.digests()
    record, _ = service.create("p1")
    store = DigestStore(app.engine)
    assert store.claim(record.id, clock.now, timedelta(minutes=5)) is not None  # then "crashed"
    assert service.send(record.id).status == "busy"
    clock.advance(minutes=6)
    assert service.send(record.id).status == "sent"
    assert service.send(record.id).status == "busy"  # sent: never again


def test_outbox_is_the_default(
    make_app: AppFactory, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level("INFO")
    app = make_app(None)
    inadequate(app, 1)
    service = app.digests()
    record, _ = service.create("p1")
    outcome = service.send(record.id)
    [written] = (tmp_path / "data" / "outbox").iterdir()
    assert outcome.where == str(written)
    assert str(written) in caplog.text
    assert written.read_bytes() == DigestStore(app.engine).message(record.id)


def test_concurrent_builders_never_share_an_article(
    make_app: AppFactory, db_url: str, smtp: SmtpFactory, clock: Clock
) -> None:
    """Four threads, each with its own engine (as separate processes have), build digests for
    their own periods and for one shared period at the same time."""
    app = make_app(smtp())
    for n in range(12):
        inadequate(app, n)
    results: list[tuple[int, bool]] = []
    errors: list[BaseException] = []

    def build(name: str) -> None:
        try:
            other = open_app(load_settings(), clock=clock, migrate=False)
            try:
                for period in (name, "shared"):
                    record, created = other.digests().create(period)
                    results.append((record.id, created))
            finally:
                other.engine.dispose()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=build, args=(f"t{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    created = {i for i, new in results if new}
    assert len(created) == 5  # four own periods and one shared
    with app.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT article_id, count(*) FROM digest_item GROUP BY article_id"
        ).all()
    assert len(rows) == 12 and all(count == 1 for _, count in rows)


def test_an_article_committed_late_is_not_lost(
    make_app: AppFactory, smtp: SmtpFactory, clock: Clock
) -> None:
    """A poll stamps first_seen_at when it fetches and commits later; a digest built in
    between must not leave the article behind."""
    server = smtp()
    app = make_app(server)
    inadequate(app, 1)
    service = app.digests()
    first, _ = service.create("p1")
    service.send(first.id)
    inadequate(app, 2, ago=0.5)  # first seen before p1 ended, stored after
    clock.advance(hours=24)
    second, _ = service.create("p2")
    assert second.item_count == 1


def test_coverage_comes_from_the_recorded_polls(make_app: AppFactory, clock: Clock) -> None:
    app = make_app(None)
    ok = app.store.add_source("https://ok.example/feed", "Working feed", None, clock.now)
    bad = app.store.add_source("https://bad.example/feed", "Broken feed", None, clock.now)
    app.store.add_source("https://never.example/feed", "Never polled", None, clock.now)
    app.store.record_poll_success(
        ok.id,
        started_at=clock.now,
        now=clock.now,
        http_status=200,
        etag=None,
        last_modified=None,
        entries=5,
        new_articles=2,
        warning=None,
        title=None,
        site_url=None,
        next_poll_at=clock.now,
    )
    app.store.record_poll_failure(
        bad.id,
        started_at=clock.now,
        now=clock.now,
        error="HTTP 500 Internal Server Error",
        http_status=500,
        counted=True,
        next_poll_at=clock.now,
    )
    inadequate(app, 1)
    clock.advance(hours=1)
    digest, message = app.digests().preview()
    states = {c.name: c.state for c in digest.coverage}
    assert states == {"Working feed": "ok", "Broken feed": "failing", "Never polled": "not polled"}
    text = text_body(message)
    assert "Failing: Broken feed (1 of 1 polls failed): HTTP 500 Internal Server Error" in text
    assert DigestStore(app.engine).list() == []  # a preview records nothing
