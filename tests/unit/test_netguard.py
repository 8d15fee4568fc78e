from __future__ import annotations

import ipaddress

import pytest

from monitor.errors import BlockedURLError
from monitor.ingest.netguard import AllowList, check_address, check_url, refusal_reason


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "100.127.255.254",
        "0.0.0.0",
        "224.0.0.251",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped: Python 3.11 does not call it loopback
        "::ffff:10.0.0.1",
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of the cloud metadata address
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo of 127.0.0.1
        "::127.0.0.1",  # IPv4-compatible
    ],
)
def test_private_and_special_addresses_are_refused(address: str) -> None:
    assert refusal_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["8.8.8.8", "151.101.1.140", "2a04:4e42::81", "::ffff:8.8.8.8"])
def test_public_addresses_are_accepted(address: str) -> None:
    assert refusal_reason(ipaddress.ip_address(address)) is None


def test_refusal_names_the_inner_address() -> None:
    reason = refusal_reason(ipaddress.ip_address("::ffff:127.0.0.1"))
    assert reason is not None and "loopback" in reason and "127.0.0.1" in reason


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "gopher://x/",
        "ftp://example.com/feed",
        "javascript:alert(1)",
        "http:///nohost",
        "http://h:99999/",
    ],
)
def test_non_http_urls_are_refused(url: str) -> None:
    with pytest.raises(BlockedURLError):
        check_url(url)


def test_allow_list_matches_host_and_optional_port() -> None:
    allow = AllowList.parse(["127.0.0.1:8080", "feeds.internal", "[::1]:9000", " "])
    assert allow.allows("127.0.0.1", 8080)
    assert not allow.allows("127.0.0.1", 8081)
    assert allow.allows("FEEDS.internal", 443)
    assert allow.allows("::1", 9000)
    check_address("127.0.0.1", 8080, "127.0.0.1", allow)
    with pytest.raises(BlockedURLError, match="MONITOR_ALLOW_HOSTS"):
        check_address("127.0.0.1", 8081, "127.0.0.1", allow)
