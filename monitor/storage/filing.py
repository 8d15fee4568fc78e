"""What the web views file an article under: relevant or not, and which themes.

The sources of truth are the classifier's answer (`classification`) and the readers' label
(`article_label`), which wins: "not relevant" files it as not relevant with no themes, "wrong
theme" as relevant under the themes ticked, "relevant" as relevant under the classifier's
themes. The lists filter on that answer and sort newest first, which over JSON and two joins
means reading every article; so a copy is kept where an index can walk it:
`article.filed_relevant` (an index on sort_at, id of the relevant ones) and `article_theme` (with
the article's sort date, which never changes; index on theme_id, sort_at, article_id).

Every write of a classification or a label calls `refile` in the same transaction, so the
copy never disagrees with its sources; migration 20261201_article_theme filled it for the
rows stored before.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa

from monitor.storage.base import ARTICLE_THEMES, ARTICLES, CLASSIFICATIONS, LABELS

# Articles refiled in one statement (bound parameters stay far below either database's limit).
BATCH = 500


def filed(
    relevant: bool | None,
    themes: Iterable[object] | None,
    label: str | None,
    label_themes: Iterable[str] | None,
) -> tuple[bool | None, tuple[str, ...]]:
    """(relevant, theme ids) as the web views show an article: `relevant` and `themes` are
    the classifier's (themes as stored: {"id": ...} objects), `label` and `label_themes` the
    readers' current label, if any."""
    if label == "not_relevant":
        return False, ()
    if label == "wrong_theme":
        return True, tuple(dict.fromkeys(str(t) for t in label_themes or ()))
    ids = (str(t["id"]) for t in themes or () if isinstance(t, dict) and "id" in t)
    return (True if label == "relevant" else relevant), tuple(dict.fromkeys(ids))


def refile(connection: sa.Connection, article_ids: Sequence[int]) -> None:
    """Bring `filed_relevant` and `article_theme` in step with the articles' classification
    and label, as they are in this transaction."""
    a, c, lab, t = ARTICLES, CLASSIFICATIONS, LABELS, ARTICLE_THEMES
    wanted = list(dict.fromkeys(article_ids))
    for start in range(0, len(wanted), BATCH):
        batch = wanted[start : start + BATCH]
        rows = connection.execute(
            sa.select(a.c.id, a.c.sort_at, c.c.relevant, c.c.themes, lab.c.label, lab.c.themes)
            .select_from(
                a.outerjoin(c, c.c.article_id == a.c.id).outerjoin(lab, lab.c.article_id == a.c.id)
            )
            .where(a.c.id.in_(batch))
        ).all()
        relevance: list[dict[str, object]] = []
        themes: list[dict[str, object]] = []
        for article_id, sort_at, relevant, classified, label, ticked in rows:
            now_relevant, theme_ids = filed(relevant, classified, label, ticked)
            relevance.append({"b_id": article_id, "b_relevant": now_relevant})
            themes.extend(
                {"article_id": article_id, "theme_id": theme, "sort_at": sort_at}
                for theme in theme_ids
            )
        if relevance:
            # Only rows whose answer changed: an UPDATE of an article is not free (on
            # PostgreSQL a new row version, and its indexes).
            connection.execute(
                sa.update(a)
                .where(a.c.id == sa.bindparam("b_id"))
                .where(a.c.filed_relevant.is_distinct_from(sa.bindparam("b_relevant")))
                .values(filed_relevant=sa.bindparam("b_relevant")),
                relevance,
            )
        connection.execute(sa.delete(t).where(t.c.article_id.in_(batch)))
        if themes:
            connection.execute(sa.insert(t), themes)
