"""The only code that touches the network: an httpx client with the SSRF guard built in.

Guarantees, each tested against a local server:
- every connection goes to an address `netguard` accepted at connect time, on every hop;
- redirects are followed by hand (bounded, loop-checked, never https -> http);
- a total deadline per request (httpx's own timeouts are per read);
- size caps apply to the *decompressed* body as it streams (a gzip bomb stops at the cap);
- proxies come from MONITOR_PROXY_URL only, never from the environment.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import zlib
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import anyio
import httpcore
import httpx

from monitor.errors import BlockedURLError, FetchError
from monitor.ingest.netguard import AllowList, check_address, check_url
from monitor.models import Clock, FetchResult, utcnow

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
_DRAIN_LIMIT = 64 * 1024
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves host names itself and connects only to addresses the SSRF policy accepts."""

    def __init__(self, allow: AllowList) -> None:
        self._allow = allow
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if self._allow.allows(host, port):
            targets = [host]
        else:
            targets = await self._public_addresses(host, port)
        last_error: Exception | None = None
        for address in targets:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:  # try the next address, as a resolver would
                last_error = exc
        raise FetchError(f"cannot connect to {host}:{port}: {last_error}") from last_error

    async def _public_addresses(self, host: str, port: int) -> list[str]:
        try:
            infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, anyio.BrokenResourceError) as exc:
            raise FetchError(f"cannot resolve host {host}: {exc}", network=True) from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        refusals = []
        allowed = []
        for address in addresses:
            try:
                check_address(host, port, address, self._allow)
                allowed.append(address)
            except BlockedURLError as exc:
                refusals.append(exc)
        if not allowed:
            raise refusals[0] if refusals else FetchError(f"no address for host {host}")
        return allowed

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedURLError("unix sockets are never used")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its connection pool built on GuardedBackend."""

    def __init__(self, allow: AllowList, limits: httpx.Limits, proxy: str | None) -> None:
        super().__init__(limits=limits, trust_env=False, proxy=proxy)
        backend = GuardedBackend(AllowList(allow.entries | _proxy_entry(proxy)))
        context = ssl.create_default_context()
        pool_options: dict[str, Any] = {
            "ssl_context": context,
            "max_connections": limits.max_connections,
            "max_keepalive_connections": limits.max_keepalive_connections,
            "keepalive_expiry": limits.keepalive_expiry,
            "network_backend": backend,
        }
        if proxy is None:
            self._pool = httpcore.AsyncConnectionPool(**pool_options)
        else:
            proxy_url = httpx.URL(proxy)
            self._pool = httpcore.AsyncHTTPProxy(
                proxy_url=httpcore.URL(
                    scheme=proxy_url.raw_scheme,
                    host=proxy_url.raw_host,
                    port=proxy_url.port,
                    target=proxy_url.raw_path,
                ),
                **pool_options,
            )


def _proxy_entry(proxy: str | None) -> frozenset[tuple[str, int | None]]:
    if not proxy:
        return frozenset()
    parts = urlsplit(proxy)
    return frozenset({((parts.hostname or "").lower(), parts.port)})


@dataclass(frozen=True)
class FetchPolicy:
    connect_timeout: float
    read_timeout: float
    deadline: float
    max_redirects: int
    max_connections: int
    max_per_host: int
    user_agent: str


class Fetcher:
    """Async HTTP GETs with validators, caps, deadlines and the SSRF guard.

    Use as `async with Fetcher(...) as fetcher:`. Failures raise FetchError or
    BlockedURLError with a message fit to show a user. `transport` replaces the network (and
    with it the connect-time address check) for tests; the URL and redirect checks remain.
    """

    def __init__(
        self,
        policy: FetchPolicy,
        allow: AllowList,
        *,
        proxy: str | None = None,
        clock: Clock = utcnow,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._policy = policy
        self._clock = clock
        self._proxy = proxy
        limits = httpx.Limits(
            max_connections=policy.max_connections,
            max_keepalive_connections=policy.max_connections,
        )
        self._client = httpx.AsyncClient(
            transport=transport or GuardedTransport(allow, limits, proxy),
            timeout=httpx.Timeout(
                policy.read_timeout, connect=policy.connect_timeout, pool=policy.deadline
            ),
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate"},
        )
        self._global = asyncio.Semaphore(policy.max_connections)
        self._per_host: dict[str, asyncio.Semaphore] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._client.aclose()

    @contextlib.asynccontextmanager
    async def _slot(self, host: str) -> AsyncIterator[None]:
        per_host = self._per_host.setdefault(host, asyncio.Semaphore(self._policy.max_per_host))
        async with per_host, self._global:
            yield

    async def fetch(
        self,
        url: str,
        *,
        max_bytes: int,
        accept: str = PAGE_ACCEPT,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResult:
        """GET `url`, following redirects; a 304 comes back as a result with an empty body.

        The deadline starts when the first request is sent, not while it waits for a slot
        behind other requests to the same host.
        """
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        loop = asyncio.get_running_loop()
        deadline_at: float | None = None
        current = url
        visited = {url}
        for _hop in range(self._policy.max_redirects + 1):
            check_url(current)
            async with self._slot(urlsplit(current).hostname or ""):
                deadline_at = deadline_at or loop.time() + self._policy.deadline
                try:
                    async with asyncio.timeout_at(deadline_at):
                        response = await self._send(current, headers)
                        try:
                            location = response.headers.get("location")
                            if response.status_code in _REDIRECTS and location:
                                current = self._next_hop(current, location, visited)
                                await _drain(response)
                                continue
                            return await self._complete(url, current, response, max_bytes)
                        finally:
                            await response.aclose()
                except TimeoutError as exc:
                    raise FetchError(
                        f"no complete response within the {self._policy.deadline:g} s deadline "
                        "(MONITOR_REQUEST_DEADLINE)",
                        url=url,
                    ) from exc
        raise FetchError(
            f"more than {self._policy.max_redirects} redirects (MONITOR_MAX_REDIRECTS)", url=url
        )

    def _next_hop(self, current: str, location: str, visited: set[str]) -> str:
        target = urljoin(current, location.strip())
        if urlsplit(current).scheme == "https" and urlsplit(target).scheme == "http":
            raise BlockedURLError(
                f"refused redirect from https to plain http: {target}", url=target
            )
        if target in visited:
            raise FetchError(f"redirect loop at {target}", url=current)
        visited.add(target)
        return target

    async def _send(self, url: str, headers: dict[str, str]) -> httpx.Response:
        try:
            request = self._client.build_request("GET", url, headers=headers)
            return await self._client.send(request, stream=True)
        except (BlockedURLError, FetchError) as exc:
            exc.url = exc.url or url
            raise
        except httpx.TimeoutException as exc:
            raise FetchError(f"timed out: {type(exc).__name__}", url=url) from exc
        except httpx.ConnectError as exc:
            raise FetchError(f"cannot connect: {exc or 'connection failed'}", url=url) from exc
        except (httpx.HTTPError, httpx.InvalidURL, ssl.SSLError, OSError) as exc:
            raise FetchError(f"request failed: {exc or type(exc).__name__}", url=url) from exc

    async def _complete(
        self, url: str, final_url: str, response: httpx.Response, max_bytes: int
    ) -> FetchResult:
        status = response.status_code
        headers = {k.lower(): v for k, v in response.headers.items()}
        if status == 304:
            await _drain(response)
            return FetchResult(url, final_url, status, headers, b"")
        if status >= 400 or status in _REDIRECTS:
            retry_after = None
            if status in (429, 503):
                retry_after = parse_retry_after(headers.get("retry-after"), self._clock())
            raise FetchError(
                f"HTTP {status} {response.reason_phrase}".strip(),
                url=final_url,
                status=status,
                retry_after=retry_after,
            )
        body = await read_capped(response, max_bytes, final_url)
        return FetchResult(url, final_url, status, headers, body)


async def _drain(response: httpx.Response) -> None:
    """Read a small body to its end so that the connection can be reused (keep-alive)."""
    try:
        await read_capped(response, _DRAIN_LIMIT, str(response.url))
    except FetchError:
        pass  # the connection is simply not reused


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


class _Decoder:
    """Content-Encoding decoding with a hard cap on the output size."""

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        self._zlib: Any = None
        if encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._zlib = zlib.decompressobj()
        elif encoding not in ("", "identity"):
            raise FetchError(f"unsupported Content-Encoding {encoding!r}")
        self._first = True

    def feed(self, data: bytes, limit: int) -> bytes:
        if self._zlib is None:
            return data
        try:
            out = self._zlib.decompress(data, limit)
        except zlib.error:
            if self._encoding == "deflate" and self._first:  # raw deflate, no zlib header
                self._zlib = zlib.decompressobj(wbits=-zlib.MAX_WBITS)
                self._first = False
                return self.feed(data, limit)
            raise
        self._first = False
        return bytes(out)

    def pending(self) -> bytes:
        return bytes(self._zlib.unconsumed_tail) if self._zlib is not None else b""


async def read_capped(response: httpx.Response, max_bytes: int, url: str) -> bytes:
    """The decoded body, aborting as soon as it grows past `max_bytes`."""
    declared = response.headers.get("content-length", "")
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if not encoding and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(
            f"response of {int(declared)} bytes exceeds the cap of {max_bytes}", url=url
        )
    try:
        decoder = _Decoder(encoding)
        body = bytearray()
        async for chunk in response.aiter_raw():
            data = chunk
            while data:
                body += decoder.feed(data, max_bytes - len(body) + 1)
                if len(body) > max_bytes:
                    raise FetchError(
                        f"response larger than the cap of {max_bytes} bytes (after decompression)",
                        url=url,
                    )
                data = decoder.pending()
    except zlib.error as exc:
        raise FetchError(f"corrupt {encoding} body: {exc}", url=url) from exc
    except httpx.TimeoutException as exc:
        raise FetchError("timed out while reading the body", url=url) from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"connection broke while reading the body: {exc}", url=url) from exc
    return bytes(body)
