"""The store says which baocao last upgraded its schema: an older baocao that finds a revision
it does not know can then tell which version to install ("cài baocao ≥ 0.4.0").

Revision ID: 0005_store_meta
Revises: 0003_day_counts
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_store_meta"
down_revision = "0004_unit_details"


def upgrade() -> None:
    op.create_table(
        "store_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("store_meta")
