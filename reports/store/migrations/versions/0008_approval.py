"""Approval of drafts, the register of outgoing document numbers, frozen files, and the day
each import's data covers (the completeness gate).

Revision ID: 0008_approval
Revises: 0003_day_counts
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_approval"
down_revision = "0007_web_users"


def upgrade() -> None:
    with op.batch_alter_table("imports") as batch:
        batch.add_column(sa.Column("data_until", sa.Date, nullable=True))
        batch.add_column(sa.Column("unit", sa.String(64), nullable=True))
    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("approvers", sa.Text, nullable=False),
        sa.Column("draft_files", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("report", sa.LargeBinary, nullable=False),
        sa.Column("provisional", sa.Text, nullable=True),
        sa.Column("replaces_id", sa.Integer, sa.ForeignKey("approvals.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(320), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("number", sa.Integer, nullable=True),
        sa.Column("prefix", sa.String(64), nullable=True),
        sa.Column("year", sa.Integer, nullable=True),
        sa.Column("issued_on", sa.Date, nullable=True),
        sa.Column("final_files", sa.Text, nullable=True),
        sa.UniqueConstraint("prefix", "year", "number", name="uq_approvals_number"),
    )
    op.create_index("ix_approvals_run", "approvals", ["run_id"])
    op.create_table(
        "document_numbers",
        sa.Column("prefix", sa.String(64), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("last_number", sa.Integer, nullable=False),
    )
    op.create_table(
        "frozen_files",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("frozen_files")
    op.drop_table("document_numbers")
    op.drop_table("approvals")
    with op.batch_alter_table("imports") as batch:
        batch.drop_column("unit")
        batch.drop_column("data_until")
