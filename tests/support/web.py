"""The web app served by uvicorn on 127.0.0.1 (a free port) in a thread, for tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx

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
