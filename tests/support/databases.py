"""Fresh PostgreSQL databases from a migrated template, made ahead and dropped behind.

A test's own database costs a CREATE DATABASE ... TEMPLATE before it (0.2-0.4 s) and a
DROP DATABASE ... WITH (FORCE) after it (up to 0.8 s, mostly the server waiting on the disk):
a second a test, for over a hundred tests a worker. Here one thread of the worker's own does
both, in order, while the tests run: a spare database is made while the test that will not
need it runs, and a test's database is dropped while the next one runs. Each test still gets
a database of its own, made from the template and used by nobody before it; a drop that
fails is raised when the session ends."""

from __future__ import annotations

import uuid
from concurrent.futures import Future, ThreadPoolExecutor

import sqlalchemy as sa

from monitor.storage.db import make_engine


class PostgresDatabases:
    def __init__(self, base: str, template: str) -> None:
        self._admin = sa.create_engine(make_engine(base).url, isolation_level="AUTOCOMMIT")
        self._template = template
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="postgres-databases")
        self._spare: Future[str] | None = None
        self._drops: list[Future[None]] = []
        self.made: list[str] = []  # every database it created, in order

    def _create(self) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        with self._admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE {self._template}")
        self.made.append(name)
        return name

    def _drop(self, name: str) -> None:
        with self._admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def url(self, name: str) -> str:
        return self._admin.url.set(database=name).render_as_string(hide_password=False)

    def take(self) -> str:
        """The name of a new database, no one's but the caller's; the next is started."""
        spare = self._spare or self._thread.submit(self._create)
        self._spare = None
        name = spare.result()
        self._spare = self._thread.submit(self._create)
        return name

    def give_back(self, name: str) -> None:
        """Drop it (after whatever the thread is doing); its connections are ended."""
        self._drops = [d for d in self._drops if not d.done() or d.exception()]
        self._drops.append(self._thread.submit(self._drop, name))

    def close(self) -> None:
        if self._spare is not None:
            self.give_back(self._spare.result())
            self._spare = None
        self._thread.shutdown(wait=True)
        self._admin.dispose()
        for drop in self._drops:
            drop.result()  # raises the error of a drop that failed
