"""Login throttling counted atomically, users' mail addresses, jobs kept in the database
(created, copied and deleted on the page), and the on-holiday rule of a schedule edited there.

Revision ID: 0012_web_sessions
Revises: 0008_approval
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_web_sessions"
down_revision = "0009_sent_files"


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("bucket", sa.String(200), primary_key=True),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
    )
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.String(320), nullable=True))
    with op.batch_alter_table("job_overrides") as batch:
        batch.add_column(sa.Column("on_holiday", sa.String(32), nullable=True))
    op.create_table(
        "stored_jobs",
        sa.Column("job_id", sa.String(128), primary_key=True),
        sa.Column("body", sa.Text, nullable=True),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("stored_jobs")
    with op.batch_alter_table("job_overrides") as batch:
        batch.drop_column("on_holiday")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email")
    op.drop_table("login_throttle")
