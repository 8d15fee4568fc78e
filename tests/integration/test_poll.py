"""Poll cycles against a local feed server, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import gzip
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from monitor.app import App
from monitor.errors import FetchError, StorageError
from monitor.ingest.decide import failures_are_ours, next_poll_after_failure
from monitor.ingest.extract import extract_article
from monitor.ingest.policy import PollPolicy
from monitor.ingest.workers import WorkerPool
from monitor.models import PollReport, SourceInfo
from monitor.storage.store import Store
from monitor.storage.tables import ArticleRow, FetchAttemptRow, SourceRow
from tests.support.builders import INADEQUATE_STORY, SCHOOL_STORY, Item, Page, article_html, rss
from tests.support.servers import CountingListener, LocalServer, Route


def poll(app: App, workers: WorkerPool, *, force: bool = False) -> PollReport:
    async def run() -> PollReport:
        async with app.pipeline(workers=workers) as pipeline:
            return await pipeline.poll(force=force)

    return asyncio.run(run())


def subscribe(app: App, server: LocalServer, path: str, body: bytes, **route: object) -> SourceInfo:
    # `route` holds Route's own fields (etag=, status=, ...): checked when Route is built.
    server.routes[path] = Route(body, **route)  # type: ignore[arg-type]
    return app.store.add_source(server.url(path), None, None, app.clock())


def serve_page(server: LocalServer, path: str, page: Page) -> str:
    server.routes[path] = Route(article_html(page), content_type="text/html; charset=utf-8")
    return server.url(path)


def source(app: App, source_id: int) -> SourceInfo:
    found = app.store.find_source(str(source_id))
    assert found is not None
    return found


def articles(app: App) -> list[ArticleRow]:
    with Session(app.engine) as session:
        return list(session.exec(select(ArticleRow).order_by(col(ArticleRow.id))).all())


def test_new_entries_are_stored_with_extracted_text_and_kept_html(
    app: App, server: LocalServer, workers: WorkerPool
) -> None:
    story = serve_page(server, "/news/northmoor", INADEQUATE_STORY)
    school = serve_page(server, "/news/hillside", SCHOOL_STORY)
    feed = subscribe(
        app,
        server,
        "/feed",
        rss(
            [
                Item("Northmoor inadequate", story + "?utm_source=rss", "n1"),
                Item("Hillside good", school, "h1"),
            ]
        ),
        etag='"1"',
    )

    report = poll(app, workers)

    assert (report.sources_polled, report.new_articles, report.sources_failed) == (1, 2, 0)
    stored = {a.url: a for a in articles(app)}
    northmoor = stored[server.url("/news/northmoor")]
    assert "caseloads of up to 35 children" in northmoor.text
    assert northmoor.title == "Northmoor inadequate" and northmoor.source_name == "Test news"
    assert northmoor.origin == "poll" and northmoor.extraction_error is None
    assert northmoor.site_name == "Care News Today" and northmoor.author
    # Enough is kept to re-extract without refetching.
    assert northmoor.html_gz is not None
    assert (
        extract_article(gzip.decompress(northmoor.html_gz), northmoor.url or "").text
        == northmoor.text
    )
    health = source(app, feed.id)
    assert health.etag == '"1"' and health.consecutive_failures == 0 and health.last_success_at
    assert health.next_poll_at and health.next_poll_at > health.last_success_at
    verdicts = {a.url: (a.relevant, a.themes) for a in app.store.list_articles()}
    assert verdicts[server.url("/news/hillside")] == (False, ())
    relevant, themes = verdicts[server.url("/news/northmoor")]
    assert relevant is True and "judgements-ratings" in themes


def test_unchanged_feed_is_not_parsed_again_and_force_still_sends_validators(
    app: App, server: LocalServer, workers: WorkerPool
) -> None:
    subscribe(
        app,
        server,
        "/feed",
        rss([Item("One", serve_page(server, "/1", INADEQUATE_STORY), "1")]),
        etag='"v1"',
    )
    poll(app, workers)
    assert poll(app, workers).sources_polled == 0  # not due yet
    report = poll(app, workers, force=True)
    assert (report.sources_polled, report.sources_unchanged, report.new_articles) == (1, 1, 0)
    assert server.requests[-1].headers.get("if-none-match") == '"v1"'
    assert server.hits("/1") == 1


def test_same_article_in_two_feeds_is_stored_once(
    app: App, server: LocalServer, workers: WorkerPool
) -> None:
    story = serve_page(server, "/story", INADEQUATE_STORY)
    subscribe(
        app, server, "/a", rss([Item("Story", story + "?utm_source=a", "a-1")], title="Feed A")
    )
    subscribe(
        app,
        server,
        "/b",
        rss([Item("Story", story + "?utm_campaign=b#top", "b-9")], title="Feed B"),
    )
    report = poll(app, workers)
    assert report.new_articles == 1 and report.duplicates == 1
    assert len(articles(app)) == 1 and server.hits("/story") == 1


def test_syndicated_copy_at_another_url_is_a_duplicate_by_content(
    app: App, server: LocalServer, workers: WorkerPool
) -> None:
    first = serve_page(server, "/original", INADEQUATE_STORY)
    copy = Page(
        **{
            **INADEQUATE_STORY.__dict__,
            "site_name": "Regional Gazette",
            "title": "Council services inadequate, says Ofsted",
        }
    )
    second = serve_page(server, "/syndicated", copy)
    subscribe(app, server, "/a", rss([Item("Original", first, "1")]))
    poll(app, workers)
    subscribe(app, server, "/b", rss([Item("Copy", second, "2")]))
    report = poll(app, workers)
    assert report.new_articles == 0 and report.duplicates == 1
    assert len(articles(app)) == 1


def test_changed_entry_ids_do_not_redeliver_history(
    app: App, server: LocalServer, workers: WorkerPool
) -> None:
    story = serve_page(server, "/story", INADEQUATE_STORY)
    feed = subscribe(app, server, "/feed", rss([Item("Story", story, "old-id-1")]))
    poll(app, workers)
    server.routes["/feed"] = Route(rss([Item("Story", story, "new-id-after-cms-migration")]))
    report = poll(app, workers, force=True)
    assert report.new_articles == 0 and len(articles(app)) == 1
    assert server.hits("/story") == 1
    assert source(app, feed.id).consecutive_failures == 0


def test_rel_canonical_of_the_page_is_preferred(
    app: App, server: LocalServer, workers: WorkerPool
) -> None:
    page = Page(
        **{
            **INADEQUATE_STORY.__dict__,
            "canonical": "https://www.carenews.example/news/northmoor-inadequate",
        }
    )
    link = serve_page(server, "/amp/northmoor", page)
    subscribe(app, server, "/feed", rss([Item("Story", link, "1")]))
    poll(app, workers)
    (article,) = articles(app)
    assert article.url == "https://www.carenews.example/news/northmoor-inadequate"
    assert article.entry_url == link


def test_redirected_links_are_stored_under_the_final_url(
    app: App, server: LocalServer, workers: WorkerPool
) -> None:
    serve_page(server, "/news/story", INADEQUATE_STORY)
    server.routes["/r/abc"] = Route(
        b"", status=301, headers={"Location": "/news/story?utm_medium=feed"}
    )
    subscribe(app, server, "/feed", rss([Item("Story", server.url("/r/abc"), "1")]))
    poll(app, workers)
    assert articles(app)[0].url == server.url("/news/story")


@pytest.mark.parametrize(
    ("route", "error"),
    [
        (Route(b"", status=404), "HTTP 404"),
        (
            Route(article_html(Page("Empty", ["Too short."])), content_type="text/html"),
            "no article text",
        ),
        (
            Route(
                b"<html><body><div id=app></div><script>render()</script></body></html>",
                content_type="text/html",
            ),
            "no article text",
        ),
    ],
)
def test_page_failures_keep_the_feed_summary_and_record_why(
    app: App, server: LocalServer, workers: WorkerPool, route: Route, error: str
) -> None:
    server.routes["/page"] = route
    summary = (
        "Ofsted has judged services for children in care in Eastbridge to require improvement."
    )
    subscribe(
        app,
        server,
        "/feed",
        rss(
            [Item("Eastbridge requires improvement", server.url("/page"), "1", description=summary)]
        ),
    )
    report = poll(app, workers)
    (article,) = articles(app)
    assert (
        article.text == summary and article.extraction_error and error in article.extraction_error
    )
    assert report.page_errors == 1 and report.new_articles == 1


def test_entries_without_link_title_or_date(
    app: App, server: LocalServer, workers: WorkerPool
) -> None:
    subscribe(
        app,
        server,
        "/feed",
        rss(
            [
                Item(
                    None,
                    None,
                    "g1",
                    pub_date=None,
                    description="Inspectors visited the fostering service in Westvale.",
                ),
                Item("Only a title", None, "g2", pub_date="not a date"),
                Item(None, None, None, pub_date=None, description=None),
            ]
        ),
    )
    report = poll(app, workers)
    stored = articles(app)
    assert report.new_articles == 2 and len(stored) == 2
    by_title = {a.title: a for a in stored}
    assert by_title["Only a title"].date_status == "unparseable"
    assert by_title["Only a title"].published_raw == "not a date"
    untitled = next(a for a in stored if a.title != "Only a title")
    assert untitled.url is None and untitled.date_status == "missing"
    assert untitled.title.startswith("Inspectors visited")
    assert poll(app, workers, force=True).new_articles == 0


def test_truncated_feed_is_read_as_far_as_it_goes_with_a_warning(
    app: App, server: LocalServer, workers: WorkerPool
) -> None:
    body = rss(
        [Item("One", None, "1", description="first"), Item("Two", None, "2", description="second")]
    )
    feed = subscribe(app, server, "/feed", body[: body.rindex(b"<item>") + 20])
    report = poll(app, workers)
    assert report.new_articles >= 1 and report.sources_failed == 0
    health = source(app, feed.id)
    assert health.consecutive_failures == 0 and "not well-formed" in (health.last_error or "")


def test_a_new_source_s_old_entries_are_history_and_later_ones_news(
    app: App, server: LocalServer, workers: WorkerPool
) -> None:
    recent = app.clock().strftime("%a, %d %b %Y %H:%M:%S GMT")
    feed = rss(
        [
            Item(
                "Archive piece",
                None,
                "old",
                pub_date="Mon, 02 Mar 2026 09:00:00 GMT",
                description="old text",
            ),
            Item("This week", None, "new", pub_date=recent, description="new text"),
            Item("Undated", None, "undated", pub_date=None, description="undated text"),
        ]
    )
    subscribe(app, server, "/feed", feed)
    poll(app, workers)
    origins = {a.title: a.origin for a in articles(app)}
    assert origins == {"Archive piece": "backfill", "This week": "poll", "Undated": "poll"}
    server.routes["/feed"] = Route(
        rss(
            [
                Item(
                    "Old but new to the feed",
                    None,
                    "later",
                    pub_date="Mon, 02 Mar 2026 09:00:00 GMT",
                    description="x",
                )
            ]
        )
    )
    poll(app, workers, force=True)
    assert {a.title: a.origin for a in articles(app)}["Old but new to the feed"] == "poll"


def test_future_dates_are_recorded_and_not_trusted_for_ordering(
    app: App, server: LocalServer, workers: WorkerPool
) -> None:
    subscribe(
        app,
        server,
        "/feed",
        rss(
            [
                Item(
                    "From the future",
                    None,
                    "f1",
                    pub_date="Fri, 01 Jan 2100 00:00:00 GMT",
                    description="text",
                )
            ]
        ),
    )
    poll(app, workers)
    (article,) = articles(app)
    assert article.date_status == "future"
    assert article.published_at is not None and article.published_at.year == 2100
    assert article.sort_at == article.first_seen_at


def test_text_with_nul_and_control_characters_is_stored_clean(
    app: App, server: LocalServer, workers: WorkerPool
) -> None:
    body = rss([Item("Title", None, "1", description="before\x00after")]).replace(
        b"before", b"before&#0;\x01"
    )
    subscribe(app, server, "/feed", body)
    poll(app, workers)
    assert "\x00" not in articles(app)[0].text


def gzip_bomb() -> bytes:
    return gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)


FAULTS = {
    "500": Route(b"oops", status=500),
    "404": Route(b"", status=404),
    "410": Route(b"", status=410),
    "html-page": Route(
        b"<!DOCTYPE html><html><body><p>Welcome</p></body></html>", content_type="text/html"
    ),
    "json": Route(b'{"error": "unknown"}', content_type="application/json"),
    "malformed-xml": Route(b"<<rss>> <channel &&& broken <<<"),
    "empty-document": Route(b""),
    "stalled-body": Route(rss([Item("x", None, "1")]), stall_after=50),
    "too-large": Route(endless=True),
    "gzip-bomb": Route(gzip_bomb(), headers={"Content-Encoding": "gzip"}),
    "redirect-loop": Route(b"", status=302, headers={"Location": "/fault"}),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_broken_source_fails_alone_with_a_clear_error(
    app: App, server: LocalServer, workers: WorkerPool, fault: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.settings.feed_max_bytes = 1024 * 1024
    good = subscribe(
        app, server, "/good", rss([Item("Note", None, "1", description="Good feed text")])
    )
    poll(app, workers)
    bad = subscribe(app, server, "/fault", b"")
    server.routes["/fault"] = FAULTS[fault]
    server.routes["/good"] = Route(
        rss(
            [
                Item("Note", None, "1", description="Good feed text"),
                Item("Second", None, "2", description="More"),
            ]
        )
    )
    report = poll(app, workers, force=True)
    assert report.sources_polled == 2 and report.sources_failed == 1 and report.new_articles == 1
    health = source(app, bad.id)
    assert health.last_error and health.consecutive_failures == 1 and health.last_success_at is None
    assert health.next_poll_at is not None
    assert source(app, good.id).consecutive_failures == 0
    assert len(articles(app)) == 2  # nothing stored before was lost
    with Session(app.engine) as session:
        attempt = session.exec(
            select(FetchAttemptRow).where(FetchAttemptRow.source_id == bad.id)
        ).one()
    assert attempt.outcome == "error" and attempt.error == health.last_error


def test_connection_refused_and_a_redirect_to_a_refused_address(
    app: App, server: LocalServer, workers: WorkerPool
) -> None:
    victim = CountingListener()
    closed = CountingListener()
    closed_port = closed.port
    closed.stop()
    try:
        server.routes["/evil"] = Route(
            b"", status=302, headers={"Location": f"http://127.0.0.1:{victim.port}/"}
        )
        evil = app.store.add_source(server.url("/evil"), None, None, app.clock())
        app.settings.allow_hosts = [server.host, f"127.0.0.1:{closed_port}"]
        refused = app.store.add_source(
            f"http://127.0.0.1:{closed_port}/feed", None, None, app.clock()
        )
        report = poll(app, workers)
        assert report.sources_failed == 2
        assert "loopback" in (source(app, evil.id).last_error or "")
        assert "cannot connect" in (source(app, refused.id).last_error or "")
        assert victim.connections == 0
    finally:
        victim.stop()


def test_links_inside_feeds_are_guarded_too(
    app: App, server: LocalServer, workers: WorkerPool
) -> None:
    victim = CountingListener()
    try:
        link = f"http://127.0.0.1:{victim.port}/internal"
        subscribe(app, server, "/feed", rss([Item("Bait", link, "1", description="summary")]))
        poll(app, workers)
        (article,) = articles(app)
        assert "loopback" in (article.extraction_error or "")
        assert victim.connections == 0
    finally:
        victim.stop()


def test_failures_back_off_exponentially_and_recover(
    app: App, server: LocalServer, workers: WorkerPool
) -> None:
    bad = subscribe(app, server, "/feed", b"", status=500)
    intervals = []
    for _ in range(3):
        poll(app, workers, force=True)
        health = source(app, bad.id)
        assert health.next_poll_at and health.last_polled_at
        intervals.append(health.next_poll_at - health.last_polled_at)
    assert intervals[1] == 2 * intervals[0] and intervals[2] == 4 * intervals[0]
    server.routes["/feed"] = Route(rss([]))
    poll(app, workers, force=True)
    assert source(app, bad.id).consecutive_failures == 0 and source(app, bad.id).last_error is None


def test_retry_after_is_honoured(app: App, server: LocalServer, workers: WorkerPool) -> None:
    bad = subscribe(app, server, "/feed", b"", status=503, headers={"Retry-After": "7200"})
    poll(app, workers)
    health = source(app, bad.id)
    assert health.next_poll_at and health.last_polled_at
    assert health.next_poll_at - health.last_polled_at == timedelta(hours=2)


def test_backoff_is_capped_so_a_source_is_retried_at_least_daily() -> None:
    policy = PollPolicy(1800, 86400, 1, 1)
    from datetime import UTC, datetime

    now = datetime(2026, 11, 23, tzinfo=UTC)
    assert next_poll_after_failure(now, 500, policy, None) == now + timedelta(days=1)
    assert next_poll_after_failure(now, 1, policy, 10 * 86400) == now + timedelta(days=1)


def test_failures_of_our_own_network_are_not_held_against_sources() -> None:
    dns = FetchError("cannot resolve host", network=True)
    assert failures_are_ours(3, [dns, dns, dns])
    assert not failures_are_ours(3, [dns, dns])
    assert not failures_are_ours(1, [dns])
    assert not failures_are_ours(2, [dns, FetchError("HTTP 500", status=500)])


class CrashAfterArticles(Store):
    """A store that dies between storing a feed's articles and storing the feed's state."""

    def record_poll_success(self, *args: object, **kwargs: object) -> None:
        raise StorageError("simulated crash")

    def record_poll_failure(self, *args: object, **kwargs: object) -> None:
        raise StorageError("simulated crash")  # the process is gone: nothing more is recorded


def test_a_crash_between_articles_and_feed_state_loses_and_duplicates_nothing(
    app: App, server: LocalServer, workers: WorkerPool
) -> None:
    links = [
        serve_page(
            server,
            f"/s{i}",
            Page(
                f"Story {i}",
                [
                    f"Paragraph {i} " + INADEQUATE_STORY.paragraphs[i % 5],
                    *INADEQUATE_STORY.paragraphs,
                ],
            ),
        )
        for i in range(3)
    ]
    feed = subscribe(
        app,
        server,
        "/feed",
        rss([Item(f"Story {i}", link, f"id{i}") for i, link in enumerate(links)]),
        etag='"e"',
    )
    healthy_store = app.store
    app.store = CrashAfterArticles(app.engine)
    with pytest.raises(StorageError):
        poll(app, workers)
    assert len(articles(app)) == 3
    assert source(app, feed.id).etag is None  # the feed's state was never stored
    app.store = healthy_store
    report = poll(app, workers)
    assert report.new_articles == 0 and report.duplicates == 3
    assert len(articles(app)) == 3 and source(app, feed.id).etag == '"e"'


def test_entries_removed_by_a_clean_up_never_come_back(
    app: App, server: LocalServer, workers: WorkerPool
) -> None:
    link = serve_page(server, "/old", INADEQUATE_STORY)
    subscribe(app, server, "/feed", rss([Item("Old story", link, "1")]))
    poll(app, workers)
    with app.engine.begin() as conn:
        conn.execute(sa.delete(ArticleRow))
    report = poll(app, workers, force=True)
    assert report.new_articles == 0 and articles(app) == []


def test_a_removed_source_keeps_its_articles(
    app: App, server: LocalServer, workers: WorkerPool
) -> None:
    feed = subscribe(app, server, "/feed", rss([Item("Note", None, "1", description="text")]))
    poll(app, workers)
    app.store.remove_source(feed.id)
    (article,) = articles(app)
    assert article.source_id is None and article.source_name == "Test news"
    with Session(app.engine) as session:
        assert session.exec(select(SourceRow)).all() == []
