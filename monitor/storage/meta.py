"""Small named values the service keeps in the database (`meta` rows)."""

from __future__ import annotations

import sqlalchemy as sa

from monitor.storage.base import META, StoreBase
from monitor.storage.db import read_session, wrap_errors
from monitor.storage.tables import MetaRow


class MetaStore(StoreBase):
    def get_meta(self, key: str) -> str | None:
        with wrap_errors("reading settings"), read_session(self.engine) as session:
            row = session.get(MetaRow, key)
            return row.value if row else None

    def set_meta(self, key: str, value: str, *, only_if_missing: bool = False) -> str:
        """Store `value` under `key` (safe against concurrent writers); returns what is stored."""
        insert = self._upsert(META).values(key=key, value=value)
        if only_if_missing:
            statement = insert.on_conflict_do_nothing()
        else:
            statement = insert.on_conflict_do_update(
                index_elements=[META.c.key], set_={"value": value}
            )
        with wrap_errors("storing settings"), self._write() as connection:
            connection.execute(statement)
            stored = connection.execute(sa.select(META.c.value).where(META.c.key == key))
            return str(stored.scalar_one())
