"""The schedulers' heartbeats: one row per node (machine and jobs folder), written by its
reconcile job; the page and ``baocao check`` show which nodes are alive, and a node's start
catches up from the next run times it last wrote (no APScheduler job store is shared).

Revision ID: 0013_heartbeat
Revises: 0008_approval
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_heartbeat"
down_revision = "0010_written_sections"


def upgrade() -> None:
    op.create_table(
        "scheduler_nodes",
        sa.Column("node", sa.String(200), primary_key=True),
        sa.Column("host", sa.String(200), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(16), nullable=False, server_default="running"),
        sa.Column("jobs", sa.Text, nullable=False, server_default="{}"),
    )


def downgrade() -> None:
    op.drop_table("scheduler_nodes")
