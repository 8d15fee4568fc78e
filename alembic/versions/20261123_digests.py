"""digests and their items

Revision ID: 20261123_digests
Revises: 20261123_initial
Create Date: 2026-11-23 15:24:15.053644
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261123_digests"
down_revision = "20261123_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "digest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=True),
        sa.Column("sender", sa.Text(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("message", sa.LargeBinary(), nullable=True),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("near_miss_count", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_to", sa.Text(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest")),
        sa.UniqueConstraint("period", name=op.f("uq_digest_period")),
    )
    with op.batch_alter_table("digest", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digest_status"), ["status"], unique=False)

    op.create_table(
        "digest_item",
        sa.Column("digest_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("theme_id", sa.String(length=64), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["article.id"],
            name=op.f("fk_digest_item_article_id_article"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["digest_id"],
            ["digest.id"],
            name=op.f("fk_digest_item_digest_id_digest"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("digest_id", "article_id", name=op.f("pk_digest_item")),
    )
    with op.batch_alter_table("digest_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digest_item_article_id"), ["article_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("digest_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_item_article_id"))

    op.drop_table("digest_item")
    with op.batch_alter_table("digest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_status"))

    op.drop_table("digest")
