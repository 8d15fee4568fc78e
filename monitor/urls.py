"""URL canonicalisation: one spelling per article, so the same story is stored once."""

from __future__ import annotations

import base64
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

_TRACKING_PREFIXES = ("utm_", "at_", "mc_", "pk_", "hsa_", "_hs", "vero_", "oly_")
_TRACKING_NAMES = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "twclid",
        "mkt_tok",
        "ocid",
        "cmpid",
        "cmp",
        "ito",
        "ncid",
        "sr_share",
        "spm",
        "_ga",
        "_gl",
        "wt.mc_id",
        "rss",
        "ref_src",
        "smid",
        "s_cid",
        "cid",
        "feature",
        "xtor",
    }
)
# Aggregators that wrap the real article URL in a query parameter.
_WRAPPER_PARAMS = {
    "www.google.com": ("url", "q"),
    "google.com": ("url", "q"),
    "news.google.com": ("url",),
    "www.bing.com": ("url",),
    "bing.com": ("url",),
    "l.facebook.com": ("u",),
    "out.reddit.com": ("url",),
}
_EMBEDDED_URL = re.compile(rb"https?://[\x21-\x7e]+")


def url_problem(url: str) -> str | None:
    """Why `url` cannot be a source (None when it can): not http(s), no host, spaces or
    control characters in it, or a port outside 1-65535."""
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return "it contains spaces, line breaks or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "its port is not a number from 1 to 65535"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "it is not an http(s) URL"
    if port is not None and not 0 < port < 65536:
        return "its port is not a number from 1 to 65535"
    return None


def is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def unwrap_aggregator(url: str) -> str:
    """The article URL inside a news-aggregator redirect link, or `url` unchanged.

    Handles `google.com/url?url=...` (Google Alerts), Bing's `apiclick.aspx?url=...` and the
    older Google News `/rss/articles/CBMi...` links whose id is the URL in base64.
    Links that only an HTTP redirect can resolve are left for the fetcher to follow.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    for name in _WRAPPER_PARAMS.get(host, ()):
        for key, value in parse_qsl(parts.query):
            if key == name and is_http_url(value):
                return value
    if host == "news.google.com" and "/articles/" in parts.path:
        token = parts.path.rsplit("/", 1)[-1]
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except ValueError:
            return url
        match = _EMBEDDED_URL.search(raw)
        if match:
            embedded = match.group(0).decode("ascii")
            if is_http_url(embedded):
                return embedded
    return url


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_NAMES or lowered.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str, base: str | None = None) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters."""
    if base:
        url = urljoin(base, url)
    url = unwrap_aggregator(url.strip())
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    netloc = (
        host
        if port is None or (scheme, port) in (("http", 80), ("https", 443))
        else (f"{host}:{port}")
    )
    if ":" in host and not host.startswith("["):
        netloc = f"[{host}]" + netloc[len(host) :]
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)],
        doseq=True,
    )
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def prefer_canonical(fetched_url: str, declared: str | None) -> str:
    """The page's rel=canonical when it is plausible, else the URL we fetched.

    Some sites declare their home page as every article's canonical; such a declaration is
    ignored unless the fetched URL is itself a home page.
    """
    if not declared:
        return canonical_url(fetched_url)
    candidate = urljoin(fetched_url, declared.strip())
    if not is_http_url(candidate):
        return canonical_url(fetched_url)
    if urlsplit(candidate).path in ("", "/") and urlsplit(fetched_url).path not in ("", "/"):
        return canonical_url(fetched_url)
    return canonical_url(candidate)


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
