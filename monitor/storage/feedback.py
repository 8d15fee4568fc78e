"""Readers' feedback: one record per article and reader (a later answer replaces an earlier
one; the same answer twice is one record), and the article's current label (the latest
answer), which the web views and later digests prefer to the classifier's."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa

from monitor.models import FeedbackLabel, FeedbackRecord, LabelledArticle
from monitor.storage.base import (
    ARTICLES,
    CLASSIFICATIONS,
    DIGEST_ITEMS,
    DIGESTS,
    FEEDBACK,
    LABELS,
    StoreBase,
    aware,
)
from monitor.storage.db import wrap_errors
from monitor.storage.filing import refile


def _record(row: Any) -> FeedbackRecord:
    m = row._mapping
    return FeedbackRecord(
        id=m["id"],
        article_id=m["article_id"],
        digest_id=m["digest_id"],
        who=m["who"],
        label=cast(FeedbackLabel, m["label"]),
        themes=tuple(m["themes"]) if m["themes"] is not None else None,
        created_at=aware(m["created_at"]) or m["created_at"],
    )


def feedback_records(
    connection: sa.Connection,
    *,
    article_id: int | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[FeedbackRecord]:
    query = sa.select(FEEDBACK).order_by(FEEDBACK.c.created_at.desc(), FEEDBACK.c.id.desc())
    if article_id is not None:
        query = query.where(FEEDBACK.c.article_id == article_id)
    return [_record(r) for r in connection.execute(query.offset(offset).limit(limit))]


class FeedbackStore(StoreBase):
    def record_feedback(
        self,
        article_ids: Sequence[int],
        who: str,
        label: FeedbackLabel,
        themes: Sequence[str] | None,
        digest_id: int | None,
        now: datetime,
    ) -> int:
        """Record `who`'s label for each article (the first is the one they answered about,
        the others its copies). Idempotent: returns how many records were new or changed."""
        f, lab = FEEDBACK, LABELS
        theme_list = sorted(set(themes)) if themes is not None else None
        changed: list[int] = []
        with wrap_errors("recording feedback"), self._write() as connection:
            existing = {
                r.article_id: r
                for r in connection.execute(
                    sa.select(f).where(f.c.article_id.in_(list(article_ids)), f.c.who == who)
                )
            }
            known = set(
                connection.execute(
                    sa.select(ARTICLES.c.id).where(ARTICLES.c.id.in_(list(article_ids)))
                ).scalars()
            )
            for article_id in dict.fromkeys(article_ids):
                if article_id not in known:
                    continue
                old = existing.get(article_id)
                if old is not None and old.label == label and old.themes == theme_list:
                    continue
                values = {
                    "digest_id": digest_id,
                    "label": label,
                    "themes": theme_list,
                    "created_at": now,
                }
                connection.execute(
                    self._upsert(f)
                    .values(article_id=article_id, who=who, **values)
                    .on_conflict_do_update(index_elements=["article_id", "who"], set_=values)
                )
                current = {"label": label, "themes": theme_list, "who": who, "updated_at": now}
                connection.execute(
                    self._upsert(lab)
                    .values(article_id=article_id, **current)
                    .on_conflict_do_update(index_elements=["article_id"], set_=current)
                )
                changed.append(article_id)
            refile(connection, changed)
        return len(changed)

    def list_feedback(self, *, limit: int | None = None, offset: int = 0) -> list[FeedbackRecord]:
        """Newest first."""
        with wrap_errors("reading feedback"), self.engine.connect() as connection:
            return feedback_records(connection, limit=limit, offset=offset)

    def digest_by_period(self, period: str) -> int | None:
        query = sa.select(DIGESTS.c.id).where(DIGESTS.c.period == period)
        with wrap_errors("reading digests"), self.engine.connect() as connection:
            found = connection.execute(query).scalar()
        return int(found) if found is not None else None

    def copies_in_digest(self, digest_id: int, article_id: int) -> list[int]:
        """The "also reported by" articles listed under `article_id`'s story in a digest
        (they follow the story's own item, in position order)."""
        d = DIGEST_ITEMS
        query = (
            sa.select(d.c.article_id, d.c.kind)
            .where(d.c.digest_id == digest_id)
            .order_by(d.c.position)
        )
        with wrap_errors("reading digests"), self.engine.connect() as connection:
            rows = connection.execute(query).all()
        copies: list[int] = []
        inside = False
        for found, kind in rows:
            if kind == "item":
                inside = found == article_id
            elif kind == "also" and inside:
                copies.append(int(found))
        return copies

    def labelled_articles(self) -> Iterator[LabelledArticle]:
        """Every article readers labelled, in id order, with the classifier's answer."""
        a, c, lab = ARTICLES, CLASSIFICATIONS, LABELS
        with wrap_errors("reading feedback"), self.engine.connect() as connection:
            # The labels first (few), then their articles by key: one join lets SQLite's
            # planner walk every article to find the labelled ones (35 ms at 100,000).
            ids = [int(i) for i in connection.execute(sa.select(lab.c.article_id)).scalars()]
            rows: list[Any] = []
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                query = (
                    sa.select(
                        a.c.id,
                        a.c.title,
                        a.c.text,
                        lab.c.label,
                        lab.c.themes,
                        c.c.relevant,
                        c.c.themes,
                    )
                    .select_from(
                        lab.join(a, a.c.id == lab.c.article_id).outerjoin(
                            c, c.c.article_id == a.c.id
                        )
                    )
                    .where(lab.c.article_id.in_(chunk))
                )
                rows.extend(connection.execute(query).all())
        rows.sort(key=lambda r: int(r[0]))
        for row in rows:
            classifier_themes = tuple(str(t["id"]) for t in row[6] or ())
            label = row[3]
            themes: tuple[str, ...]
            relevant: bool
            if label == "not_relevant":
                relevant, themes = False, ()
            elif label == "wrong_theme":
                relevant, themes = True, tuple(row[4] or ())
            else:
                relevant, themes = True, classifier_themes
            yield LabelledArticle(
                id=row[0],
                title=row[1],
                text=row[2],
                relevant=relevant,
                themes=themes,
                classifier_relevant=row[5],
                classifier_themes=classifier_themes,
            )
