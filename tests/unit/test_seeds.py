from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.bundled import bundled_path
from monitor.ingest.seeds import find_date, load_feeds, load_seed_articles, parse_seed_article
from tests.support.paths import SHARED


def test_project_seed_articles_are_the_shared_ones_unchanged() -> None:
    shared = SHARED / "seeds"
    if not shared.is_dir():
        pytest.skip("../shared/seeds is not present beside the checkout")
    ours = bundled_path("seeds") / "articles"
    names = sorted(p.name for p in shared.glob("*.txt"))
    assert names == sorted(p.name for p in ours.glob("*.txt"))
    for name in names:
        assert (ours / name).read_bytes() == (shared / name).read_bytes()


def test_seed_articles_have_titles_and_dates_where_given() -> None:
    articles = {a.file_name[:3]: a for a in load_seed_articles(bundled_path("seeds") / "articles")}
    assert len(articles) == 5
    assert articles["000"].title.startswith("Loughton: Ofsted must focus more")
    # The site furniture before the headline gives way to the headline.
    assert articles["001"].title.startswith("LGA blasts Ofsted")
    assert articles["002"].published == datetime(2019, 9, 27, tzinfo=UTC)
    assert articles["003"].published == datetime(2015, 4, 29, tzinfo=UTC)
    assert articles["000"].published is None
    assert "Tim Loughton" in articles["000"].text


def test_first_line_is_the_title() -> None:
    article = parse_seed_article("x.txt", "Ofsted to inspect councils again\n\nBody text here.")
    assert article.title == "Ofsted to inspect councils again"
    assert article.text == "Body text here."


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Published 3rd March 2021 by", datetime(2021, 3, 3, tzinfo=UTC)),
        ("Monday, June 7, 2010", datetime(2010, 6, 7, tzinfo=UTC)),
        ("no date", None),
    ],
)
def test_find_date(text: str, day: datetime | None) -> None:
    assert find_date(text)[0] == day


def test_default_feeds_are_valid_and_include_the_named_outlets() -> None:
    feeds = load_feeds(bundled_path("seeds") / "feeds.toml")
    urls = " ".join(f.url for f in feeds)
    for outlet in ("gov.uk", "communitycare.co.uk", "cypnow.co.uk", "news.google.com"):
        assert outlet in urls
    assert all(f.name for f in feeds)


def test_feeds_file_errors_are_seed_errors(tmp_path: Path) -> None:
    from monitor.errors import SeedError

    bad = tmp_path / "feeds.toml"
    bad.write_text('[[feeds]]\nurl = "file:///etc/passwd"\n')
    with pytest.raises(SeedError, match="feed #1"):
        load_feeds(bad)
