from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.errors import FeedParseError
from monitor.ingest.decide import classify_date
from monitor.ingest.feeds import find_feed_links, html_to_text, parse_feed
from tests.support.builders import Item, json_feed, rss

URL = "https://news.example/feed"


def test_rss_entries_with_dates_links_and_text() -> None:
    body = rss(
        [
            Item(
                "Ofsted finds widespread failings",
                "https://news.example/a?utm_source=rss",
                "a-1",
                description="<p>Inspectors <b>found</b> drift.</p><script>alert(1)</script>",
            ),
        ]
    )
    feed = parse_feed(body, {"content-type": "application/rss+xml"}, URL)
    assert feed.title == "Test news" and feed.warning is None
    (entry,) = feed.entries
    assert entry.entry_id == "a-1"
    assert entry.link == "https://news.example/a?utm_source=rss"
    assert entry.published is not None and entry.published_raw
    assert abs(datetime.now(UTC) - entry.published - timedelta(hours=3)) < timedelta(minutes=5)
    assert entry.summary == "Inspectors found drift."


def test_atom_relative_links_resolve_against_the_document_url() -> None:
    body = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
    <entry><id>tag:x,2026:1</id><title type="html">Care &amp;amp; inspection</title>
    <link href="/news/1"/><updated>2026-11-01T10:00:00+01:00</updated><content type="html">&lt;p&gt;Body&lt;/p&gt;</content></entry></feed>"""
    (entry,) = parse_feed(body, {}, "https://site.example/feeds/all.atom").entries
    assert entry.link == "https://site.example/news/1"
    assert entry.title == "Care & inspection"
    assert entry.published == datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def test_entries_without_link_title_or_date_are_kept() -> None:
    body = rss([Item(None, None, guid="only-guid", pub_date=None, description="Text only.")])
    (entry,) = parse_feed(body, {}, URL).entries
    assert entry.link is None and entry.title is None and entry.published is None
    assert entry.summary == "Text only."


def test_unparseable_date_is_kept_raw() -> None:
    (entry,) = parse_feed(
        rss([Item("t", "https://x.example/1", pub_date="someday soon")]), {}, URL
    ).entries
    assert entry.published is None and entry.published_raw == "someday soon"


def test_truncated_xml_still_yields_entries_with_a_warning() -> None:
    body = rss([Item("One", "https://x.example/1"), Item("Two", "https://x.example/2")])
    feed = parse_feed(body[: body.rindex(b"</item>")], {}, URL)
    assert len(feed.entries) >= 1
    assert feed.warning and "not well-formed" in feed.warning


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (
            b"<!DOCTYPE html><html><head><title>Home</title></head><body>Hi</body></html>",
            "HTML page",
        ),
        (b'{"status": "ok", "items": []}', "not a JSON Feed"),
        (b"{not json", "not valid"),
        (b"\x00\x01\x02garbage bytes", "not a readable feed"),
    ],
)
def test_unusable_documents_raise_clear_errors(body: bytes, message: str) -> None:
    with pytest.raises(FeedParseError, match=message):
        parse_feed(body, {}, URL)


def test_empty_but_valid_feed_has_no_entries() -> None:
    feed = parse_feed(rss([]), {}, URL)
    assert feed.entries == () and feed.warning is None


def test_json_feed() -> None:
    feed = parse_feed(
        json_feed([Item("J", "/j/1", guid="1", description="text")]),
        {},
        "https://j.example/feed.json",
    )
    (entry,) = feed.entries
    assert entry.link == "https://j.example/j/1" and entry.summary == "text"
    assert entry.published == datetime(2026, 11, 16, 9, 30, tzinfo=UTC)


def test_charset_from_the_http_header_wins_over_a_wrong_declaration() -> None:
    body = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Caf\xe9</title><item><title>\xa3100m for care</title><link>https://x.example/1</link></item></channel></rss>'.encode(
        "latin-1"
    )
    feed = parse_feed(body, {"content-type": "application/xml; charset=iso-8859-1"}, URL)
    assert feed.entries[0].title == "£100m for care"


def test_find_feed_links_prefers_declared_alternates() -> None:
    page = b"""<html><head><link rel="alternate" type="application/rss+xml" href="/feed/">
    <link rel="alternate" type="application/atom+xml" href="https://other.example/atom.xml">
    <link rel="stylesheet" href="/style.css"></head><body><a href="/rss">RSS</a></body></html>"""
    assert find_feed_links(page, "https://site.example/news/") == [
        "https://site.example/feed/",
        "https://other.example/atom.xml",
    ]


def test_find_feed_links_falls_back_to_feed_like_anchors() -> None:
    page = b"<html><body><a href='/about'>About</a><a href='/news/rss.xml'>RSS</a></body></html>"
    assert find_feed_links(page, "https://site.example/") == ["https://site.example/news/rss.xml"]


def test_classify_date() -> None:
    now = datetime(2026, 11, 23, tzinfo=UTC)
    assert classify_date(now - timedelta(days=1), "x", now) == "ok"
    assert classify_date(now + timedelta(days=30), "x", now) == "future"
    assert classify_date(None, "garbage", now) == "unparseable"
    assert classify_date(None, None, now) == "missing"


def test_html_to_text_keeps_paragraph_breaks() -> None:
    assert html_to_text("<p>One</p><p>Two &amp; three</p>") == "One\n\nTwo & three"
