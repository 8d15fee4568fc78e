"""The tests' PostgreSQL databases: each taken one new and migrated, dropped once given back,
and the spare made ahead dropped when the session's are closed."""

from __future__ import annotations

import sqlalchemy as sa

from monitor.storage.db import is_current, make_engine
from tests.support.databases import PostgresDatabases


def _names(admin: sa.Engine) -> set[str]:
    with admin.connect() as conn:
        return {row[0] for row in conn.exec_driver_sql("SELECT datname FROM pg_database")}


def test_each_database_is_new_and_dropped_after_use(postgres_template: tuple[str, str]) -> None:
    base, template = postgres_template
    admin = sa.create_engine(make_engine(base).url)
    databases = PostgresDatabases(base, template)
    try:
        first = databases.take()
        engine = make_engine(databases.url(first))
        with engine.begin() as conn:
            assert is_current(engine)
            conn.exec_driver_sql("INSERT INTO meta (key, value) VALUES ('mark', 'first')")
        engine.dispose()
        databases.give_back(first)
        second = databases.take()
        assert second != first
        engine = make_engine(databases.url(second))
        with engine.connect() as conn:
            assert (
                conn.exec_driver_sql("SELECT count(*) FROM meta WHERE key = 'mark'").scalar() == 0
            )
        engine.dispose()
        databases.give_back(second)
    finally:
        databases.close()
    left = _names(admin)
    admin.dispose()
    assert databases.made[:2] == [first, second] and len(databases.made) == 3  # and a spare
    assert not left & set(databases.made)
