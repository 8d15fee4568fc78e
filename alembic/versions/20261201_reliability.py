"""reliability: who holds a source's claim, and the instances that poll (their heartbeats)

Revision ID: 20261201_reliability
Revises: 20261201_digest_transport
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261201_reliability"
down_revision = "20261201_digest_transport"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "poller",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("host", sa.Text(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poller")),
    )
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_column("claimed_by")
    op.drop_table("poller")
