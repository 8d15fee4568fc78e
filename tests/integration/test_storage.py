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
