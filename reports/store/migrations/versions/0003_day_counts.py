"""Daily counts one row per (unit, day) with a column per count, instead of one row per
(unit, day, metric, field): the table is bounded by units x days, so keeping it at import no
longer writes about as many rows as there are records.

The figures no longer read the records of documents, receptions, petitions and directives, so
their indexes shrink to the date a period selects them by (building them is most of the cost
of a large import's indexes; text columns in the key made the sort three times slower).

Revision ID: 0003_day_counts
Revises: 0002_runs
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_day_counts"
down_revision = "0002_runs"

_FIELDS = ("kinh_te", "do_thi", "van_hoa_xa_hoi", "noi_chinh")


def _by_field(name: str) -> list[str]:
    return [name, *(f"{name}_{f}" for f in _FIELDS)]


# (index, table, columns before, columns after)
_INDEXES = [
    ("ix_documents_received", "documents", ["received_on", "unit", "field"], ["received_on"]),
    ("ix_receptions_held", "receptions", ["held_on", "unit"], ["held_on"]),
    ("ix_petitions_received", "petitions", ["received_on", "unit"], ["received_on"]),
    ("ix_petitions_resolved", "petitions", ["resolved_on", "unit"], None),
    ("ix_directives_approved", "directives", ["approved_on", "field"], ["approved_on"]),
]

_COLUMNS = [
    *_by_field("documents"),
    *_by_field("dossiers_received"),
    "dossiers_online",
    "dossiers_on_time",
    "dossiers_late",
    "receptions",
    "reception_persons",
    "petitions_received",
    "petitions_resolved",
    *_by_field("directives"),
]


def upgrade() -> None:
    op.create_table(
        "day_counts",
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *(sa.Column(c, sa.BigInteger(), nullable=False, server_default="0") for c in _COLUMNS),
        sa.PrimaryKeyConstraint("unit", "day"),
        sqlite_with_rowid=False,
    )
    op.drop_table("rollup")
    for name, table, _, after in _INDEXES:
        op.drop_index(name, table_name=table)
        if after:
            op.create_index(name, table, after)
    # The counts of the records already stored, by the code that keeps them at import.
    from reports.store.rollup import refresh_all

    refresh_all(op.get_bind())


def downgrade() -> None:
    for name, table, before, after in _INDEXES:
        if after:
            op.drop_index(name, table_name=table)
        op.create_index(name, table, before)
    op.create_table(
        "rollup",
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("unit", "day", "metric", "field"),
        sqlite_with_rowid=False,
    )
    # Back to one row per metric and field ('' for records without a field).
    for base in ("documents", "dossiers_received", "directives"):
        rest = " - ".join([base, *(f"{base}_{f}" for f in _FIELDS)])
        for field, value in [*((f, f"{base}_{f}") for f in _FIELDS), ("", rest)]:
            _unpivot(base, field, value)
    for name in _COLUMNS[10:17]:  # dossiers_online … petitions_resolved
        _unpivot(name, "", name)
    op.drop_table("day_counts")


def _unpivot(metric: str, field: str, value: str) -> None:
    op.execute(
        f"INSERT INTO rollup (unit, day, metric, field, n) "
        f"SELECT unit, day, '{metric}', '{field}', {value} FROM day_counts WHERE {value} <> 0"
    )
