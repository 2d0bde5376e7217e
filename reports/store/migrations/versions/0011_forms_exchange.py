"""Official forms and edXML (issue 20): the dossiers' status, channel and procedure field
(Biểu 06/VPCP/KSTT), the receptions' mode, cases, first or repeated, group and session (Biểu
01/TCD), and the edXML packages read into a table of exchanged documents.

Revision ID: 0011_forms_exchange
Revises: 0008_approval
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_forms_exchange"
down_revision = "0008_approval"


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("status", sa.String(32), nullable=True))
        batch.add_column(sa.Column("channel", sa.String(16), nullable=True))
        batch.add_column(sa.Column("procedure_field", sa.Text, nullable=True))
    with op.batch_alter_table("receptions") as batch:
        batch.add_column(sa.Column("mode", sa.String(16), nullable=True))
        batch.add_column(sa.Column("cases", sa.Integer, nullable=True))
        batch.add_column(sa.Column("repeat", sa.Boolean, nullable=True))
        batch.add_column(sa.Column("group_visit", sa.Boolean, nullable=True))
        batch.add_column(sa.Column("session", sa.String(128), nullable=True))
    op.create_table(
        "exchanged_documents",
        sa.Column("document_id", sa.String(512), primary_key=True),
        sa.Column("organ_id", sa.String(128), nullable=False),
        sa.Column("number", sa.String(64), nullable=True),
        sa.Column("notation", sa.String(128), nullable=True),
        sa.Column("promulgated_on", sa.Date, nullable=True),
        sa.Column("author", sa.Text, nullable=True),
        sa.Column("subject", sa.Text, nullable=True),
        sa.Column("doc_type", sa.Text, nullable=True),
        sa.Column("status_code", sa.String(8), nullable=True),
        sa.Column("status_at", sa.Text, nullable=True),
        sa.Column("package_sha256", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("exchanged_documents")
    with op.batch_alter_table("receptions") as batch:
        for name in ("session", "group_visit", "repeat", "cases", "mode"):
            batch.drop_column(name)
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("procedure_field")
        batch.drop_column("channel")
        batch.drop_column("status")
