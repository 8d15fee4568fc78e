"""Search in the storage, on SQLite and PostgreSQL: words, phrases and exclusions, with the
relevance filter and pagination. On PostgreSQL a phrase is first looked up by its adjacent
word pairs (`article.search_pairs`): its results must be those of the tsquery alone."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command

from monitor.models import ArticleFilter, Classification, RelevanceFilter
from monitor.storage import tables
from monitor.storage.db import alembic_config, make_engine
from monitor.storage.search import _PhraseLookup, parse_search
from monitor.storage.store import Store
from tests.support.builders import stored_article

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
VOCABULARY = (
    "social workers worker work care carers children services council budget foster "
    "the of and a homes review pay staff"
).split()
CRAFTED = {  # title, text: the edges of a phrase
    1: ("Social workers strike", "Pay talks failed."),
    2: ("Pay", "Many social workers left; the budget was cut."),
    3: ("Council news", "Social care workers met."),
    4: ("Workers, social", "The workers, social and otherwise."),
    5: ("Social", "workers of the world"),  # across the title and the text
    6: ("Foster-care review", "Foster care and foster-care placements."),
    7: ("Children of the council", "The children of a council."),
    8: ("Care care", "Care, care, care."),
    9: ("Long", "filler " * 16_400 + "social workers at the end"),  # past position 16,383
    10: ("Social worker's day", "SOCIAL WORKERS' pay; a social worker's day."),
}
QUERIES = [
    '"social workers"',
    '"social workers" -budget',
    '"social workers" -"the budget"',
    '"social workers" pay',
    '"social workers" the',
    '"social workers" zzzz',
    '"workers social"',
    '"social care workers"',
    '"foster care"',
    '"foster-care placements"',
    '"children of the council"',
    '"care care"',
    '"care care care"',
    '"social workers" "foster care"',
    '"the social workers"',
    '"social workers at the end"',
    "social workers",
    "social -workers",
    '-"social workers"',
]


def _store(url: str) -> Store:
    store = Store(make_engine(url))
    rng = random.Random(7)
    texts = dict(CRAFTED)
    for n in range(11, 131):
        words = [rng.choice(VOCABULARY) for _ in range(rng.randint(5, 40))]
        texts[n] = (" ".join(words[:3]).capitalize(), " ".join(words[3:]) + ".")
    for n, (title, text) in texts.items():
        seen = NOW - timedelta(hours=n * 7 % 131)  # not in the order of the ids
        relevant = n % 3 != 0
        found = store.add_article(
            stored_article(f"https://news.example/{n}", title, text, seen),
            Classification(relevant, 0.8 if relevant else 0.1, (), "test"),
            NOW,
        )
        assert found is not None
    return store


def _pages(
    store: Store, q: str, relevant: RelevanceFilter, per_page: int, reference: bool = False
) -> list[list[int]]:
    """The ids of every page; `reference`: the tsquery alone, as before the word pairs."""
    f = ArticleFilter(relevant=relevant, search=parse_search(q))
    pages: list[list[int]] = []
    for page in range(1, 200):
        if reference:
            with store.engine.connect() as connection:
                query = store._page_query(f, _PhraseLookup(), page, per_page)
                rows = [r.id for r in connection.execute(query)]
            ids, more = rows[:per_page], len(rows) > per_page
        else:
            found = store.find_articles(f, page=page, per_page=per_page)
            ids, more = [r.summary.id for r in found.rows], found.has_next
        pages.append(ids)
        if not more:
            return pages
    raise AssertionError("no last page")


def _titles(store: Store, q: str) -> set[str]:
    found = store.find_articles(ArticleFilter(search=parse_search(q)), per_page=500)
    return {r.summary.title for r in found.rows if r.summary.id <= len(CRAFTED)}


def test_phrases_words_and_exclusions(db_url: str) -> None:
    store = _store(db_url)
    assert _titles(store, '"social workers"') >= {
        "Social workers strike",
        "Pay",
        "Social worker's day",
    }
    assert "Council news" not in _titles(store, '"social workers"')
    assert "Council news" in _titles(store, "social workers")
    assert "Pay" not in _titles(store, '"social workers" -budget')
    assert _titles(store, '"social workers" -budget') >= {"Social workers strike"}
    assert _titles(store, '"social workers" pay') == {
        "Social workers strike",
        "Pay",
        "Social worker's day",
    }
    assert _titles(store, '"social workers" zzzz') == set()
    assert _titles(store, '"workers social"') == {"Workers, social"}
    assert _titles(store, '"social care workers"') == {"Council news"}
    assert _titles(store, '"care care care"') == {"Care care"}
    assert {"Foster-care review"} <= _titles(store, '"foster care"')
    if store.is_postgresql:  # a stop word (FTS5 has none) beside a phrase drops out
        assert _titles(store, '"social workers" the') == _titles(store, '"social workers"')
    store.engine.dispose()


@pytest.mark.parametrize("relevant", ["all", "relevant", "near", "not"])
def test_a_phrase_finds_what_its_tsquery_alone_finds(
    db_url: str, relevant: RelevanceFilter
) -> None:
    """The same articles, order, pages and `has_next` with and without the word pairs (on
    SQLite, where nothing is looked up first, both are the same query)."""
    store = _store(db_url)
    for q in QUERIES:
        terms = parse_search(q)
        with store.engine.connect() as connection:
            lookup = store._phrase_lookup(connection, terms)
        if store.is_postgresql and any(len(words) > 1 for words in terms.include):
            if q not in ('"children of the council"', '"social workers" the'):
                assert lookup.pairs, q  # the pairs are looked up, not skipped
        for per_page in (3, 50):
            found = _pages(store, q, relevant, per_page)
            assert found == _pages(store, q, relevant, per_page, True), (q, per_page)
    store.engine.dispose()


def test_word_pairs_follow_the_text(db_url: str) -> None:
    """Kept up to date when an article's text changes (a generated column on PostgreSQL)."""
    store = _store(db_url)
    assert "Social workers strike" in _titles(store, '"talks failed"')
    with store.engine.begin() as connection:
        a = tables.metadata.tables["article"]
        connection.execute(sa.update(a).where(a.c.id == 1).values(text="Talks resumed."))
    assert "Social workers strike" not in _titles(store, '"talks failed"')
    assert "Social workers strike" in _titles(store, '"talks resumed"')
    store.engine.dispose()


