"""The web app served by uvicorn on 127.0.0.1 (a free port) in a thread, for tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from monitor.app import App
from monitor.web.server import WebServer


@contextmanager
def serve(app: App) -> Iterator[str]:
    """Serve `app` (its settings say how: MONITOR_WEB_BIND should end in :0); yields the URL."""
    web = WebServer(app)
    web.start()  # the socket already listens: requests wait in its backlog until uvicorn runs
    try:
        yield web.url.rstrip("/")
    finally:
        web.stop()


def csrf_of(client: httpx.Client, base: str) -> str:
    """The CSRF cookie a page sets (the forms repeat it)."""
    client.get(base + "/sources")
    token = client.cookies.get("monitor_csrf")
    assert token
    return token


def module_database(request: pytest.FixtureRequest, folder: Path) -> Iterator[str]:
    """A migrated, empty database for a module-scoped fixture parametrized "sqlite" or
    "postgresql" (as conftest's db_url, which is per test)."""
    if request.param == "sqlite":
        path = folder / "monitor.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        from tests.conftest import _postgres_database

        base, template = request.getfixturevalue("postgres_template")
        yield from _postgres_database(base, template)


@contextmanager
def module_environment(folder: Path, **settings: str) -> Iterator[pytest.MonkeyPatch]:
    """MONITOR_* settings for a module-scoped fixture: only `settings`, data in `folder`."""
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith("MONITOR_") and name != "MONITOR_TEST_POSTGRES_URL":
                mp.delenv(name)
        mp.setenv("MONITOR_DATA_DIR", str(folder / "data"))
        mp.setenv("MONITOR_LOAD_DEFAULT_FEEDS", "false")
        for name, value in settings.items():
            mp.setenv(f"MONITOR_{name.upper()}", value)
        yield mp
