"""Tables. Record dates are local calendar days (Asia/Ho_Chi_Minh), stored as DATE.

``day_counts`` holds, for every unit *and each of its ancestors* (and ``''`` for the whole
office), the daily count of every single-date figure. It is maintained at import, so the figures
of any period are a short range scan of one unit's rows instead of a scan of the records.
"""

from __future__ import annotations

import sqlalchemy as sa

from reports.core.domain import FIELDS

metadata = sa.MetaData()

ROOT_UNIT = ""
"""The unit key of the whole office in ``unit_scope`` and ``day_counts``."""

units = sa.Table(
    "units",
    metadata,
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("parent", sa.String(64), nullable=True),
    sa.Column("unit_type", sa.String(32), nullable=True),
    sa.Column("place", sa.Text, nullable=True),
    sa.Column("absorbed", sa.Text, nullable=True),
    sa.Column("dissolved_on", sa.Date, nullable=True),
    sa.Column("signer_name", sa.Text, nullable=True),
)

unit_scope = sa.Table(
    "unit_scope",
    metadata,
    sa.Column("ancestor", sa.String(64), primary_key=True),
    sa.Column("descendant", sa.String(64), primary_key=True),
    sa.Index("ix_unit_scope_descendant", "descendant", "ancestor"),
    sqlite_with_rowid=False,
)
"""Closure of the unit tree: (a, d) for d itself, each ancestor a, and the root ``''``."""

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("id", sa.String(128), primary_key=True),
    sa.Column("received_on", sa.Date, nullable=False),
    sa.Column("unit", sa.String(64), nullable=False),
    sa.Column("field", sa.String(32), nullable=True),
    sa.Column("summary", sa.Text, nullable=True),
    sa.Index("ix_documents_received", "received_on"),
)

