"""Records, units, roll-ups and the import log.

Revision ID: 0001_records
Revises: 
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_records"
down_revision = None


def upgrade() -> None:
    op.create_table('directives',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('approved_on', sa.Date(), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('number', sa.String(length=128), nullable=True),
    sa.Column('highlight', sa.Boolean(), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_directives_approved', 'directives', ['approved_on', 'field'], unique=False)
    op.create_table('documents',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_documents_received', 'documents', ['received_on', 'unit', 'field'], unique=False)
    op.create_table('dossiers',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('returned_on', sa.Date(), nullable=True),
    sa.Column('unit', sa.String(length=64), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=True),
    sa.Column('online', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_dossiers_received', 'dossiers', ['received_on', 'returned_on', 'unit'], unique=False)
    op.create_index('ix_dossiers_returned', 'dossiers', ['returned_on', 'due_on', 'received_on', 'unit'], unique=False)
    op.create_table('highlights',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=True),
    sa.Column('position', sa.Integer(), nullable=True),
    sa.Column('unit', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_highlights_date', 'highlights', ['date'], unique=False)
    op.create_table('imports',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('file_name', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('rows_added', sa.Integer(), nullable=False),
    sa.Column('rows_replaced', sa.Integer(), nullable=False),
    sa.Column('rows_unchanged', sa.Integer(), nullable=False),
    sa.Column('rows_rejected', sa.Integer(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('petitions',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('resolved_on', sa.Date(), nullable=True),
    sa.Column('unit', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_petitions_received', 'petitions', ['received_on', 'unit'], unique=False)
    op.create_index('ix_petitions_resolved', 'petitions', ['resolved_on', 'unit'], unique=False)
    op.create_table('receptions',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('persons', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_receptions_held', 'receptions', ['held_on', 'unit'], unique=False)
    op.create_table('rollup',
    sa.Column('unit', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('metric', sa.String(length=32), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('n', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('unit', 'day', 'metric', 'field'),
    sqlite_with_rowid=False
    )
    op.create_table('unit_scope',
    sa.Column('ancestor', sa.String(length=64), nullable=False),
    sa.Column('descendant', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('ancestor', 'descendant'),
    sqlite_with_rowid=False
    )
    op.create_index('ix_unit_scope_descendant', 'unit_scope', ['descendant', 'ancestor'], unique=False)
    op.create_table('units',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('parent', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('code')
    )
    # ### end Alembic commands ###


def downgrade() -> None:
    op.drop_table("units")
    op.drop_table("unit_scope")
    op.drop_table("rollup")
    op.drop_table("receptions")
    op.drop_table("petitions")
    op.drop_table("imports")
    op.drop_table("highlights")
    op.drop_table("dossiers")
    op.drop_table("documents")
    op.drop_table("directives")
