"""The fetcher against a real local server: validators, caps, deadlines, redirects, the guard."""

from __future__ import annotations

import asyncio
import gzip
import time
import zlib
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from monitor.errors import BlockedURLError, FetchError
from monitor.ingest.fetch import Fetcher, FetchPolicy, parse_retry_after
from monitor.ingest.netguard import AllowList
from monitor.models import FetchResult
from tests.support.servers import CountingListener, LocalServer, Route

POLICY = FetchPolicy(
    connect_timeout=2,
    read_timeout=1,
    deadline=2,
    max_redirects=3,
    max_connections=8,
    max_per_host=2,
    user_agent="monitor-test",
)


def fetch(
    server: LocalServer,
    path: str,
    *,
    allow: list[str] | None = None,
    max_bytes: int = 1 << 20,
    **kw: Any,
) -> FetchResult:
    async def run() -> FetchResult:
        hosts = [server.host] if allow is None else allow
        async with Fetcher(POLICY, AllowList.parse(hosts)) as fetcher:
            return await fetcher.fetch(
                server.url(path) if path.startswith("/") else path, max_bytes=max_bytes, **kw
            )

    return asyncio.run(run())


def test_plain_get_sends_our_user_agent_and_returns_lowercase_headers(server: LocalServer) -> None:
    server.routes["/feed"] = Route(b"<rss/>", headers={"X-Thing": "1"})
    result = fetch(server, "/feed")
    assert result.status == 200 and result.body == b"<rss/>"
    assert result.headers["x-thing"] == "1"
    assert server.requests[0].headers["user-agent"] == "monitor-test"


def test_conditional_request_gets_304_with_empty_body(server: LocalServer) -> None:
    server.routes["/feed"] = Route(
        b"<rss/>", etag='"v1"', last_modified="Mon, 16 Nov 2026 09:00:00 GMT"
    )
    first = fetch(server, "/feed")
    second = fetch(
        server, "/feed", etag=first.headers["etag"], last_modified=first.headers["last-modified"]
    )
    assert second.not_modified and second.body == b""
    assert server.requests[1].headers["if-none-match"] == '"v1"'
    assert server.requests[1].headers["if-modified-since"] == "Mon, 16 Nov 2026 09:00:00 GMT"


def test_connections_are_reused_after_304s_and_redirects(server: LocalServer) -> None:
    server.routes["/feed"] = Route(b"<rss/>", etag='"v1"')
    server.routes["/old"] = Route(b"moved", status=301, headers={"Location": "/feed"})

    async def run() -> None:
        async with Fetcher(POLICY, AllowList.parse([server.host])) as fetcher:
            for _ in range(5):
                await fetcher.fetch(server.url("/feed"), max_bytes=100, etag='"v1"')
                await fetcher.fetch(server.url("/old"), max_bytes=100)

    asyncio.run(run())
    assert len(server.requests) == 15
    assert len({r.client_port for r in server.requests}) == 1


@pytest.mark.parametrize("status", [404, 410, 500])
def test_error_statuses_raise_with_the_status(server: LocalServer, status: int) -> None:
    server.routes["/x"] = Route(b"oops", status=status)
    with pytest.raises(FetchError, match=f"HTTP {status}") as caught:
        fetch(server, "/x")
    assert caught.value.status == status


def test_429_carries_retry_after(server: LocalServer) -> None:
    server.routes["/x"] = Route(b"", status=429, headers={"Retry-After": "120"})
    with pytest.raises(FetchError) as caught:
        fetch(server, "/x")
    assert caught.value.retry_after == 120


def test_retry_after_as_http_date() -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert parse_retry_after("Mon, 23 Nov 2026 12:10:00 GMT", now) == 600
    assert parse_retry_after("nonsense", now) is None


def test_connection_refused_is_a_fetch_error() -> None:
    listener = CountingListener()
    port = listener.port
    listener.stop()  # nothing listens there any more

    async def run() -> None:
        async with Fetcher(POLICY, AllowList.parse([f"127.0.0.1:{port}"])) as fetcher:
            await fetcher.fetch(f"http://127.0.0.1:{port}/", max_bytes=100)

    with pytest.raises(FetchError, match="cannot connect"):
        asyncio.run(run())


def test_a_dripping_server_is_cut_off_at_the_total_deadline(server: LocalServer) -> None:
    # One byte every 0.3 s never trips the 1 s read timeout; the 2 s deadline stops it.
    server.routes["/drip"] = Route(b"x" * 1000, drip_interval=0.3)
    started = time.monotonic()
    with pytest.raises(FetchError, match="deadline"):
        fetch(server, "/drip")
    assert time.monotonic() - started < 3.5


def test_a_stalled_body_times_out(server: LocalServer) -> None:
    server.routes["/stall"] = Route(b"<rss>" + b"x" * 5000, stall_after=100)
    with pytest.raises(FetchError, match=r"timed out|deadline"):
        fetch(server, "/stall")


def test_endless_response_stops_at_the_cap(server: LocalServer) -> None:
    server.routes["/endless"] = Route(endless=True)
    with pytest.raises(FetchError, match="larger than the cap"):
        fetch(server, "/endless", max_bytes=256 * 1024)


def test_declared_oversize_is_refused_before_reading(server: LocalServer) -> None:
    server.routes["/big"] = Route(b"x" * 5000)
    with pytest.raises(FetchError, match="exceeds the cap"):
        fetch(server, "/big", max_bytes=1000)


