"""The old shared APScheduler job store's table, ``apscheduler_jobs``, is dropped: each node now
keeps its schedule in memory (0013), so nothing reads it, and a node of an older baocao that
still wrote to it would share one job store between processes (APScheduler forbids it).

Revision ID: 0014_drop_apscheduler_jobs
Revises: 0013_heartbeat
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_drop_apscheduler_jobs"
down_revision = "0013_heartbeat"

TABLE = "apscheduler_jobs"


def upgrade() -> None:
    # APScheduler created the table itself (never a migration): only some stores have it
    if sa.inspect(op.get_bind()).has_table(TABLE):
        op.drop_table(TABLE)


def downgrade() -> None:
    # nothing to put back: an older baocao's APScheduler creates its table when it starts
    pass
