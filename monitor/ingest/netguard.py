"""SSRF policy: which URLs and which connected addresses the fetcher may use.

`check_url` runs before a request; `check_address` runs at connect time, on the address
actually about to be connected, for every redirect hop (the network backend in fetch.py calls
it), so DNS rebinding between a check and the connection cannot slip through.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from monitor.errors import BlockedURLError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_SHARED = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


@dataclass(frozen=True)
class AllowList:
    """Hosts exempt from the address check, from MONITOR_ALLOW_HOSTS (`host` or `host:port`)."""

    entries: frozenset[tuple[str, int | None]]

    @classmethod
    def parse(cls, items: Iterable[str]) -> AllowList:
        entries: set[tuple[str, int | None]] = set()
        for item in items:
            spec = item.strip().lower()
            if not spec:
                continue
            host, port = spec, None
            if spec.startswith("["):
                host, _, rest = spec[1:].partition("]")
                port = int(rest[1:]) if rest.startswith(":") else None
            elif spec.count(":") == 1:
                host, port_text = spec.split(":")
                port = int(port_text)
            entries.add((host, port))
        return cls(frozenset(entries))

    def allows(self, host: str, port: int) -> bool:
        host = host.lower().strip("[]")
        return (host, None) in self.entries or (host, port) in self.entries


def unwrap(address: IPAddress) -> IPAddress:
    """The IPv4 address inside IPv4-mapped, IPv4-compatible, NAT64, 6to4 and Teredo forms."""
    if isinstance(address, ipaddress.IPv4Address):
        return address
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64 or address in _NAT64_LOCAL:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    packed = address.packed
    if packed[:12] == bytes(12) and int(address) > 1:  # deprecated IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(packed[12:])
    return address


def refusal_reason(address: IPAddress) -> str | None:
    """Why `address` may not be connected to, or None when it is a public unicast address."""
    inner = unwrap(address)
    checks = (
        (inner.is_unspecified, "unspecified"),
        (inner.is_loopback, "loopback"),
        (inner.is_link_local, "link-local"),
        (isinstance(inner, ipaddress.IPv4Address) and inner in _SHARED, "shared (CGNAT)"),
        (inner.is_multicast, "multicast"),
        (inner.is_private, "private"),
        (inner.is_reserved, "reserved"),
        (not inner.is_global, "non-global"),
    )
    for failed, label in checks:
        if failed:
            shown = f"{address} ({inner})" if inner != address else str(address)
            return f"{label} address {shown}"
    return None


def check_url(url: str) -> None:
    """Refuse URLs whose scheme is not http(s) or that carry credentials."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise BlockedURLError(f"malformed URL: {exc}", url=url) from exc
    if parts.scheme not in ("http", "https"):
        raise BlockedURLError(
            f"refused URL scheme {parts.scheme or '(none)'!r}: only http and https are fetched",
            url=url,
        )
    if not parts.hostname:
        raise BlockedURLError("refused URL without a host name", url=url)


def _host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def check_address(host: str, port: int, address: str, allow: AllowList) -> None:
    """Raise BlockedURLError unless `host:port` is allowed or `address` is public."""
    if allow.allows(host, port):
        return
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError as exc:
        raise BlockedURLError(f"{host} resolved to an unusable address {address!r}") from exc
    reason = refusal_reason(parsed)
    if reason:
        raise BlockedURLError(
            f"refused to connect to {host}:{port}: it resolves to a {reason}; if it is a "
            f"trusted feed, allow it with MONITOR_ALLOW_HOSTS={_host_port(host, port)}"
        )
