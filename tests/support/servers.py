"""A real HTTP server on 127.0.0.1 with a route table and the faults the poller must survive."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str | None = "application/rss+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    gzip: bool = False
    stall_after: int | None = None  # send this many body bytes, then hang
    drip_interval: float | None = None  # send one byte per interval
    endless: bool = False  # stream zeros forever (bounded by the server's stop)
    handler: Callable[[BaseHTTPRequestHandler], None] | None = None


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    client_port: int = 0
    at: float = field(default_factory=time.monotonic)


class LocalServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def handle(self) -> None:
                # A client that gives up on a reply (an error status, a cap reached) closes
                # with part of it unread, so its kernel answers with a reset: this thread
                # then sees ConnectionResetError waiting for the next request on the
                # keep-alive connection (or BrokenPipeError still writing). That is the
                # client's right, not a server error for socketserver to print.
                try:
                    super().handle()
                except ConnectionError:
                    self.close_connection = True

            def do_GET(self) -> None:
                server.requests.append(
                    Request(self.path, {k.lower(): v for k, v in self.headers.items()})
                )
                route = server.routes.get(self.path) or server.routes.get(self.path.split("?")[0])
                if route is None:
                    self._send(404, b"not found", "text/plain")
                    return
                if route.handler is not None:
                    route.handler(self)
                    return
                server._serve(self, route)

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"http://{self.host}{path}"

    def hits(self, path: str) -> int:
        return sum(1 for r in self.requests if r.path == path)

    def _serve(self, handler: BaseHTTPRequestHandler, route: Route) -> None:
        request_etag = handler.headers.get("If-None-Match")
        request_modified = handler.headers.get("If-Modified-Since")
        if (route.etag and request_etag == route.etag) or (
            route.last_modified and not route.etag and request_modified == route.last_modified
        ):
            handler.send_response(304)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        body = gzip.compress(route.body) if route.gzip else route.body
        handler.send_response(route.status)
        if route.content_type is not None:
            handler.send_header("Content-Type", route.content_type)
        if route.gzip:
            handler.send_header("Content-Encoding", "gzip")
        if route.etag:
            handler.send_header("ETag", route.etag)
        if route.last_modified:
            handler.send_header("Last-Modified", route.last_modified)
        for name, value in route.headers.items():
            handler.send_header(name, value)
        streaming = route.endless or route.drip_interval or route.stall_after is not None
        if streaming:
            handler.send_header("Connection", "close")
        else:
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        try:
            if route.endless:
                chunk = b"<rss>" + b"0" * 65536
                while not self.stopping.is_set():
                    handler.wfile.write(chunk)
            elif route.drip_interval:
                for byte in body:
                    if self.stopping.wait(route.drip_interval):
                        return
                    handler.wfile.write(bytes([byte]))
                    handler.wfile.flush()
            elif route.stall_after is not None:
                handler.wfile.write(body[: route.stall_after])
                handler.wfile.flush()
                self.stopping.wait(30)
            else:
                handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        if streaming:
            handler.close_connection = True

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()


class CountingListener:
    """A TCP port that only counts connection attempts: proof that nothing connected."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._sock.close()


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()
