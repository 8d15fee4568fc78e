"""authorities: the councils each classified article is about

Revision ID: 20261201_authorities
Revises: 20261123_source_claims
Create Date: 2026-12-01 09:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261201_authorities"
down_revision = "20261123_source_claims"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "article_authority",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=9), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("grade", sa.String(length=32), nullable=True),
        sa.Column("previous_grade", sa.String(length=32), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["article.id"],
            name=op.f("fk_article_authority_article_id_article"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "code", name=op.f("pk_article_authority")),
    )
    op.create_index(op.f("ix_article_authority_code"), "article_authority", ["code"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_article_authority_code"), table_name="article_authority")
    op.drop_table("article_authority")
