"""Feed parsing on bytes we fetched (feedparser never sees a URL) and feed-link discovery."""

from __future__ import annotations

import calendar
import io
import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
import lxml.html
from lxml import etree

from monitor.errors import FeedParseError
from monitor.models import EntryCandidate, ParsedFeed
from monitor.urls import is_http_url

_FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
)
_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)
_HTML_NOT_FEED = (
    "this is an HTML page, not a feed: add the page with `monitor sources add` "
    "to discover its feed links"
)
# feedparser flags these although the document parsed fine.
_HARMLESS_BOZO = (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride)
_FEEDISH_HREF = re.compile(r"(rss|atom|feed|\.xml)(\b|$|/|\?)", re.I)


def html_to_text(fragment: object) -> str | None:
    """Plain text of an HTML fragment from a feed (summary, content); None for non-text."""
    if not isinstance(fragment, str) or not fragment.strip():
        return None
    if "<" not in fragment and "&" not in fragment:
        return fragment.strip()
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return fragment.strip()
    for bad in root.xpath(".//script|.//style"):
        bad.drop_tree()
    for br in root.xpath(".//br"):
        br.tail = "\n" + (br.tail or "")
    for block in root.xpath(".//p|.//div|.//li|.//h1|.//h2|.//h3|.//h4|.//blockquote"):
        block.tail = "\n\n" + (block.tail or "")
    text = re.sub(r"[ \t\r\f\v]+", " ", root.text_content())
    return re.sub(r" ?\n ?", "\n", re.sub(r"\n\s*\n\s*", "\n\n", text)).strip() or None


def looks_like_html(body: bytes) -> bool:
    return bool(_HTML_START.match(body[:2048]))


def parse_feed(body: bytes, headers: dict[str, str], url: str) -> ParsedFeed:
    """Parse RSS, Atom, RDF, CDF or JSON Feed bytes. Raises FeedParseError when unusable.

    Ill-formed XML that still yields entries is accepted with a `warning` (feedparser's bozo).
    """
    stripped = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        raise FeedParseError("the feed is an empty document", url=url)
    content_type = headers.get("content-type", "").lower()
    if stripped.startswith((b"{", b"[")) or "json" in content_type:
        return _parse_json_feed(stripped, url)
    response_headers = dict(headers)
    response_headers["content-location"] = urljoin(url, headers.get("content-location", url))
    parsed = feedparser.parse(
        io.BytesIO(body), response_headers=response_headers, sanitize_html=True
    )
    entries = tuple(_entry(e) for e in parsed.entries)
    feed = parsed.get("feed", {})
    problem = parsed.get("bozo_exception")
    harmful = parsed.get("bozo") and not isinstance(problem, _HARMLESS_BOZO)
    if not parsed.get("version") and looks_like_html(body):
        raise FeedParseError(_HTML_NOT_FEED, url=url)
    if not (feed or entries):
        if harmful:
            raise FeedParseError(f"not a readable feed: {problem}", url=url)
        if not parsed.get("version"):
            raise FeedParseError("no RSS, Atom or JSON Feed found in the document", url=url)
    warning = None
    if harmful:
        warning = f"feed is not well-formed, parsed what could be read: {problem}"
    return ParsedFeed(
        title=_clean(feed.get("title")),
        site_url=feed.get("link") if is_http_url(feed.get("link") or "") else None,
        entries=entries,
        warning=warning,
    )


def _clean(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = html_to_text(value)
    return " ".join(text.split()) or None if text else None


def _struct_to_datetime(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, TypeError, OSError):
        return None


def _entry(entry: Any) -> EntryCandidate:
    content = entry.get("content") or []
    body = None
    if content:
        body = max((c.get("value") or "" for c in content), key=len)
    summary = html_to_text(body) or html_to_text(entry.get("summary"))
    raw_date = entry.get("published") or entry.get("updated") or entry.get("created")
    parsed_date = (
        entry.get("published_parsed") or entry.get("updated_parsed") or entry.get("created_parsed")
    )
    link = entry.get("link")
    if not link:
        for candidate in entry.get("links") or []:
            if candidate.get("href"):
                link = candidate["href"]
                break
    return EntryCandidate(
        entry_id=entry.get("id") or None,
        link=link if link and is_http_url(link) else None,
        title=_clean(entry.get("title")),
        summary=summary,
        published_raw=raw_date if isinstance(raw_date, str) else None,
        published=_struct_to_datetime(parsed_date),
        author=_clean(entry.get("author")),
    )


def _parse_json_feed(body: bytes, url: str) -> ParsedFeed:
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedParseError(f"JSON at the feed URL is not valid: {exc}", url=url) from exc
    if not isinstance(document, dict) or "jsonfeed.org" not in str(document.get("version", "")):
        raise FeedParseError(
            "JSON at the feed URL is not a JSON Feed (no jsonfeed.org version)", url=url
        )
    items = document.get("items")
    if not isinstance(items, list):
        raise FeedParseError("JSON Feed has no items list", url=url)
    entries = []
    for item in items:
        if not isinstance(item, dict):
            continue
        link = item.get("url") or item.get("external_url")
        link = urljoin(url, link) if isinstance(link, str) else None
        raw_date = item.get("date_published") or item.get("date_modified")
        authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
        if not isinstance(authors, list):
            authors = []
        author_names = [str(a["name"]) for a in authors if isinstance(a, dict) and a.get("name")]
        entries.append(
            EntryCandidate(
                entry_id=str(item["id"]) if item.get("id") is not None else None,
                link=link if link and is_http_url(link) else None,
                title=_clean(item.get("title")),
                summary=html_to_text(item.get("content_html"))
                or _clean(item.get("content_text"))
                or _clean(item.get("summary")),
                published_raw=raw_date if isinstance(raw_date, str) else None,
                published=_parse_iso(raw_date),
                author=", ".join(author_names) or None,
            )
        )
    home = document.get("home_page_url")
    return ParsedFeed(
        title=_clean(document.get("title")),
        site_url=home if isinstance(home, str) and is_http_url(home) else None,
        entries=tuple(entries),
    )


def _parse_iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None


def find_feed_links(html: bytes, base_url: str) -> list[str]:
    """Feed URLs a page declares (`<link rel=alternate>`), then likely `<a>` links, in order."""
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    base = root.xpath("string(//base/@href)") or base_url
    found: list[str] = []
    for link in root.xpath("//link[@href]"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        if ("alternate" in rel or "feed" in rel) and (kind in _FEED_TYPES or "feed" in rel):
            found.append(urljoin(urljoin(base_url, base), link.get("href").strip()))
    if not found:
        for anchor in root.xpath("//a[@href]"):
            href = anchor.get("href").strip()
            if _FEEDISH_HREF.search(href):
                found.append(urljoin(urljoin(base_url, base), href))
    return [u for u in dict.fromkeys(found) if is_http_url(u)]
