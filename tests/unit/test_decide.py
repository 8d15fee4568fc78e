"""The ingest decider's rules, without servers or a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.errors import FetchError
from monitor.ingest.decide import (
    Duplicate,
    EntryOrigin,
    FetchedPage,
    KeyedEntry,
    classify_date,
    decide,
    draft_article,
    draft_seed,
    failures_are_ours,
    key_entries,
    lookup_keys,
    next_poll_after_failure,
    triage,
)
from monitor.ingest.identity import fingerprint, seen_key
from monitor.ingest.policy import PollPolicy
from monitor.models import EntryCandidate, Extracted, NewArticle

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
FEED = EntryOrigin("https://news.example/feed", 7, "News Example", "poll")
BODY = "\n".join(
    f"Paragraph {n} of the inspection report says that children in the county waited too long "
    "for help and that managers did not know."
    for n in range(8)
)


def entry(
    link: str | None = "https://news.example/story?utm_source=rss",
    *,
    entry_id: str | None = "id-1",
    title: str | None = "Council rated inadequate",
    summary: str | None = "The feed's own summary.",
    published: datetime | None = NOW - timedelta(days=1),
    published_raw: str | None = "Sun, 22 Nov 2026 09:00:00 GMT",
) -> EntryCandidate:
    return EntryCandidate(entry_id, link, title, summary, published_raw, published, "A Reporter")


def extracted(**changes: object) -> Extracted:
    values: dict[str, object] = {
        "text": BODY,
        "title": "Council rated inadequate | News Example",
        "author": "Page Author",
        "published_raw": "2026-11-20",
        "site_name": "News Example",
        "canonical_url": None,
    }
    values.update(changes)
    return Extracted(**values)  # type: ignore[arg-type]


def page(final_url: str = "https://news.example/story", **changes: object) -> FetchedPage:
    return FetchedPage(final_url, extracted(**changes), b"gz", None)


def keyed(item: EntryCandidate, origin: EntryOrigin = FEED) -> KeyedEntry:
    [one] = key_entries(origin, (item,))
    return one


def new_article(
    item: EntryCandidate,
    fetched: FetchedPage | None,
    origin: EntryOrigin = FEED,
    known: set[str] | None = None,
) -> NewArticle:
    draft = draft_article(origin, keyed(item, origin), fetched)
    assert draft is not None
    decision = decide(draft, known or set(), NOW)
    assert isinstance(decision, NewArticle)
    return decision


# --- identities of feed entries ------------------------------------------------------------


def test_entries_are_known_by_id_within_their_feed_and_by_canonical_link() -> None:
    item = keyed(entry())
    assert item.link == "https://news.example/story"  # tracking parameters dropped
    assert item.key == seen_key("entry", f"{FEED.key}\nid-1")
    other_feed = keyed(entry(), EntryOrigin("https://other.example/feed", 8, "Other", "poll"))
    assert other_feed.key != item.key and other_feed.link_key == item.link_key
    assert lookup_keys([item]) == [item.key, item.link_key]


def test_an_entry_without_id_or_link_is_known_by_its_content() -> None:
    bare = keyed(entry(None, entry_id=None))
    same = keyed(entry(None, entry_id=None))
    edited = keyed(entry(None, entry_id=None, summary="Another summary."))
    assert bare.link is None and bare.link_key is None
    assert bare.key == same.key != edited.key


def test_triage_sorts_fresh_known_and_relinked_entries() -> None:
    known, relinked, fresh = (
        keyed(entry("https://news.example/a", entry_id="a")),
        keyed(entry("https://news.example/b", entry_id="b")),
        keyed(entry("https://news.example/c", entry_id="c")),
    )
    assert relinked.link_key is not None
    sorted_out = triage([known, relinked, fresh], {known.key, relinked.link_key})
    assert sorted_out.fresh == (fresh,)
    assert sorted_out.relinked == ((relinked.key, relinked.link_key),)
    assert sorted_out.duplicates == 2


# --- one article ---------------------------------------------------------------------------


def test_the_page_text_wins_and_the_feed_title_is_kept() -> None:
    article = new_article(entry(), page())
    assert article.text == BODY
    assert article.title == "Council rated inadequate"
    assert article.summary == "The feed's own summary."
    assert article.author == "A Reporter"
    assert article.site_name == "News Example"
    assert article.html_gz == b"gz"
    assert article.extraction_error is None


def test_without_a_page_the_feed_summary_is_the_text() -> None:
    article = new_article(entry(), None)
    assert article.text == "The feed's own summary."
    assert article.url == "https://news.example/story"
    assert article.html_gz is None


def test_a_page_error_is_kept_with_the_feed_text() -> None:
    failed = FetchedPage("https://news.example/story", None, None, "page not fetched: HTTP 500")
    article = new_article(entry(), failed)
    assert article.text == "The feed's own summary."
    assert article.extraction_error == "page not fetched: HTTP 500"


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        (
            "https://news.example/2026/council-rated?utm_medium=home",
            "https://news.example/2026/council-rated",
        ),
        ("/2026/council-rated", "https://news.example/2026/council-rated"),
        ("https://news.example/", "https://news.example/story"),  # a home page is no canonical
        ("javascript:alert(1)", "https://news.example/story"),
        (None, "https://news.example/story"),
    ],
)
def test_the_pages_canonical_url_is_preferred_when_plausible(
    declared: str | None, expected: str
) -> None:
    article = new_article(entry(), page(canonical_url=declared))
    assert article.url == expected


def test_every_url_the_article_was_seen_under_is_an_identity() -> None:
    fetched = page("https://news.example/final", canonical_url="https://news.example/canonical")
    article = new_article(entry(), fetched)
    urls = [
        "https://news.example/story",
        "https://news.example/final",
        "https://news.example/canonical",
    ]
    for url in urls:
        assert seen_key("url", url) in article.keys
    print_ = fingerprint(BODY)
    assert print_ is not None and article.fingerprint == print_
    assert seen_key("fp", print_) in article.keys


@pytest.mark.parametrize(
    ("feed_title", "page_title", "text", "expected"),
    [
        ("Feed title", "Page title", BODY, "Feed title"),
        (None, "Page title", BODY, "Page title"),
        (None, None, "First line of the text\nSecond line", "First line of the text"),
        (None, None, "x" * 300, "x" * 120),
    ],
)
def test_title_fallbacks(
    feed_title: str | None, page_title: str | None, text: str, expected: str
) -> None:
    article = new_article(entry(title=feed_title), page(title=page_title, text=text))
    assert article.title == expected


def test_nothing_to_store_without_title_or_text() -> None:
    empty = entry(title=None, summary=None)
    assert draft_article(FEED, keyed(empty), None) is None


# --- dates ---------------------------------------------------------------------------------


def test_the_feed_date_wins_over_the_page_date() -> None:
    article = new_article(entry(), page(published_raw="2020-01-01"))
    assert article.published_at == NOW - timedelta(days=1)
    assert article.date_status == "ok"


def test_the_page_date_fills_in_for_an_undated_entry() -> None:
    article = new_article(entry(published=None, published_raw=None), page())
    assert article.published_at == datetime(2026, 11, 20, tzinfo=UTC)
    assert article.published_raw == "2026-11-20"


@pytest.mark.parametrize(
    ("published", "raw", "status"),
    [
        (NOW - timedelta(days=1), "x", "ok"),
        (NOW + timedelta(minutes=30), "x", "ok"),  # clocks disagree a little
        (NOW + timedelta(days=30), "x", "future"),
        (None, "garbage", "unparseable"),
        (None, None, "missing"),
    ],
)
def test_date_trust(published: datetime | None, raw: str | None, status: str) -> None:
    assert classify_date(published, raw, NOW) == status


def test_an_unreadable_page_date_is_ignored() -> None:
    article = new_article(entry(published=None, published_raw=None), page(published_raw="soon"))
    assert article.published_at is None and article.date_status == "missing"


def test_on_a_first_poll_entries_older_than_the_look_back_are_history() -> None:
    first_poll = EntryOrigin(FEED.key, 7, "News", "poll", history_before=NOW - timedelta(days=7))
    old = new_article(entry(published=NOW - timedelta(days=30)), None, first_poll)
    recent = new_article(entry(published=NOW - timedelta(days=2)), None, first_poll)
    undated = new_article(entry(published=None, published_raw=None), None, first_poll)
    future = new_article(entry(published=NOW + timedelta(days=30)), None, first_poll)
    assert (old.origin, recent.origin, undated.origin, future.origin) == (
        "backfill",
        "poll",
        "poll",
        "poll",
    )
    assert new_article(entry(published=NOW - timedelta(days=30)), None).origin == "poll"


# --- duplicates ----------------------------------------------------------------------------


def test_a_known_fingerprint_makes_a_duplicate_that_keeps_the_new_identities() -> None:
    print_ = fingerprint(BODY)
    assert print_ is not None
    syndicated = entry("https://syndicator.example/copy", entry_id="copy")
    draft = draft_article(FEED, keyed(syndicated), page("https://syndicator.example/copy"))
    assert draft is not None
    decision = decide(draft, {seen_key("fp", print_)}, NOW)
    assert decision == Duplicate(draft.keys, seen_key("fp", print_))


def test_a_known_url_makes_a_duplicate() -> None:
    draft = draft_article(FEED, keyed(entry()), page())
    assert draft is not None
    known = seen_key("url", "https://news.example/story")
    assert isinstance(decide(draft, {known}, NOW), Duplicate)


def test_short_texts_have_no_fingerprint() -> None:
    article = new_article(entry(), page(text="Too short to be telling."))
    assert article.fingerprint is None
    assert not any(key.startswith("f") for key in article.keys)


def test_seed_articles_are_keyed_by_file_name_and_content() -> None:
    seeds = EntryOrigin("seed corpus", None, "seed corpus", "backfill")
    draft = draft_seed(seeds, "000_x.txt", "Seed title", BODY, None, None)
    again = draft_seed(seeds, "000_x.txt", "Seed title", BODY, None, None)
    assert draft.keys == again.keys and len(draft.keys) == 2
    article = decide(draft, set(), NOW)
    assert isinstance(article, NewArticle)
    assert article.origin == "backfill" and article.url is None
    assert article.date_status == "missing"
    assert isinstance(decide(again, {draft.keys[0]}, NOW), Duplicate)


# --- sources -------------------------------------------------------------------------------


def test_backoff_doubles_honours_retry_after_and_is_capped() -> None:
    policy = PollPolicy(1800, 86400, 1, 1)
    assert next_poll_after_failure(NOW, 1, policy, None) == NOW + timedelta(seconds=1800)
    assert next_poll_after_failure(NOW, 3, policy, None) == NOW + timedelta(seconds=7200)
    assert next_poll_after_failure(NOW, 1, policy, 3600) == NOW + timedelta(seconds=3600)
    assert next_poll_after_failure(NOW, 40, policy, None) == NOW + timedelta(days=1)


def test_network_failures_everywhere_are_ours() -> None:
    dns = FetchError("cannot resolve host", network=True)
    assert failures_are_ours(2, [dns, dns])
    assert not failures_are_ours(2, [dns, FetchError("HTTP 404", status=404)])
