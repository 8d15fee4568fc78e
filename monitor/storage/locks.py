"""Locks between processes that die with their holder.

PostgreSQL: a session advisory lock on a connection kept for the purpose; when the process
dies its connection closes and the server releases the lock. SQLite: an flock on a file beside
the database; the kernel releases it when the process dies, even after `kill -9`.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import uuid
from pathlib import Path
from typing import IO, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from monitor.models import Poller
from monitor.storage.db import wrap_errors

log = logging.getLogger(__name__)


class ProcessLock(Protocol):
    name: str

    def acquire(self) -> bool:
        """Take the lock if it is free (never waits); True when this process holds it."""
        ...

    def held(self) -> bool:
        """Whether this process still holds it (a lost database connection loses it)."""
        ...

    def release(self) -> None: ...


class FileLock:
    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.name = name
        self._handle: IO[str] | None = None

    def acquire(self) -> bool:
        if self._handle is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._handle = handle
        return True

    def held(self) -> bool:
        return self._handle is not None

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def _advisory_key(name: str) -> int:
    """A stable signed 64-bit key for a lock name."""
    digest = hashlib.sha256(f"monitor:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class AdvisoryLock:
    def __init__(self, engine: Engine, name: str) -> None:
        self.engine = engine
        self.name = name
        self.key = _advisory_key(name)
        self._connection: sa.Connection | None = None

    def acquire(self) -> bool:
        if self.held():
            return True
        with wrap_errors(f"taking the {self.name} lock"):
            connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            try:
                got = connection.execute(
                    sa.select(sa.func.pg_try_advisory_lock(self.key))
                ).scalar_one()
            except BaseException:
                connection.close()
                raise
        if not got:
            connection.close()
            return False
        self._connection = connection
        return True

    def held(self) -> bool:
        if self._connection is None:
            return False
        try:
            self._connection.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError:
            log.warning("lost the database connection holding the %s lock", self.name)
            self._drop()
            return False
        return True

    def release(self) -> None:
        if self._connection is None:
            return
        with contextlib.suppress(sa.exc.SQLAlchemyError):
            self._connection.execute(sa.select(sa.func.pg_advisory_unlock(self.key)))
        self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                self._connection.invalidate()
                self._connection.close()
            self._connection = None


def make_lock(engine: Engine, name: str) -> FileLock | AdvisoryLock:
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine, name)
    database = engine.url.database or "monitor"
    return FileLock(Path(f"{database}.{name}.lock"), name)


def is_locked(lock: FileLock | AdvisoryLock) -> bool:
    """Whether another process holds `lock` now (found by trying it)."""
    if lock.held():
        return False
    if lock.acquire():
        lock.release()
        return False
    return True


def instance_name() -> str:
    return f"{os.uname().nodename}:{os.getpid()}"


def this_poller() -> Poller:
    """This process as a poller: host, pid and a random part (a pid is reused in time)."""
    host, pid = os.uname().nodename, os.getpid()
    return Poller(f"{host}:{pid}:{uuid.uuid4().hex[:8]}"[-120:], host, pid)
