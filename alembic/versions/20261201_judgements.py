"""judgements: the sub-judgements a story states for each council, beside its overall grade

Revision ID: 20261201_judgements
Revises: 20261201_search_pairs
Create Date: 2026-12-01 14:30:00

`article_authority.judgements` holds {area: grade} ("help and protection": "inadequate"), as
`monitor classify-file` prints them; null for rows stored before (`monitor reclassify` fills
them).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261201_judgements"
down_revision = "20261201_search_pairs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("article_authority") as batch:
        batch.add_column(sa.Column("judgements", sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("article_authority") as batch:
        batch.drop_column("judgements")
