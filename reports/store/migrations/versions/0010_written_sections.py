"""Units that end and units that sign (issue 19): optional ``dissolved_on`` and
``signer_name`` columns of ``units``.

A unit dissolved before a period starts gets no report of its own for it (``--all-units``);
``signer_name`` is the name under a unit's own report when ``[units.CODE] signer_name`` does
not give one. The sections a person writes are stored inside the draft's report JSON
(``approvals.report``): no column for them.

Revision ID: 0010_written_sections
Revises: 0008_approval
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_written_sections"
down_revision = "0012_web_sessions"


def upgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("dissolved_on", sa.Date, nullable=True))
        batch.add_column(sa.Column("signer_name", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.drop_column("signer_name")
        batch.drop_column("dissolved_on")
