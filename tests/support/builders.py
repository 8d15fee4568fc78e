"""Builders for feeds and article pages (written for these tests, in the style of real news)."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from monitor.ingest.identity import seen_key
from monitor.models import NewArticle, Origin


def hours_ago(hours: float) -> str:
    """An RFC 822 date `hours` before now, as feeds write them."""
    return format_datetime(datetime.now(UTC) - timedelta(hours=hours), usegmt=True)


@dataclass
class Item:
    title: str | None
    link: str | None
    guid: str | None = None
    pub_date: str | None = field(default_factory=lambda: hours_ago(3))
    description: str | None = None


def rss(items: list[Item], title: str = "Test news", link: str = "http://example.org/") -> bytes:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0"><channel>',
        f"<title>{html.escape(title)}</title><link>{html.escape(link)}</link>",
        "<description>Test feed</description>",
    ]
    for item in items:
        parts.append("<item>")
        if item.title is not None:
            parts.append(f"<title>{html.escape(item.title)}</title>")
        if item.link is not None:
            parts.append(f"<link>{html.escape(item.link)}</link>")
        if item.guid is not None:
            parts.append(f'<guid isPermaLink="false">{html.escape(item.guid)}</guid>')
        if item.pub_date is not None:
            parts.append(f"<pubDate>{item.pub_date}</pubDate>")
        if item.description is not None:
            parts.append(f"<description>{html.escape(item.description)}</description>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts).encode("utf-8")


def json_feed(items: list[Item], title: str = "JSON news") -> bytes:
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": title,
            "items": [
                {
                    "id": i.guid or i.link,
                    "url": i.link,
                    "title": i.title,
                    "content_text": i.description or "",
                    "date_published": "2026-11-16T09:30:00Z",
                }
                for i in items
            ],
        }
    ).encode()


@dataclass
class Page:
    title: str
    paragraphs: list[str]
    canonical: str | None = None
    published: str | None = "2026-11-16"
    author: str | None = "Staff reporter"
    site_name: str = "Care News Today"
    extra_head: list[str] = field(default_factory=list)


def article_html(page: Page) -> bytes:
    head = [
        '<meta charset="utf-8">',
        f"<title>{html.escape(page.title)} | {html.escape(page.site_name)}</title>",
        f'<meta property="og:site_name" content="{html.escape(page.site_name)}">',
        '<meta property="og:type" content="article">',
        *page.extra_head,
    ]
    if page.canonical:
        head.append(f'<link rel="canonical" href="{html.escape(page.canonical)}">')
    if page.published:
        head.append(f'<meta property="article:published_time" content="{page.published}">')
    if page.author:
        head.append(f'<meta name="author" content="{html.escape(page.author)}">')
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in page.paragraphs)
    return f"""<!DOCTYPE html><html lang="en"><head>{"".join(head)}</head><body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/jobs">Jobs</a>
<a href="/subscribe">Subscribe to our newsletter</a></nav></header>
<main><article><h1>{html.escape(page.title)}</h1>
<p class="byline">By {html.escape(page.author or "")}</p>
{body}
</article></main>
<aside><h3>Most read</h3><ul><li><a href="/a">Council budgets under pressure</a></li>
<li><a href="/b">Five things to know about the new framework</a></li></ul></aside>
<footer><p>Copyright 2026 {html.escape(page.site_name)}. All rights reserved.</p></footer>
</body></html>""".encode()


INADEQUATE_STORY = Page(
    title="Ofsted rates Northmoor children's services inadequate after finding drift in child protection",
    paragraphs=[
        "Children's services in Northmoor have been rated inadequate by Ofsted, with inspectors "
        "finding that too many children were left in situations of risk for too long because "
        "child protection plans drifted without clear decisions.",
        "The inspection of local authority children's services, carried out over three weeks in "
        "October, found that social workers were carrying caseloads of up to 35 children and that "
        "high turnover meant some families had seen five different workers in a year.",
        "Inspectors said senior leaders had not understood the scale of the problems and that "
        "management oversight of frontline practice was weak, though they praised the council's "
        "work with care leavers, who said they felt listened to.",
        "The council's director of children's services said the authority accepted the findings "
        'in full and had already recruited an improvement partner. "We are sorry that we have '
        'let some children down," she said.',
        "The Department for Education is expected to issue a statutory direction and appoint a "
        "commissioner to review whether services should be run by another organisation.",
    ],
)

SCHOOL_STORY = Page(
    title="Hillside Academy celebrates good Ofsted report",
    paragraphs=[
        "Pupils and staff at Hillside Academy are celebrating after Ofsted judged the secondary "
        "school to be good in every area following a two-day visit last month.",
        "Inspectors said pupils behaved well in lessons and around the site, and that the "
        "curriculum in mathematics and science had been carefully sequenced.",
        "The headteacher thanked parents for their support and said the school would now focus "
        "on improving attendance, which remains below the national average.",
    ],
)


def stored_article(
    url: str,
    title: str,
    text: str,
    first_seen_at: datetime,
    *,
    origin: Origin = "poll",
    source_id: int | None = None,
    source_name: str = "Community Care",
) -> NewArticle:
    """An article as the pipeline hands it to Store.add_article (for digest tests)."""
    return NewArticle(
        url=url,
        entry_url=url,
        source_id=source_id,
        source_name=source_name,
        origin=origin,
        title=title,
        text=text,
        summary=None,
        author=None,
        site_name=None,
        html_gz=None,
        extraction_error=None,
        published_raw=None,
        published_at=first_seen_at - timedelta(hours=1),
        date_status="ok",
        first_seen_at=first_seen_at,
        fingerprint=None,
        keys=(seen_key("url", url),),
    )
