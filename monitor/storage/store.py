"""Store: the database behind intention-named methods, one class per domain, composed here.
Rows never leave the storage package."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col, select

from monitor.models import StatusReport
from monitor.storage.articles import ArticleStore
from monitor.storage.db import read_session, wrap_errors
from monitor.storage.feedback import FeedbackStore
from monitor.storage.meta import MetaStore
from monitor.storage.metrics import MetricsStore
from monitor.storage.search import SearchStore
from monitor.storage.sources import SourceStore
from monitor.storage.tables import ArticleRow, ClassificationRow


class Store(SourceStore, ArticleStore, SearchStore, FeedbackStore, MetricsStore, MetaStore):
    """Sources, articles (listed, searched, labelled by readers) and meta values."""

    def status(self) -> StatusReport:
        sources = self.list_sources()
        with wrap_errors("reading status"), read_session(self.engine) as session:
            articles = session.exec(select(sa.func.count()).select_from(ArticleRow)).one()
            relevant = session.exec(
                select(sa.func.count()).where(col(ClassificationRow.relevant).is_(True))
            ).one()
            unclassified = session.exec(
                select(sa.func.count())
                .select_from(ArticleRow)
                .join(ClassificationRow, isouter=True)
                .where(col(ClassificationRow.relevant).is_(None))
            ).one()
        return StatusReport(len(sources), articles, relevant, unclassified, tuple(sources))