def test_gzip_bomb_stops_at_the_cap_after_decompression(server: LocalServer) -> None:
    bomb = gzip.compress(b"\0" * (200 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 300 * 1024
    server.routes["/bomb"] = Route(bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="after decompression"):
        fetch(server, "/bomb", max_bytes=10 * 1024 * 1024)


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS])
def test_deflate_zlib_and_raw_are_decoded(server: LocalServer, wbits: int) -> None:
    packer = zlib.compressobj(wbits=wbits)
    server.routes["/d"] = Route(
        packer.compress(b"<rss>deflated</rss>") + packer.flush(),
        headers={"Content-Encoding": "deflate"},
    )
    assert fetch(server, "/d").body == b"<rss>deflated</rss>"


def test_gzip_is_decoded(server: LocalServer) -> None:
    server.routes["/g"] = Route(b"<rss>zipped</rss>", gzip=True)
    assert fetch(server, "/g").body == b"<rss>zipped</rss>"


def test_corrupt_gzip_is_a_clear_error(server: LocalServer) -> None:
    server.routes["/g"] = Route(
        b"\x1f\x8b\x08\x00garbage-not-gzip", headers={"Content-Encoding": "gzip"}
    )
    with pytest.raises(FetchError, match="corrupt gzip"):
        fetch(server, "/g")


def _redirect(location: str, status: int = 302) -> Route:
    return Route(b"", status=status, headers={"Location": location})


def test_redirects_are_followed_and_the_final_url_reported(server: LocalServer) -> None:
    server.routes["/old"] = _redirect("/moved", 301)
    server.routes["/moved"] = _redirect(server.url("/feed"), 307)
    server.routes["/feed"] = Route(b"<rss/>")
    result = fetch(server, "/old")
    assert result.final_url == server.url("/feed") and result.body == b"<rss/>"


def test_redirect_loop_is_detected(server: LocalServer) -> None:
    server.routes["/a"] = _redirect("/b")
    server.routes["/b"] = _redirect("/a")
    with pytest.raises(FetchError, match="redirect loop"):
        fetch(server, "/a")


def test_too_many_redirects(server: LocalServer) -> None:
    for i in range(6):
        server.routes[f"/r{i}"] = _redirect(f"/r{i + 1}")
    with pytest.raises(FetchError, match="more than 3 redirects"):
        fetch(server, "/r0")


def test_redirect_to_a_refused_address_never_connects(server: LocalServer) -> None:
    victim = CountingListener()
    try:
        server.routes["/go"] = _redirect(f"http://127.0.0.1:{victim.port}/admin")
        with pytest.raises(BlockedURLError, match="loopback"):
            fetch(server, "/go")
        time.sleep(0.2)
        assert victim.connections == 0
    finally:
        victim.stop()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]"])
def test_refused_addresses_receive_no_connection_at_all(host: str) -> None:
    victim = CountingListener()
    try:

        async def run() -> None:
            async with Fetcher(POLICY, AllowList.parse([])) as fetcher:
                await fetcher.fetch(f"http://{host}:{victim.port}/", max_bytes=100)

        with pytest.raises(BlockedURLError, match="loopback"):
            asyncio.run(run())
        time.sleep(0.2)
        assert victim.connections == 0
    finally:
        victim.stop()


def test_redirect_from_https_to_http_is_refused() -> None:
    # No TLS server here: an httpx transport stands in for the network, and the redirect is
    # refused before any request to the plain-http address is made.
    requested: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://secure.example/b"})

    async def run() -> None:
        transport = httpx.MockTransport(handler)
        async with Fetcher(POLICY, AllowList.parse([]), transport=transport) as fetcher:
            await fetcher.fetch("https://secure.example/a", max_bytes=1000)

    with pytest.raises(BlockedURLError, match="https to plain http"):
        asyncio.run(run())
    assert requested == ["https://secure.example/a"]


def test_redirect_to_another_scheme_is_refused(server: LocalServer) -> None:
    server.routes["/go"] = _redirect("file:///etc/passwd")
    with pytest.raises(BlockedURLError, match="scheme"):
        fetch(server, "/go")


def test_proxy_settings_in_the_environment_are_ignored(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim = CountingListener()
    try:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{victim.port}")
        monkeypatch.setenv("ALL_PROXY", f"http://127.0.0.1:{victim.port}")
        server.routes["/feed"] = Route(b"<rss/>")
        assert fetch(server, "/feed").body == b"<rss/>"
        assert victim.connections == 0
    finally:
        victim.stop()


def test_per_host_concurrency_is_limited(server: LocalServer) -> None:
    active = 0
    peak = 0

    def slow(handler: Any) -> None:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        time.sleep(0.2)
        active -= 1
        handler.send_response(200)
        handler.send_header("Content-Length", "2")
        handler.end_headers()
        handler.wfile.write(b"ok")

    server.routes["/slow"] = Route(handler=slow)

    async def run() -> None:
        async with Fetcher(POLICY, AllowList.parse([server.host])) as fetcher:
            await asyncio.gather(
                *(fetcher.fetch(server.url("/slow"), max_bytes=10) for _ in range(6))
            )

    asyncio.run(run())
    assert peak == POLICY.max_per_host
