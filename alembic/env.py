"""Alembic environment: the engine comes from monitor, or from MONITOR_DATABASE_URL."""

from __future__ import annotations

from alembic import context

from monitor.config import load_settings
from monitor.storage import tables
from monitor.storage.db import make_engine

config = context.config
engine = config.attributes.get("engine")
if engine is None:
    engine = make_engine(load_settings().effective_database_url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=tables.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=tables.is_modelled,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
