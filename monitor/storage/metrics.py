"""The counts `/metrics` exports, read from the tables on each scrape (so every process that
serves the app reports the same figures, whichever instance did the work)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from monitor.storage.base import ARTICLES, DIGESTS, FETCH_ATTEMPTS, SOURCES, StoreBase
from monitor.storage.db import wrap_errors


@dataclass(frozen=True)
class SourceCounts:
    name: str
    url: str
    articles: int
    consecutive_failures: int
    polls: dict[str, int]  # outcome -> count
    poll_seconds: float  # total time spent polling it


@dataclass(frozen=True)
class Counts:
    articles_by_origin: dict[str, int]
    digests_by_status: dict[str, int]
    sources: list[SourceCounts]


class MetricsStore(StoreBase):
    def counts(self) -> Counts:
        a, d, f, s = ARTICLES, DIGESTS, FETCH_ATTEMPTS, SOURCES
        with wrap_errors("reading metrics"), self.engine.connect() as connection:
            origins: dict[str, int] = dict(
                connection.execute(
                    sa.select(a.c.origin, sa.func.count()).group_by(a.c.origin)
                ).all()
            )
            digests: dict[str, int] = dict(
                connection.execute(
                    sa.select(d.c.status, sa.func.count()).group_by(d.c.status)
                ).all()
            )
            per_source: dict[int | None, int] = dict(
                connection.execute(
                    sa.select(a.c.source_id, sa.func.count()).group_by(a.c.source_id)
                ).all()
            )
            polls: dict[int, dict[str, int]] = {}
            for source_id, outcome, count in connection.execute(
                sa.select(f.c.source_id, f.c.outcome, sa.func.count()).group_by(
                    f.c.source_id, f.c.outcome
                )
            ):
                polls.setdefault(source_id, {})[outcome] = int(count)
            seconds: dict[int, float] = {}
            for source_id, total in connection.execute(
                sa.select(f.c.source_id, sa.func.sum(_seconds(self.is_postgresql))).group_by(
                    f.c.source_id
                )
            ):
                seconds[source_id] = float(total or 0.0)
            sources = [
                SourceCounts(
                    name=row.name or row.url,
                    url=row.url,
                    articles=int(per_source.get(row.id, 0)),
                    consecutive_failures=row.consecutive_failures,
                    polls=polls.get(row.id, {}),
                    poll_seconds=seconds.get(row.id, 0.0),
                )
                for row in connection.execute(
                    sa.select(s.c.id, s.c.name, s.c.url, s.c.consecutive_failures).order_by(s.c.id)
                )
            ]
        return Counts(
            {str(k): int(v) for k, v in origins.items()},
            {str(k): int(v) for k, v in digests.items()},
            sources,
        )


def _seconds(postgresql: bool) -> sa.ColumnElement[Any]:
    f = FETCH_ATTEMPTS
    if postgresql:
        return sa.func.extract("epoch", f.c.finished_at - f.c.started_at)
    return (sa.func.julianday(f.c.finished_at) - sa.func.julianday(f.c.started_at)) * 86400.0
