"""Fixtures shared by the command-line tests."""

from __future__ import annotations

import pytest

from tests.support.builders import INADEQUATE_STORY, SCHOOL_STORY, Item, article_html, rss
from tests.support.servers import LocalServer, Route


@pytest.fixture
def news(env: LocalServer) -> LocalServer:
    """A news site with two article pages, a feed listing them, and a home page linking the feed."""
    env.routes["/news/northmoor"] = Route(article_html(INADEQUATE_STORY), content_type="text/html")
    env.routes["/news/hillside"] = Route(article_html(SCHOOL_STORY), content_type="text/html")
    env.routes["/feed.xml"] = Route(
        rss(
            [
                Item("Northmoor inadequate", env.url("/news/northmoor"), "n"),
                Item("Hillside good", env.url("/news/hillside"), "h"),
            ],
            title="Care News Today",
        ),
        etag='"v1"',
    )
    env.routes["/"] = Route(
        b'<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body>Home</body></html>',
        content_type="text/html",
    )
    return env
