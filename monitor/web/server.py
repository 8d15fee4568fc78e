"""Serving the web app with uvicorn: on its own (`monitor web`) or in a thread beside the
scheduler (`monitor run`). The socket is bound first, so a port already taken is a
ConfigError (one line, exit 2) before anything else starts."""

from __future__ import annotations

import errno
import logging
import socket
import threading

import uvicorn

from monitor.app import App
from monitor.errors import ConfigError
from monitor.web.app import create_app
from monitor.web.security import Auth

log = logging.getLogger(__name__)


def parse_bind(value: str) -> tuple[str, int]:
    """`HOST:PORT` (`[::1]:8080` for IPv6); raises ConfigError."""
    host, sep, port = value.strip().rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535 or not host:
        raise ConfigError(f"MONITOR_WEB_BIND {value!r} is not HOST:PORT (e.g. 127.0.0.1:8080)")
    return host.strip("[]") if host.startswith("[") else host, int(port)


def bind_socket(value: str) -> socket.socket:
    host, port = parse_bind(value)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are
    # TCP, and without it each response (headers, then body) waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(f"MONITOR_WEB_BIND {value}: the port is already in use") from exc
        raise ConfigError(f"MONITOR_WEB_BIND {value}: cannot listen there: {exc}") from exc
    sock.listen(128)
    return sock


class WebServer:
    """The app on a bound socket; `run()` in the foreground or `start()` in a thread."""

    def __init__(self, app: App) -> None:
        host, _ = parse_bind(app.settings.web_bind)
        auth = Auth.from_settings(app.settings, app.signer(), host)  # refuses before binding
        self.socket = bind_socket(app.settings.web_bind)
        address = self.socket.getsockname()
        shown = f"[{address[0]}]" if ":" in address[0] else address[0]
        self.url = f"http://{shown}:{address[1]}/"
        self.asgi = create_app(app, auth)
        config = uvicorn.Config(
            self.asgi,
            log_config=None,
            access_log=False,
            lifespan="off",
            server_header=False,
            proxy_headers=False,
        )
        self.server = uvicorn.Server(config)
        self.mode = auth.mode
        self._thread: threading.Thread | None = None

    def announce(self) -> None:
        login = {"none": "no login (local only)", "password": "password login"}.get(
            self.mode, "user from the proxy header"
        )
        log.info("web app at %s (%s)", self.url, login, extra={"url": self.url})

    def run(self) -> None:
        self.announce()
        self.server.run(sockets=[self.socket])

    def start(self) -> None:
        self.announce()
        self._thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, name="web", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self.socket.close()
