from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

import monitor.app
import monitor.cli.classify
from monitor.app import App, open_app
from monitor.config import load_settings
from monitor.ingest.workers import WorkerPool
from monitor.storage.db import make_engine, upgrade
from tests.support.classifiers import caching
from tests.support.databases import PostgresDatabases
from tests.support.servers import LocalServer
from tests.support.smtp import SmtpFactory

PG_URL_ENV = "MONITOR_TEST_POSTGRES_URL"


@pytest.hookimpl(trylast=True)  # after xdist's own (which names the groups on older pytest)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: two workers per core, at most 8. Most of the suite's time is spent waiting
    (on the service's processes, local servers, PostgreSQL and timers), so a core serves two
    workers: 4 workers on this project's 2 cores took 3:03 where 2 took 4:11. Each worker
    holds PostgreSQL connections and a template database of its own: 8 stays well within a
    default server's 100 connections."""
    return min(2 * (os.cpu_count() or 1), 8)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The slow tests first, and each xdist_group on one worker.

    A worker takes more tests as it runs out (`--dist loadgroup`, after the xdist groups,
    largest first), so a long test collected last (the unit tests come last) would keep one
    worker busy while the other has finished: started first, the long ones are spread over
    both and the short ones fill in behind them.

    xdist (3.8) tells the scheduler an item's group by appending "@group" to its node id, by
    assigning `item._nodeid`; pytest 9.2 keeps the node id elsewhere (`item._id`), so the
    suffix never appears and every test of a group may go to any worker, each building the
    module's servers and browser again (pytest-dev/pytest-xdist#1386). Done here instead,
    where xdist's did not take."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
    if not config.getoption("loadgroup", False):  # set on the workers of `--dist loadgroup`
        return
    for item in items:
        names = sorted(
            {
                str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                for m in item.iter_markers("xdist_group")
            }
        )
        suffix = "@" + "_".join(names)
        if names and not item.nodeid.endswith(suffix):
            from _pytest.nodeid import NodeId  # pytest 9.2: only where the suffix is missing

            item._id = NodeId.parse(item.nodeid + suffix)
            assert item.nodeid.endswith(suffix), item.nodeid


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No MONITOR_* setting leaks in from the developer's shell; data goes to tmp_path, and so
    does anything a test or the command it runs writes to the current directory (never the
    checkout)."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("MONITOR_") and name != PG_URL_ENV:
            monkeypatch.delenv(name)
    monkeypatch.setenv("MONITOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MONITOR_LOAD_DEFAULT_FEEDS", "false")
    monkeypatch.setenv("MONITOR_REQUEST_DEADLINE", "3")
    monkeypatch.setenv("MONITOR_READ_TIMEOUT", "2")
    monkeypatch.setenv("MONITOR_CONNECT_TIMEOUT", "2")
    monkeypatch.setenv("MONITOR_WORKER_TIMEOUT", "10")
    monkeypatch.setenv("MONITOR_WEB_BIND", "")  # tests that serve the app pick a free port


@pytest.fixture(scope="session", autouse=True)
def classifier_built_once() -> Iterator[None]:
    """`build_classifier` (in `open_app` and the classify commands) memoised on the bytes of
    the files it reads: see tests/support/classifiers.py."""
    cached, _ = caching(monitor.app.build_classifier)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(monitor.app, "build_classifier", cached)
        mp.setattr(monitor.cli.classify, "build_classifier", cached)
        yield


@pytest.fixture(autouse=True)
def no_stale_log_handlers() -> Iterator[None]:
    """The command line run in process (`monitor.log.configure_logging`) puts a handler on the
    root logger that writes to the stderr of that moment: this test's capture stream, closed
    when the test ends. Removed after each test, so that a later log line (uvicorn's thread
    in a served app, the pollers) is not a 'Logging error ... I/O operation on closed file'."""
    yield
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_monitor", False):
            root.removeHandler(handler)
            handler.close()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    local = LocalServer()
    yield local
    local.stop()


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpFactory]:
    """Starts aiosmtpd servers on 127.0.0.1: `smtp()`, `smtp("starttls")`, `smtp("smtps")`."""
    factory = SmtpFactory(tmp_path)
    yield factory
    for started in factory.started:
        started.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[tuple[str, str]]:
    """(the server URL, the name of a migrated template database of this test run's own, so
    that runs sharing one server do not drop each other's template)."""
    base = os.environ.get(PG_URL_ENV)
    if not base:
        pytest.skip(f"{PG_URL_ENV} is not set: PostgreSQL tests skipped")
    name = f"monitor_template_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(make_engine(base).url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    template_url = admin.url.set(database=name)
    engine = make_engine(template_url.render_as_string(hide_password=False))
    upgrade(engine)
    engine.dispose()
    yield base, name
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


def _postgres_database(base: str, template: str | None) -> Iterator[str]:
    admin = sa.create_engine(make_engine(base).url, isolation_level="AUTOCOMMIT")
    name = f"t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        suffix = f" TEMPLATE {template}" if template else ""
        conn.exec_driver_sql(f"CREATE DATABASE {name}{suffix}")
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_databases(postgres_template: tuple[str, str]) -> Iterator[PostgresDatabases]:
    """This worker's fresh databases from its template (tests/support/databases.py)."""
    databases = PostgresDatabases(*postgres_template)
    yield databases
    databases.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: a copied SQLite file, or a PostgreSQL database from a template."""
    if request.param == "sqlite":
        path = tmp_path / "monitor.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
        name = databases.take()
        try:
            yield databases.url(name)
        finally:
            databases.give_back(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no schema at all, for migration tests."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
    else:
        base = os.environ.get(PG_URL_ENV)
        if not base:
            pytest.skip(f"{PG_URL_ENV} is not set: PostgreSQL tests skipped")
        yield from _postgres_database(base, None)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, db_url: str, server: LocalServer) -> LocalServer:
    """Settings pointing at the test database and allowing the local HTTP server."""
    monkeypatch.setenv("MONITOR_DATABASE_URL", db_url)
    monkeypatch.setenv("MONITOR_ALLOW_HOSTS", server.host)
    return server


@pytest.fixture
def app(env: LocalServer) -> Iterator[App]:
    instance = open_app(load_settings())
    yield instance
    instance.engine.dispose()


@pytest.fixture(scope="session")
def workers() -> Iterator[WorkerPool]:
    with WorkerPool(2, timeout=10, memory_mb=1024) as pool:
        yield pool