def test_long_tokens_side_by_side_are_stored_and_searched(db_url: str) -> None:
    """Two adjacent tokens of 2,000 characters (a GIN entry holds 2,712 bytes at most)."""
    store = Store(make_engine(db_url))
    rng = random.Random(3)
    tokens = ["".join(rng.choice("bcdfghjkmnpqrstvwxz0123456789") for _ in range(2000))]
    tokens.append("".join(rng.choice("bcdfghjkmnpqrstvwxz0123456789") for _ in range(2000)))
    text = f"Social workers {tokens[0]} {tokens[1]} wrote."
    found = store.add_article(
        stored_article("https://news.example/long", "Long tokens", text, NOW),
        Classification(True, 0.8, (), "test"),
        NOW,
    )
    assert found is not None
    assert _titles(store, '"social workers"') == {"Long tokens"}
    store.engine.dispose()


def test_migration_fills_the_pairs_of_the_articles_stored_before(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    config = alembic_config(engine)
    command.upgrade(config, "20261201_article_theme")
    with engine.begin() as connection:
        connection.execute(
            sa.insert(tables.metadata.tables["article"]).values(
                id=1,
                source_name="s",
                origin="poll",
                title="Before",
                text="Social workers were here first.",
                date_status="ok",
                first_seen_at=NOW,
                sort_at=NOW,
            )
        )
    command.upgrade(config, "head")
    store = Store(engine)
    found = store.find_articles(ArticleFilter(search=parse_search('"social workers" -later')))
    assert [r.summary.id for r in found.rows] == [1]
    if store.is_postgresql:
        with engine.connect() as connection:
            pairs = connection.execute(sa.text("SELECT search_pairs FROM article")).scalar()
        assert pairs == ["social worker"]  # "before" and "were here" are stop words
    engine.dispose()
