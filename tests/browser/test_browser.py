"""The web app in a real browser: Debian's Chromium driven by Playwright, against the app
served by uvicorn on 127.0.0.1 over a database filled by a real poll of local feeds, on
SQLite and PostgreSQL. One browser for the module, one filled database per database kind.
Each page is screenshotted into tests/artifacts/browser/ (gitignored, kept by CI)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect, sync_playwright
from playwright.sync_api import Page as Tab

from monitor.app import App, open_app
from monitor.config import load_settings
from monitor.ingest.workers import WorkerPool
from monitor.models import PollReport
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.builders import INADEQUATE_STORY, SCHOOL_STORY, Item, Page, article_html, rss
from tests.support.servers import LocalServer, Route
from tests.support.stories import OTHER_COUNCIL
from tests.support.web import module_database, module_environment, serve

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "browser"
PASSWORD = "a long shared password"

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium"),
    # One browser and one filled site per database for the module, its tests in order: the
    # whole module runs on one xdist worker.
    pytest.mark.xdist_group("browser"),
]


SUNDERLAND = """Sunderland children's services now rated good by Ofsted
Ofsted has rated Sunderland City Council's children's services good, up from inadequate at its last inspection.
Inspectors praised social workers and the council's leaders for the improvement in the care of children in need of help and protection.
The council's director of children's services said the judgement reflected years of work by frontline staff."""


def _story(text: str) -> Page:
    title, *paragraphs = text.splitlines()
    return Page(title=title, paragraphs=paragraphs)


@dataclass
class Site:
    """The served app, its feeds, and the digest email it sent (with feedback links)."""

    url: str
    db: str
    feeds: LocalServer
    app: App
    eml: bytes
    problems: list[str] = field(default_factory=list)

    def shot(self, tab: Tab, name: str) -> None:
        folder = ARTIFACTS / self.db
        folder.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    def feedback_links(self, action: str) -> list[str]:
        parsed = email.message_from_bytes(self.eml, policy=email.policy.default)
        body = parsed.get_body(preferencelist=("plain",))
        assert body is not None
        return re.findall(rf"{action}: (\S+)", str(body.get_content()))


def _poll(app: App, workers: WorkerPool) -> PollReport:
    async def run() -> PollReport:
        async with app.pipeline(workers=workers) as pipeline:
            return await pipeline.poll()

    # In a thread of its own: the browser's event loop lives in this one.
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, run()).result()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    workers: WorkerPool,
) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp(f"browser-{request.param}")
    feeds = LocalServer()
    feeds.routes["/news/northmoor"] = Route(
        article_html(INADEQUATE_STORY), content_type="text/html"
    )
    feeds.routes["/news/hillside"] = Route(article_html(SCHOOL_STORY), content_type="text/html")
    feeds.routes["/news/dunmere"] = Route(
        article_html(_story(OTHER_COUNCIL)), content_type="text/html"
    )
    feeds.routes["/news/sunderland"] = Route(
        article_html(_story(SUNDERLAND)), content_type="text/html"
    )
    feeds.routes["/feed.xml"] = Route(
        rss(
            [
                Item(INADEQUATE_STORY.title, feeds.url("/news/northmoor"), "n"),
                Item(SCHOOL_STORY.title, feeds.url("/news/hillside"), "h"),
                Item(_story(OTHER_COUNCIL).title, feeds.url("/news/dunmere"), "d"),
                Item(_story(SUNDERLAND).title, feeds.url("/news/sunderland"), "s"),
            ],
            title="Care News Today",
        )
    )
    feeds.routes["/other.xml"] = Route(
        rss([Item("A second feed's story", feeds.url("/news/hillside"), "o")], title="Other News")
    )
    with module_environment(
        folder, allow_hosts=feeds.host, web_bind="127.0.0.1:0", web_password=PASSWORD
    ) as mp:
        for url in module_database(request, folder):
            mp.setenv("MONITOR_DATABASE_URL", url)
            web_app = open_app(load_settings())
            web_app.store.add_source(feeds.url("/feed.xml"), None, None, web_app.clock())
            report = _poll(web_app, workers)
            assert (report.new_articles, report.sources_failed) == (4, 0)
            with serve(web_app) as base:
                mp.setenv("MONITOR_BASE_URL", base)
                mail_app = open_app(load_settings())
                record, _ = mail_app.digests().create("2026-12-01")
                assert mail_app.digests().send(record.id).status == "sent"
                (eml,) = mail_app.settings.effective_outbox_dir.glob("*.eml")
                yield Site(base, request.param, feeds, web_app, eml.read_bytes())
                mail_app.close()
            web_app.close()
    feeds.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[BrowserContext]:
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1200, "height": 800},
        )
        context.set_default_timeout(10_000)
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def tab(browser: BrowserContext, site: Site) -> Iterator[Tab]:
    """A tab that records console errors and failed responses of the site."""
    opened = browser.new_page()
    problems: list[str] = []
    opened.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    opened.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.url.startswith(site.url)
            else None
        ),
    )
    yield opened
    opened.close()
    assert problems == []


def _signed_in(tab: Tab, site: Site) -> None:
    tab.goto(site.url + "/articles")
    if "/login" in tab.url:
        site.shot(tab, "login")
        tab.get_by_label("Password").fill(PASSWORD)
        tab.get_by_role("button", name="Sign in").click()
        expect(tab).to_have_url(re.compile(r"/articles$"))


def test_sign_in_filter_search_and_read_an_article(tab: Tab, site: Site) -> None:
    tab.context.clear_cookies()
    tab.goto(site.url + "/sources")
    expect(tab).to_have_url(re.compile(r"/login"))  # nothing without signing in
    _signed_in(tab, site)
    rows = tab.locator("tbody tr")
    expect(rows).to_have_count(4)
    site.shot(tab, "articles")

    tab.get_by_label("Relevance").select_option("relevant")
    tab.get_by_role("button", name="Show").click()
    expect(tab).to_have_url(re.compile(r"relevant=relevant"))
    expect(rows).to_have_count(3)
    expect(tab.get_by_text("Hillside Academy")).to_have_count(0)
    site.shot(tab, "articles-relevant")

    tab.get_by_role("link", name="Search", exact=True).click()
    tab.get_by_label("Search").fill("caseloads -Dunmere")
    tab.get_by_role("button", name="Show").click()
    expect(rows).to_have_count(1)
    expect(tab.locator(".snippet mark").first).to_have_text(re.compile("caseloads", re.I))
    site.shot(tab, "search")

    tab.get_by_role("link", name="details").click()
    expect(tab.locator("h1")).to_contain_text("Northmoor")
    evidence = tab.locator(".text mark.evidence")
    expect(evidence.first).to_be_visible()
    assert evidence.count() >= 1
    site.shot(tab, "article")


def test_feedback_from_the_email_removes_the_story_from_the_next_digest(
    tab: Tab, site: Site
) -> None:
    week_ago = (site.app.clock() - timedelta(days=7)).date().isoformat()
    _signed_in(tab, site)
    tab.goto(f"{site.url}/digests/preview?since={week_ago}")
    frame = tab.frame_locator("iframe.digest")
    expect(frame.get_by_text("Dunmere").first).to_be_visible()
    site.shot(tab, "digest-preview-before")

    links = [link for link in site.feedback_links("Not relevant") if "/feedback/" in link]
    assert links
    # The link in the email names the story; find the one for Dunmere on its confirm page.
    for link in links:
        tab.goto(link)
        if "Dunmere" in tab.locator("main").inner_text():
            break
    else:
        pytest.fail("no feedback link for the Dunmere story")
    expect(tab.get_by_text("Nothing is recorded until you press the button")).to_be_visible()
    site.shot(tab, "feedback-confirm")
    tab.get_by_role("button", name='Record "not relevant"').click()
    expect(tab.locator(".message")).to_contain_text("Recorded: Not relevant")
    site.shot(tab, "feedback-recorded")

    tab.goto(f"{site.url}/digests/preview?since={week_ago}")
    expect(frame.get_by_text("Northmoor").first).to_be_visible()
    expect(frame.get_by_text("Dunmere")).to_have_count(0)
    site.shot(tab, "digest-preview-after")
    tab.goto(site.url + "/digests")
    site.shot(tab, "digests")
    tab.get_by_role("link", name=re.compile(r"^Digest \d+|children")).first.click()
    expect(tab.frame_locator("iframe.digest").locator("body")).to_contain_text("Northmoor")
    site.shot(tab, "digest")


def test_add_and_remove_a_source(tab: Tab, site: Site) -> None:
    _signed_in(tab, site)
    tab.goto(site.url + "/sources")
    tab.get_by_label("Feed or page URL").fill(site.feeds.url("/other.xml"))
    tab.get_by_role("button", name="Add").click()
    expect(tab.locator(".message")).to_contain_text("added " + site.feeds.url("/other.xml"))
    row = tab.locator("tbody tr", has_text="Other News")
    expect(row).to_have_count(1)
    site.shot(tab, "sources")
    row.get_by_role("button", name="Remove").click()
    expect(tab.locator(".message")).to_contain_text("removed")
    expect(tab.locator("tbody tr", has_text="Other News")).to_have_count(0)


def test_the_themes_chart_and_the_status_page(tab: Tab, site: Site) -> None:
    _signed_in(tab, site)
    tab.goto(site.url + "/themes")
    chart = tab.locator("svg").first
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    assert tab.locator("svg rect, svg path, svg polyline").count() > 0
    site.shot(tab, "themes")
    tab.get_by_role("link", name="Councils").click()
    tab.get_by_role("link", name="Sunderland").click()
    expect(tab.locator("h1")).to_have_text("Sunderland")
    expect(tab.locator(".timeline .grade-good")).to_have_count(1)
    site.shot(tab, "council")
    tab.get_by_role("link", name="its articles, with the filters").click()
    expect(tab.get_by_label("Council")).to_have_value("E08000024")
    expect(tab.locator("tbody tr")).to_have_count(1)
    tab.get_by_role("link", name="Status").click()
    expect(tab.locator("h1")).to_contain_text("Status")
    site.shot(tab, "status")
