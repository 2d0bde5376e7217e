"""The audit log (Nhật ký): who did what and when, kept in the database, shown in Vietnamese."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from reports.store.db import as_utc
from reports.store.schema import audit_log

ACTIONS_VI = {
    "login": "đăng nhập",
    "login.failed": "đăng nhập sai",
    "login.locked": "tạm khóa đăng nhập",
    "draft.approve": "duyệt bản nháp",
    "draft.return": "trả lại bản nháp",
    "draft.regenerate": "viết lại bản nháp",
    "job.add": "thêm công việc",
    "job.delete": "xóa công việc",
    "job.import": "nhập công việc",
    "user.email": "đổi địa chỉ thư",
    "upload": "tải lên",
    "import": "nhập dữ liệu",
    "generate": "viết báo cáo",
    "generate.batch": "viết báo cáo các đơn vị",
    "job.run": "chạy công việc",
    "job.pause": "tạm dừng công việc",
    "job.resume": "tiếp tục công việc",
    "job.edit": "sửa công việc",
    "delivery.resend": "gửi lại",
    "user.add": "thêm người dùng",
    "user.disable": "khóa người dùng",
    "user.password": "đặt mật khẩu",
}
"""How Nhật ký names the actions stored in English."""


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    user_name: str
    action: str
    detail: str

    @property
    def action_vi(self) -> str:
        return ACTIONS_VI.get(self.action, self.action)


def record(conn: sa.Connection, who: str, action: str, detail: str, at: datetime) -> None:
    """Record it in ``conn``'s transaction (with the change it records)."""
    conn.execute(sa.insert(audit_log).values(at=at, user_name=who, action=action, detail=detail))


def audit(engine: Engine, who: str, action: str, detail: str) -> None:
    """Record that ``who`` did ``action`` (import, generate, job.run, user.add, …)."""
    with engine.begin() as conn:
        record(conn, who, action, detail, datetime.now(UTC))


def audit_entries(engine: Engine, limit: int = 200) -> list[AuditEntry]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit)
        )
        return [AuditEntry(as_utc(r.at), r.user_name, r.action, r.detail) for r in rows]
