"""A unit's own report: its type, place and the units it absorbed (optional units columns).

``unit_type`` chooses the header, signer and distribution defaults (a department issues as
itself, a commune's office under its UBND); ``place`` is the place-and-date line's địa danh;
``absorbed`` lists the codes of units merged into this one, so that its comparisons with the
past count their records.

Revision ID: 0004_unit_details
Revises: 0003_day_counts
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_unit_details"
down_revision = "0003_day_counts"


def upgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("unit_type", sa.String(32), nullable=True))
        batch.add_column(sa.Column("place", sa.Text, nullable=True))
        batch.add_column(sa.Column("absorbed", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.drop_column("absorbed")
        batch.drop_column("place")
        batch.drop_column("unit_type")
