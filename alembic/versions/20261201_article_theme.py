"""article_theme: what the web views file an article under, where an index can walk it

Revision ID: 20261201_article_theme
Revises: 20261201_reliability
Create Date: 2026-12-01 11:00:00

`article.filed_relevant` (the readers' label, else the classifier's answer) with an index on
(sort_at, id) of the relevant articles, and `article_theme` (the themes: the classifier's, those a
reader ticked for "wrong theme", none after "not relevant") with the article's sort date and
an index on (theme_id, sort_at, article_id): the relevance and theme filters of the articles
page then walk an index newest first instead of reading every classification's JSON. Both
are filled here for the existing rows; the storage keeps them in step afterwards.

The fill is one UPDATE of every article (on PostgreSQL a new version of each row: about
6 s for 100,000 here) and one INSERT from the classifications' JSON. On SQLite the column is
added with a plain ALTER TABLE (never a batch rebuild of `article`,
which would drop its full-text triggers).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261201_article_theme"
down_revision = "20261201_reliability"
branch_labels = None
depends_on = None

FILL_RELEVANT = (
    "UPDATE article SET filed_relevant = CASE "
    "WHEN (SELECT l.label FROM article_label l WHERE l.article_id = article.id) "
    "IN ('relevant', 'wrong_theme') THEN TRUE "
    "WHEN (SELECT l.label FROM article_label l WHERE l.article_id = article.id) "
    "= 'not_relevant' THEN FALSE "
    "ELSE (SELECT c.relevant FROM classification c WHERE c.article_id = article.id) END"
)
# The classifier's themes are objects ({"id": ...}), a reader's are ids.
FILL_THEMES_POSTGRESQL = (
    "INSERT INTO article_theme (article_id, theme_id, sort_at) "
    "SELECT DISTINCT a.id, t.theme, a.sort_at FROM article a "
    "JOIN classification c ON c.article_id = a.id "
    "LEFT JOIN article_label l ON l.article_id = a.id "
    "CROSS JOIN LATERAL (SELECT j->>'id' AS theme FROM json_array_elements("
    "CASE WHEN l.label IS NULL OR l.label = 'relevant' THEN c.themes ELSE '[]'::json END) j "
    "UNION ALL SELECT x FROM json_array_elements_text("
    "CASE WHEN l.label = 'wrong_theme' THEN l.themes ELSE '[]'::json END) x) t "
    "WHERE t.theme IS NOT NULL"
)
FILL_THEMES_SQLITE = (
    "INSERT INTO article_theme (article_id, theme_id, sort_at) "
    "SELECT DISTINCT a.id, CASE WHEN j.type = 'object' THEN json_extract(j.value, '$.id') "
    "ELSE j.value END AS theme, a.sort_at FROM article a "
    "JOIN classification c ON c.article_id = a.id "
    "LEFT JOIN article_label l ON l.article_id = a.id, "
    "json_each(CASE WHEN l.label IS NULL OR l.label = 'relevant' THEN c.themes "
    "WHEN l.label = 'wrong_theme' THEN l.themes ELSE '[]' END) j "
    "WHERE theme IS NOT NULL"
)


def upgrade() -> None:
    op.add_column("article", sa.Column("filed_relevant", sa.Boolean(), nullable=True))
    op.execute(FILL_RELEVANT)
    op.create_index(
        "ix_article_relevant_sort_at_id",
        "article",
        ["sort_at", "id"],
        unique=False,
        postgresql_where=sa.text("filed_relevant"),
        sqlite_where=sa.text("filed_relevant = 1"),
    )
    op.create_table(
        "article_theme",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.String(length=64), nullable=False),
        sa.Column("sort_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["article.id"],
            name=op.f("fk_article_theme_article_id_article"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "theme_id", name=op.f("pk_article_theme")),
    )
    postgresql = op.get_context().dialect.name == "postgresql"
    op.execute(FILL_THEMES_POSTGRESQL if postgresql else FILL_THEMES_SQLITE)
    op.create_index(
        op.f("ix_article_theme_theme_id_sort_at_article_id"),
        "article_theme",
        ["theme_id", "sort_at", "article_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_article_theme_theme_id_sort_at_article_id"), table_name="article_theme")
    op.drop_table("article_theme")
    op.drop_index("ix_article_relevant_sort_at_id", table_name="article")
    # SQLite drops a column in place (ALTER TABLE DROP COLUMN, 3.35+): no batch rebuild.
    op.drop_column("article", "filed_relevant")
