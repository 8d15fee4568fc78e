"""Schema, migrations and concurrency on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from monitor.errors import ConfigError, StorageError
from monitor.ingest.identity import seen_key
from monitor.models import Classification, NewArticle, ThemeMatch
from monitor.storage import tables
from monitor.storage.db import alembic_config, is_current, make_engine, upgrade
from monitor.storage.store import Store

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _diff(engine: sa.Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": tables.is_modelled}
        )
        return list(compare_metadata(context, tables.metadata))


def test_migrations_and_models_agree(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    assert not is_current(engine)
    upgrade(engine)
    assert is_current(engine)
    assert _diff(engine) == []
    engine.dispose()


def test_downgrade_to_base_and_up_again(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    config = alembic_config(engine)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(config, "head")
    assert _diff(engine) == []
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path: object) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/x/monitor.db")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


@pytest.mark.parametrize("url", ["mysql://x/y", "not a url at all"])
def test_unsupported_database_urls_are_config_errors(url: str) -> None:
    with pytest.raises(ConfigError):
        make_engine(url)


def test_unreachable_database_is_a_storage_error() -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    with pytest.raises(StorageError, match="database unavailable"):
        upgrade(engine)


def _article(url: str, key: str) -> NewArticle:
    return NewArticle(
        url=url,
        entry_url=url,
        source_id=None,
        source_name="s",
        origin="poll",
        title="t",
        text="body \x00text",
        summary=None,
        author=None,
        site_name=None,
        html_gz=b"\x1f\x8b",
        extraction_error=None,
        published_raw=None,
        published_at=None,
        date_status="missing",
        first_seen_at=NOW,
        fingerprint=None,
        keys=(seen_key("entry", key), seen_key("url", url)),
    )


def test_concurrent_writers_wait_instead_of_failing(db_url: str) -> None:
    """Eight threads with their own engines (as separate processes would have) all get through."""
    errors: list[BaseException] = []

    def write(n: int) -> None:
        engine = make_engine(db_url)
        try:
            store = Store(engine)
            for i in range(10):
                store.add_article(
                    _article(f"https://x.example/{n}/{i}", f"{n}-{i}"),
                    Classification(None, None),
                    NOW,
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    engine = make_engine(db_url)
    assert Store(engine).count_articles() == 80
    engine.dispose()


def test_article_with_a_taken_url_joins_the_existing_one(db_url: str) -> None:
    engine = make_engine(db_url)
    store = Store(engine)
    first = store.add_article(
        _article("https://x.example/a", "one"), Classification(None, None), NOW
    )
    again = store.add_article(
        _article("https://x.example/a", "two"), Classification(None, None), NOW
    )
    assert first is not None and again is None
    assert store.known_keys([seen_key("entry", "two")]) == {seen_key("entry", "two")}
    engine.dispose()


def test_classification_round_trip(db_url: str) -> None:
    engine = make_engine(db_url)
    store = Store(engine)
    article_id = store.add_article(
        _article("https://x.example/a", "one"), Classification(None, None), NOW
    )
    assert article_id is not None
    store.save_classification(
        article_id,
        Classification(
            True, 0.9, (ThemeMatch("workforce", 0.7, ("Caseloads rose.",)),), "lexical-1"
        ),
        NOW,
    )
    (summary,) = store.list_articles(relevant=True)
    assert (
        summary.relevant is True and summary.themes == ("workforce",) and summary.relevance == 0.9
    )
    (stored,) = list(store.iter_articles())
    assert stored.text == "body text" and stored.html_gz == b"\x1f\x8b"
    status = store.status()
    assert (status.articles, status.relevant, status.unclassified) == (1, 1, 0)
    engine.dispose()


def test_default_feeds_load_once_in_a_database_life(db_url: str) -> None:
    engine = make_engine(db_url)
    store = Store(engine)
    feeds = [("https://a.example/feed", "A"), ("https://b.example/feed", None)]
    assert store.load_default_feeds(feeds, NOW) == 2
    for source in store.list_sources():
        store.remove_source(source.id)
    assert store.load_default_feeds(feeds, NOW) == 0
    assert store.list_sources() == []
    engine.dispose()


def _filed(engine: sa.Engine, article_id: int) -> tuple[object, set[str]]:
    """What the storage files an article under: (article.filed_relevant, its article_theme
    rows), each row's sort_at checked against the article's."""
    with engine.connect() as connection:
        relevant, sort_at = connection.execute(
            sa.text("SELECT filed_relevant, sort_at FROM article WHERE id = :id"),
            {"id": article_id},
        ).one()
        rows = connection.execute(
            sa.text("SELECT theme_id, sort_at FROM article_theme WHERE article_id = :id"),
            {"id": article_id},
        ).all()
    assert all(at == sort_at for _, at in rows)
    return (None if relevant is None else bool(relevant)), {theme for theme, _ in rows}


def _themes(*ids: str) -> Classification:
    return Classification(True, 0.9, tuple(ThemeMatch(t, 0.5, ("e",)) for t in ids), "test")


def test_storage_files_articles_by_their_classification_and_label(db_url: str) -> None:
    """filed_relevant and article_theme follow every write: a new article, a
    reclassification, each kind of label, and a reclassification under a label."""
    engine = make_engine(db_url)
    store = Store(engine)
    article_id = store.add_article(
        _article("https://x.example/a", "a"), _themes("workforce", "improvement"), NOW
    )
    other = store.add_article(_article("https://x.example/b", "b"), Classification(None, None), NOW)
    assert article_id is not None and other is not None
    assert _filed(engine, article_id) == (True, {"workforce", "improvement"})
    assert _filed(engine, other) == (None, set())

    store.save_classification(article_id, Classification(False, 0.1, (), "test"), NOW)
    assert _filed(engine, article_id) == (False, set())
    store.record_feedback([article_id], "a@x", "wrong_theme", ["funding-context"], None, NOW)
    assert _filed(engine, article_id) == (True, {"funding-context"})
    # The readers' label still wins over a new classification.
    store.save_classification(article_id, _themes("workforce"), NOW)
    assert _filed(engine, article_id) == (True, {"funding-context"})
    store.record_feedback([article_id], "a@x", "relevant", None, None, NOW)
    assert _filed(engine, article_id) == (True, {"workforce"})
    store.record_feedback([article_id, other], "b@x", "not_relevant", None, None, NOW)
    assert _filed(engine, article_id) == (False, set())
    assert _filed(engine, other) == (False, set())
    engine.dispose()


def test_migration_files_the_articles_stored_before(empty_db_url: str) -> None:
    """20261201_article_theme fills filed_relevant and article_theme for existing rows, the
    readers' labels winning, as the storage would have."""
    engine = make_engine(empty_db_url)
    config = alembic_config(engine)
    command.upgrade(config, "20261201_reliability")
    workforce = [{"id": "workforce", "score": 0.5, "evidence": []}]
    rows = {  # id: (classifier's relevant, its themes, label, label's themes)
        1: (True, [*workforce, {"id": "improvement", "score": 0.4, "evidence": []}], None, None),
        2: (False, [], None, None),
        3: (True, workforce, "not_relevant", None),
        4: (False, [], "wrong_theme", ["funding-context", "workforce"]),
        5: (True, workforce, "relevant", None),
        6: (None, None, None, None),  # never classified
    }
    a, c, lab = (tables.metadata.tables[n] for n in ("article", "classification", "article_label"))
    with engine.begin() as connection:
        for i, (relevant, themes, label, ticked) in rows.items():
            connection.execute(
                sa.insert(a).values(
                    id=i,
                    source_name="s",
                    origin="poll",
                    title="t",
                    text="x",
                    date_status="ok",
                    first_seen_at=NOW,
                    sort_at=NOW.replace(day=i),
                )
            )
            if themes is not None:
                connection.execute(
                    sa.insert(c).values(
                        article_id=i,
                        relevant=relevant,
                        relevance=0.5,
                        themes=themes,
                        classifier="t",
                        classified_at=NOW,
                    )
                )
            if label is not None:
                connection.execute(
                    sa.insert(lab).values(
                        article_id=i, label=label, themes=ticked, who="w", updated_at=NOW
                    )
                )
    command.upgrade(config, "head")
    assert {i: _filed(engine, i) for i in rows} == {
        1: (True, {"workforce", "improvement"}),
        2: (False, set()),
        3: (False, set()),
        4: (True, {"funding-context", "workforce"}),
        5: (True, {"workforce"}),
        6: (None, set()),
    }
    engine.dispose()
