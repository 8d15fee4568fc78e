from __future__ import annotations

import base64

import pytest

from monitor.urls import canonical_url, prefer_canonical, unwrap_aggregator


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "HTTPS://Www.Example.COM:443/a/b?utm_source=rss&id=3#comments",
            "https://www.example.com/a/b?id=3",
        ),
        ("http://example.com:80", "http://example.com/"),
        ("http://example.com:8080/x?fbclid=abc&gclid=1&page=2", "http://example.com:8080/x?page=2"),
        ("https://example.com/x?utm_medium=email&utm_campaign=daily", "https://example.com/x"),
        ("https://example.com/story?mc_cid=1&mc_eid=2&ref_src=twsrc", "https://example.com/story"),
        (
            "https://example.com/search?q=ofsted+inadequate",
            "https://example.com/search?q=ofsted+inadequate",
        ),
    ],
)
def test_canonical_url_drops_tracking_and_normalises(given: str, expected: str) -> None:
    assert canonical_url(given) == expected


def test_relative_urls_resolve_against_a_base() -> None:
    assert canonical_url("../story?utm_source=x", "https://example.com/news/a/") == (
        "https://example.com/news/story"
    )


def test_google_alerts_redirect_is_unwrapped() -> None:
    link = (
        "https://www.google.com/url?rct=j&sa=t&url=https://www.communitycare.co.uk/2026/11/16/"
        "ofsted-inadequate/&ct=ga&cd=CAIyGjA&usg=AOvVaw"
    )
    assert canonical_url(link) == "https://www.communitycare.co.uk/2026/11/16/ofsted-inadequate/"


def test_bing_news_click_link_is_unwrapped() -> None:
    link = "https://www.bing.com/news/apiclick.aspx?ref=FexRss&aid=&tid=1&url=https%3a%2f%2fwww.cypnow.co.uk%2fnews%2farticle%2fx&c=1"
    assert unwrap_aggregator(link) == "https://www.cypnow.co.uk/news/article/x"


def test_old_style_google_news_article_id_is_decoded() -> None:
    target = b"https://www.theguardian.com/society/2026/nov/16/ofsted-childrens-homes"
    token = base64.urlsafe_b64encode(
        b"\x08\x13\x22" + bytes([len(target)]) + target + b"\xd2\x01\x00"
    )
    link = "https://news.google.com/rss/articles/" + token.decode().rstrip("=") + "?oc=5"
    assert unwrap_aggregator(link) == target.decode()


def test_undecodable_google_news_link_is_left_for_the_fetcher() -> None:
    link = "https://news.google.com/rss/articles/AU_yqLPopaque?oc=5"
    assert unwrap_aggregator(link) == link


def test_prefer_canonical_takes_a_plausible_declaration() -> None:
    fetched = "https://m.example.com/news/123?amp=1"
    assert (
        prefer_canonical(fetched, "https://www.example.com/news/123")
        == "https://www.example.com/news/123"
    )
    assert prefer_canonical(fetched, "/news/123-slug") == "https://m.example.com/news/123-slug"


def test_prefer_canonical_ignores_a_home_page_declaration() -> None:
    fetched = "https://example.com/news/123"
    assert prefer_canonical(fetched, "https://example.com/") == fetched
    assert prefer_canonical(fetched, "javascript:void(0)") == fetched
    assert prefer_canonical(fetched, None) == fetched
