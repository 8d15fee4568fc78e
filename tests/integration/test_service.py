"""The service's jobs with a controllable clock (no sleeping), on SQLite and PostgreSQL:
one digest per period, double fires, restarts, missed runs, the clock change, the digest
lock and source claims."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from monitor.app import App, open_app
from monitor.config import load_settings
from monitor.storage.digests import DigestStore
from tests.support.articles import inadequate
from tests.support.clock import Clock
from tests.support.factories import ServiceFactory
from tests.support.servers import LocalServer
from tests.support.smtp import SmtpFactory, SmtpServer, text_body


@pytest.fixture
def service_factory(
    env: LocalServer, smtp: SmtpFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ServiceFactory]:
    server = smtp()
    monkeypatch.setenv("MONITOR_SMTP_URL", f"smtp://127.0.0.1:{server.port}")
    monkeypatch.setenv("MONITOR_DIGEST_TO", "desk@example.org")
    factory = ServiceFactory(monkeypatch, server)
    yield factory
    factory.close()


def sent(server: SmtpServer) -> list[str]:
    return [str(m.message["Subject"]) for m in server.messages]


def test_one_digest_per_period_whatever_fires(service_factory: ServiceFactory) -> None:
    clock = Clock(datetime(2026, 11, 23, 6, 0, tzinfo=UTC))
    service = service_factory(clock)
    server = service_factory.server
    inadequate(service.app, 1)
    clock.now = datetime(2026, 11, 23, 7, 0, 0, 5000, tzinfo=UTC)
    service.digest_job()
    service.digest_job()  # a double fire
    clock.advance(hours=3)
    service.digest_job()  # a late extra run in the same period
    assert len(server.messages) == 1
    records = DigestStore(service.app.engine).list()
    assert [r.period for r in records] == ["schedule/2026-11-23T07:00:00"]

    # A restart (a new process) in the same period makes nothing new either.
    service.digest_lock.release()
    again = service_factory(clock)
    again.digest_job()
    assert len(server.messages) == 1


def test_missed_days_are_one_digest_on_start_up(service_factory: ServiceFactory) -> None:
    clock = Clock(datetime(2026, 11, 20, 7, 0, tzinfo=UTC))
    service = service_factory(clock)
    server = service_factory.server
    inadequate(service.app, 1)
    service.digest_job()  # Friday's digest
    inadequate(service.app, 2, ago=0)
    # Down from Friday 08:00 to Monday 09:30: three digests missed; one on start-up.
    clock.now = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    inadequate(service.app, 3, ago=24)
    service.digest_lock.release()
    restarted = service_factory(clock)
    restarted.digest_job()
    assert len(server.messages) == 2
    text = text_body(server.messages[1].message)
    assert "Northmoor2 " in text and "Northmoor3 " in text and "Northmoor1 " not in text
    latest = DigestStore(service.app.engine).list()[0]
    assert latest.period == "schedule/2026-11-23T07:00:00"
    assert latest.window_start == datetime(2026, 11, 20, 7, 0, tzinfo=UTC)


def test_nothing_is_sent_for_periods_before_the_first_start(
    service_factory: ServiceFactory,
) -> None:
    clock = Clock(datetime(2026, 11, 23, 15, 0, tzinfo=UTC))
    service = service_factory(clock, first_started=clock.now)
    inadequate(service.app, 1)
    service.digest_job()  # installed at 15:00: this morning's 07:00 was not missed
    assert service_factory.server.messages == []
    clock.now = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    service.digest_job()
    assert len(service_factory.server.messages) == 1


def test_autumn_clock_change_double_fire_sends_one_digest(service_factory: ServiceFactory) -> None:
    clock = Clock(datetime(2026, 10, 24, 12, 0, tzinfo=UTC))
    service = service_factory(clock, cron="30 1 * * *")
    inadequate(service.app, 1)
    for fire in (
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    ):
        clock.now = fire  # 01:30 BST, then 01:30 GMT
        inadequate(service.app, int(fire.hour) + 10, ago=0.1)
        service.digest_job()
    assert len(service_factory.server.messages) == 1
    [record] = DigestStore(service.app.engine).list()
    assert record.period == "schedule/2026-10-25T01:30:00"


def test_one_digest_sender_and_takeover(service_factory: ServiceFactory) -> None:
    clock = Clock(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))
    first, second = service_factory(clock), service_factory(clock)
    inadequate(first.app, 1)
    assert first._is_digest_sender() and not second._is_digest_sender()
    second.digest_job()
    assert service_factory.server.messages == []
    # The sender "dies" after claiming a digest, mid-send: its lock goes with it.
    record, _ = first.digests.create("schedule/2026-11-23T07:00:00")
    assert DigestStore(first.app.engine).claim(record.id, clock.now, timedelta(hours=1))
    first.digest_lock.release()
    second.digest_job()  # takes over, forgets the dead claim, sends the same digest
    [got] = service_factory.server.messages
    assert got.message["Message-ID"] == record.message_id
    assert second.app.store.get_meta("digest_sender") is not None


def test_concurrent_claims_never_share_a_source(db_url: str, env: LocalServer) -> None:
    app: App = open_app(load_settings())
    now = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    for n in range(60):
        app.store.add_source(f"https://feeds.example/{n}.xml", None, None, now)
    claimed: list[list[int]] = []
    errors: list[BaseException] = []

    def claim() -> None:
        other = open_app(load_settings(), migrate=False)
        try:
            for _ in range(3):
                claimed.append(
                    [s.id for s in other.store.claim_due_sources(now, hold=timedelta(minutes=15))]
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            other.engine.dispose()

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    ids = [i for batch in claimed for i in batch]
    assert sorted(ids) == sorted({s.id for s in app.store.list_sources()})  # each exactly once
    later = now + timedelta(minutes=16)
    assert (
        len(app.store.claim_due_sources(later, hold=timedelta(minutes=15))) == 60
    )  # a dead claimer's sources come back
    app.engine.dispose()
