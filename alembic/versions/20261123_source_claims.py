"""source claims

Revision ID: 20261123_source_claims
Revises: 20261123_digests
Create Date: 2026-11-23 15:41:25.566665
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261123_source_claims"
down_revision = "20261123_digests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_column("claimed_until")
