"""What is sent: a run keeps its period's kind (a cut-off month rebuilt from its two dates stays
a cut-off month), and a draft keeps where and by whom it was decided (the evidence pack).

Revision ID: 0009_sent_files
Revises: 0008_approval
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_sent_files"
down_revision = "0008_approval"


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=True))
        batch.add_column(sa.Column("cutoff", sa.Boolean, nullable=True))
    with op.batch_alter_table("approvals") as batch:
        batch.add_column(sa.Column("decided_from", sa.String(255), nullable=True))
        batch.add_column(sa.Column("signed_by", sa.Text, nullable=True))
        batch.add_column(sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("signature_report", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("approvals") as batch:
        batch.drop_column("signature_report")
        batch.drop_column("signed_at")
        batch.drop_column("signed_by")
        batch.drop_column("decided_from")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("cutoff")
        batch.drop_column("kind")
