"""What is sent: a run keeps its period's kind (a cut-off month rebuilt from its two dates stays
a cut-off month), a draft keeps where it was decided from and its signature's report (the
evidence pack), and the single-use links the page gives the signing service.

Revision ID: 0009_sent_files
Revises: 0011_forms_exchange (re-chained when main was merged in)
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_sent_files"
down_revision = "0011_forms_exchange"


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=True))
        batch.add_column(sa.Column("cutoff", sa.Boolean, nullable=True))
    with op.batch_alter_table("approvals") as batch:
        batch.add_column(sa.Column("decided_from", sa.String(255), nullable=True))
        batch.add_column(sa.Column("signed_by", sa.Text, nullable=True))
        batch.add_column(sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("signature_report", sa.Text, nullable=True))
    op.create_table(
        "sign_links",
        sa.Column("token_sha256", sa.String(64), primary_key=True),
        sa.Column(
            "run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("pdf_sha256", sa.String(64), nullable=False),
        sa.Column("user_name", sa.String(320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("sign_links")
    with op.batch_alter_table("approvals") as batch:
        batch.drop_column("signature_report")
        batch.drop_column("signed_at")
        batch.drop_column("signed_by")
        batch.drop_column("decided_from")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("cutoff")
        batch.drop_column("kind")
