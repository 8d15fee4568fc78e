"""Engines, transactions and schema upgrades.

SQLite runs in WAL mode with a busy timeout so the CLI can read while the service writes;
write transactions start with BEGIN IMMEDIATE so concurrent writers queue instead of failing
with "database is locked" half-way through.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlmodel import Session

from monitor.bundled import bundled_path
from monitor.errors import ConfigError, StorageError

_WRITE = "monitor_write"
# Execution options that make a connection's transaction a write transaction (BEGIN IMMEDIATE).
WRITE_OPTIONS = {_WRITE: True}
SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str) -> Engine:
    """An engine for `url`; raises ConfigError for URLs we cannot use."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ConfigError(f"MONITOR_DATABASE_URL is not a database URL: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            folder = Path(database).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(
                    f"cannot create the folder {folder} for the database: "
                    f"{exc.strerror or exc} (set MONITOR_DATA_DIR to a folder you can write)"
                ) from exc
        engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return sa.create_engine(parsed, pool_pre_ping=True)
    raise ConfigError(
        f"unsupported database {parsed.get_backend_name()!r}: use sqlite:///PATH or "
        "postgresql+psycopg://USER@HOST/DB"
    )


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL or an in-memory database)."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        return None
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    return Path(database)


def describe_database(url: str) -> str:
    """The database for people to read: a SQLite file's absolute path, or the URL with its
    password masked."""
    path = sqlite_path(url)
    if path is not None:
        return str(path.absolute())
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "(not a database URL)"


def has_schema(engine: Engine) -> bool:
    """Whether the database was ever set up by monitor (it has a migration version)."""
    with wrap_errors("reading the schema version"), engine.connect() as connection:
        return sa.inspect(connection).has_table("alembic_version")


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        immediate = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _one_line(error: object) -> str:
    return " ".join(str(error).split())


@contextlib.contextmanager
def wrap_errors(action: str) -> Iterator[None]:
    """Turn database failures (not programming errors) into StorageError."""
    try:
        yield
    except OperationalError as exc:
        raise StorageError(f"database unavailable while {action}: {_one_line(exc.orig)}") from exc
    except SQLAlchemyError as exc:
        if isinstance(exc, sa.exc.DBAPIError) and not isinstance(exc, sa.exc.IntegrityError):
            raise StorageError(f"database error while {action}: {_one_line(exc.orig)}") from exc
        raise


@contextlib.contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session whose transaction takes SQLite's write lock up front; commits on success."""
    with Session(engine.execution_options(**WRITE_OPTIONS), expire_on_commit=False) as session:
        yield session
        session.commit()


@contextlib.contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(bundled_path("alembic")))
    config.attributes["engine"] = engine
    return config


# The PostgreSQL advisory lock key that serialises schema upgrades ("mon" + 0).
SCHEMA_LOCK_KEY = 0x6D6F6E00


@contextlib.contextmanager
def schema_lock(engine: Engine) -> Iterator[None]:
    """Several processes starting at once on one PostgreSQL database set it up one at a time
    (SQLite's own write lock already does this for SQLite)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with wrap_errors("waiting for the schema lock"), engine.connect() as connection:
        connection.execute(sa.select(sa.func.pg_advisory_lock(SCHEMA_LOCK_KEY)))
        connection.commit()
        try:
            yield
        finally:
            connection.execute(sa.select(sa.func.pg_advisory_unlock(SCHEMA_LOCK_KEY)))
            connection.commit()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is already there). A
    database a newer monitor upgraded is refused with one line (ConfigError: exit 2)."""
    _versions(engine)
    with wrap_errors("applying migrations"):
        command.upgrade(alembic_config(engine), "head")


def _versions(engine: Engine) -> tuple[set[str], set[str]]:
    """(the database's revisions, this installation's heads); ConfigError when the database
    names a revision this installation does not have."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(engine))
    with wrap_errors("reading the schema version"), engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    known = {r.revision for r in script.walk_revisions()}
    unknown = sorted(current - known)
    if unknown:
        raise ConfigError(
            f"the database was upgraded by a newer monitor (revision {', '.join(unknown)}); "
            "upgrade this installation"
        )
    return current, set(script.get_heads())


def is_current(engine: Engine) -> bool:
    current, heads = _versions(engine)
    return current == heads