dossiers = sa.Table(
    "dossiers",
    metadata,
    sa.Column("id", sa.String(128), primary_key=True),
    sa.Column("received_on", sa.Date, nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("returned_on", sa.Date, nullable=True),
    sa.Column("unit", sa.String(64), nullable=False),
    sa.Column("field", sa.String(32), nullable=True),
    sa.Column("online", sa.Boolean, nullable=False, default=False),
    sa.Column("status", sa.String(32), nullable=True),
    sa.Column("channel", sa.String(16), nullable=True),
    sa.Column("procedure_field", sa.Text, nullable=True),
    sa.Index("ix_dossiers_received", "received_on", "returned_on", "unit"),
    sa.Index("ix_dossiers_returned", "returned_on", "due_on", "received_on", "unit"),
)

receptions = sa.Table(
    "receptions",
    metadata,
    sa.Column("id", sa.String(128), primary_key=True),
    sa.Column("held_on", sa.Date, nullable=False),
    sa.Column("persons", sa.Integer, nullable=False),
    sa.Column("unit", sa.String(64), nullable=False),
    sa.Column("mode", sa.String(16), nullable=True),
    sa.Column("cases", sa.Integer, nullable=True),
    sa.Column("repeat", sa.Boolean, nullable=True),
    sa.Column("group_visit", sa.Boolean, nullable=True),
    sa.Column("session", sa.String(128), nullable=True),
    sa.Index("ix_receptions_held", "held_on"),
)

petitions = sa.Table(
    "petitions",
    metadata,
    sa.Column("id", sa.String(128), primary_key=True),
    sa.Column("received_on", sa.Date, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("resolved_on", sa.Date, nullable=True),
    sa.Column("unit", sa.String(64), nullable=False),
    sa.Index("ix_petitions_received", "received_on"),
)

directives = sa.Table(
    "directives",
    metadata,
    sa.Column("id", sa.String(128), primary_key=True),
    sa.Column("approved_on", sa.Date, nullable=False),
    sa.Column("field", sa.String(32), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("number", sa.String(128), nullable=True),
    sa.Column("highlight", sa.Boolean, nullable=False, default=False),
    sa.Column("unit", sa.String(64), nullable=True),
    sa.Index("ix_directives_approved", "approved_on"),
)

highlights = sa.Table(
    "highlights",
    metadata,
    sa.Column("id", sa.String(128), primary_key=True),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("field", sa.String(32), nullable=True),
    sa.Column("position", sa.Integer, nullable=True),
    sa.Column("unit", sa.String(64), nullable=True),
    sa.Index("ix_highlights_date", "date"),
)


def _by_field(name: str) -> tuple[str, ...]:
    return (name, *(f"{name}_{field}" for field in FIELDS))


COUNT_COLUMNS: dict[str, tuple[str, ...]] = {
    "documents": _by_field("documents"),
    "dossiers": (
        *_by_field("dossiers_received"),
        "dossiers_online",
        "dossiers_on_time",
        "dossiers_late",
    ),
    "receptions": ("receptions", "reception_persons"),
    "petitions": ("petitions_received", "petitions_resolved"),
    "directives": _by_field("directives"),
}
"""Record kind → its columns in ``day_counts``; ``<name>_<field>`` splits ``<name>`` by field."""

day_counts = sa.Table(
    "day_counts",
    metadata,
    sa.Column("unit", sa.String(64), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    *(
        sa.Column(name, sa.BigInteger, nullable=False, server_default="0")
        for columns in COUNT_COLUMNS.values()
        for name in columns
    ),
    sqlite_with_rowid=False,
)
"""One row per unit (and each ancestor, and ``''`` for the whole office) and day: every
single-date count of that day, a column each. Its size is bounded by units × days, however
many records there are."""

imports = sa.Table(
    "imports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("rows_added", sa.Integer, nullable=False),
    sa.Column("rows_replaced", sa.Integer, nullable=False),
    sa.Column("rows_unchanged", sa.Integer, nullable=False),
    sa.Column("rows_rejected", sa.Integer, nullable=False, default=0),
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("data_until", sa.Date, nullable=True),
    sa.Column("unit", sa.String(64), nullable=True),
)
"""``data_until``: the latest day the file's data covers (its rows, or ``--as-of``); ``unit``:
the one unit the file's rows belong to, when they all belong to one (a unit's own export)."""

exchanged_documents = sa.Table(
    "exchanged_documents",
    metadata,
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
"""Documents read from edXML packages (QCVN 102:2016): one row per document id
("OrganId,yyyy/MM/dd,số/ký hiệu"); a status package updates ``status_code``."""

RECORD_TABLES: dict[str, sa.Table] = {
    "documents": documents,
    "dossiers": dossiers,
    "receptions": receptions,
    "petitions": petitions,
    "directives": directives,
    "highlights": highlights,
    "units": units,
}

# --- the run ledger (scheduler and delivery) ---------------------------------------------

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("job_id", sa.String(128), nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("unit", sa.String(64), nullable=False, default=""),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("owner", sa.String(255), nullable=False),
    sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False, default=1),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("files", sa.Text, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("kind", sa.String(16), nullable=True),
    sa.Column("cutoff", sa.Boolean, nullable=True),
    sa.UniqueConstraint(
        "job_id", "period_start", "period_end", "unit", "attempt", name="uq_runs_job_period"
    ),
)

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("recipient", sa.String(320), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("message_id", sa.String(255), nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    sa.UniqueConstraint("run_id", "recipient", name="uq_deliveries_run_recipient"),
)


# --- approval, the register of outgoing documents, frozen files (issue 15) ----------------

approvals = sa.Table(
    "approvals",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
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
    sa.Column("decided_from", sa.String(255), nullable=True),
    sa.Column("signed_by", sa.Text, nullable=True),
    sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("signature_report", sa.Text, nullable=True),
    sa.Index("ix_approvals_run", "run_id"),
    sa.UniqueConstraint("prefix", "year", "number", name="uq_approvals_number"),
)
"""One draft of a run waiting for, or given, a decision. ``draft_files`` and ``final_files``
are JSON lists of {name, sha256}; ``report`` is the composed report the draft was rendered
from (JSON), so the numbered files are the draft's own content with the number and date."""

sign_links = sa.Table(
    "sign_links",
    metadata,
    sa.Column("token_sha256", sa.String(64), primary_key=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("pdf_sha256", sa.String(64), nullable=False),
    sa.Column("user_name", sa.String(320), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
)
"""A single-use, short-lived link for the signer's local signing service (VGCA): it fetches
the approved PDF and posts the signed one back with it. Only the token's SHA-256 is kept."""


document_numbers = sa.Table(
    "document_numbers",
    metadata,
    sa.Column("prefix", sa.String(64), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("last_number", sa.Integer, nullable=False),
)
"""The register of outgoing documents: the last number given per reference prefix and year."""

# --- the web door: users, sessions, login attempts, audit log, stored files ---------------

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("email", sa.String(320), nullable=True),
)

web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("token", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("address", sa.String(64), nullable=False),
)
"""The server side of a login: the signed cookie holds only the token; logging out, an idle
timeout or disabling the user deletes the row, and the cookie means nothing any more."""

login_attempts = sa.Table(
    "login_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("address", sa.String(64), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("success", sa.Boolean, nullable=False),
    sa.Index("ix_login_attempts_name", "name", "at"),
    sa.Index("ix_login_attempts_address", "address", "at"),
)

login_throttle = sa.Table(
    "login_throttle",
    metadata,
    sa.Column("bucket", sa.String(200), primary_key=True),
    sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
    sa.Column("n", sa.Integer, nullable=False),
)
"""Failed-login counters, one row a bucket (``pair:<name>|<address>``, ``addr:<address>``,
``acct:<name>``), each counted by one atomic upsert so parallel tries cannot overrun a limit."""

stored_jobs = sa.Table(
    "stored_jobs",
    metadata,
    sa.Column("job_id", sa.String(128), primary_key=True),
    sa.Column("body", sa.Text, nullable=True),
    sa.Column("changed_by", sa.String(64), nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
)
"""Jobs made, copied or changed on the page: the body is the job file's TOML; a row whose
body is NULL deletes the job file of that id."""

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("user_name", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Index("ix_audit_log_at", "at"),
)

stored_files = sa.Table(
    "stored_files",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("parent_id", sa.Integer, nullable=True),
    sa.Column("meta", sa.Text, nullable=True),
    sa.Index("ix_stored_files_kind", "kind", "created_at"),
)
"""Files the web door keeps (uploads, their rejected rows, generated reports and previews)
under generated names; they are downloaded by this id, never by a path from a request."""

frozen_files = sa.Table(
    "frozen_files",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
)
"""Approved, numbered files by content: what was sent can always be served again."""

job_state = sa.Table(
    "job_state",
    metadata,
    sa.Column("job_id", sa.String(128), primary_key=True),
    sa.Column("paused", sa.Boolean, nullable=False),
    sa.Column("changed_by", sa.String(64), nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
)
"""A job paused from Lịch gửi: the scheduler of every machine sharing the database skips it."""

job_overrides = sa.Table(
    "job_overrides",
    metadata,
    sa.Column("job_id", sa.String(128), primary_key=True),
    sa.Column("schedule", sa.String(128), nullable=False),
    sa.Column("recipients_to", sa.Text, nullable=False),
    sa.Column("recipients_cc", sa.Text, nullable=False),
    sa.Column("changed_by", sa.String(64), nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("on_holiday", sa.String(32), nullable=True),
)
"""A job's schedule and recipients as edited in Lịch gửi (JSON lists of addresses), over its
job file: the page, the CLI and every scheduler sharing the database use them."""

scheduler_nodes = sa.Table(
    "scheduler_nodes",
    metadata,
    sa.Column("node", sa.String(200), primary_key=True),
    sa.Column("host", sa.String(200), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("state", sa.String(16), nullable=False, server_default="running"),
    sa.Column("jobs", sa.Text, nullable=False, server_default="{}"),
)
"""Each scheduler node's heartbeat (machine and jobs folder): when it last checked in, and the
next run time of each of its jobs as JSON ``{job_id: [trigger, next_iso]}``, from which its
next start catches up. Each node keeps its schedule in memory; no job store is shared."""

run_files = sa.Table(
    "run_files",
    metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
)
"""The SHA-256 of each file a run wrote, taken before it was mailed: Lịch sử shows what the
recipients received, and tells when the file on disk is no longer that one."""

store_meta = sa.Table(
    "store_meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
"""Facts about the store itself: ``schema_by``, the baocao version that last upgraded it."""
