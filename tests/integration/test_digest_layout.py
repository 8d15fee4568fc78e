"""The digest's HTML in a real browser (Debian's Chromium, driven by Playwright): at a phone's
width and a desktop's, nothing runs off the right edge. Screenshots are kept in
tests/artifacts/ (gitignored) for a person to look at."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, sync_playwright

from monitor.digest.build import build_digest
from monitor.digest.render import Settings, render_parts
from monitor.models import AuthorityMatch
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.digest_inputs import NOW, THEMES, activity, candidate

# Its module-scoped browser is started once: the whole module runs on one xdist worker.
pytestmark = pytest.mark.xdist_group("digest_layout")

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


EVIDENCE = (
    "Inspectors said that too many children waited too long for an assessment, and that "
    "managers did not have an accurate understanding of the quality of practice."
)
COUNCILS = (
    AuthorityMatch("E06000018", "Nottingham", "inadequate", "requires improvement", EVIDENCE),
    AuthorityMatch("E06000047", "County Durham", "outstanding", "good", EVIDENCE),
    AuthorityMatch("E09000029", "Sutton", None, None, EVIDENCE),
)


def long_digest_html() -> str:
    """A digest with what makes a column wide: long headlines, long evidence, councils and
    grades, tags, "also reported by", near misses, failing sources with long errors, and a
    URL-like string with no space to break at."""
    title = (
        "Children's services in Nottingham rated inadequate after inspectors find "
        "widespread failings in the front door and in support for care leavers"
    )
    stories = [
        replace(
            candidate(
                i,
                title=title if i % 2 else f"Workforce survey {i}: caseloads keep rising",
                themes=(("judgement-outcomes", 0.9), ("workforce", 0.6)),
                source="Community Care" if i % 3 else "Children and Young People Now",
            ),
            authorities=(COUNCILS[i % len(COUNCILS)],) if i % 2 else (),
        )
        for i in range(1, 7)
    ]
    stories[0] = replace(
        stories[0],
        themes=tuple(replace(t, evidence=(EVIDENCE, EVIDENCE)) for t in stories[0].themes),
    )
    near = candidate(40, title="Nursery closed after inspection", relevant=False, relevance=0.2)
    sources = (
        activity("Community Care"),
        activity("Children and Young People Now"),
        activity(
            "GOV.UK Ofsted announcements",
            polls_ok=0,
            polls_failed=4,
            last_poll_failed=True,
            last_error=(
                "HTTP 503 Service Unavailable from "
                "https://www.gov.uk/search/news-and-communications.atom?organisations%5B%5D=ofsted"
                "&order=updated-newest&content_store_document_type=news_story"
            ),
        ),
    )
    digest = build_digest(
        [*stories, near], list(sources), THEMES, since=NOW.replace(day=22), until=NOW
    )
    settings = Settings(ZoneInfo("Europe/London"), "0 7 * * *", "the built-in themes file")
    token = "abcdefghijklmnopqrstuvwxyz0123456789"
    _, html = render_parts(
        digest, settings, lambda id, action: f"https://monitor.example/f/{id}/{action}?t={token}"
    )
    return html


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: `apt-get install chromium` (.ci/run does it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.mark.parametrize("width", [390, 1200])
def test_the_digest_fits_the_window(browser: Browser, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 844})
    try:
        page.set_content(long_digest_html())
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"digest-{width}px.png"), full_page=True)
        scroll_width, inner_width, column = page.evaluate(
            """() => [
                document.documentElement.scrollWidth,
                window.innerWidth,
                document.querySelector('table table').getBoundingClientRect().width,
            ]"""
        )
    finally:
        page.close()
    assert scroll_width <= inner_width
    # The column is as wide as the window allows, and no wider than 600 px.
    assert column <= 600
    assert column >= min(600, width - 16)
