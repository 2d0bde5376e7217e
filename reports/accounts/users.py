"""Users of the web door, their logins and sessions, kept in the database (what they do is
written to the audit log, :mod:`reports.accounts.audit`).

Passwords are hashed with argon2id (argon2-cffi's defaults) and rehashed at login when those
defaults change. Logins are limited per user name and per address, counted from the attempts
stored here, so every process and machine sharing the database sees the same count. The CLI
(``baocao users``) and the web door call these functions; neither touches the tables itself.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.engine import Engine

from reports.accounts import throttle
from reports.accounts.audit import audit, record
from reports.core.errors import AccountError, ApprovalError, Step
from reports.store.db import as_utc
from reports.store.schema import login_attempts, users, web_sessions

ROLES = {
    "quan-tri": "Quản trị",
    "lanh-dao": "Lãnh đạo",
    "chuyen-vien": "Chuyên viên",
}
"""Role key (as typed in ``--role``) → its name on the pages."""
LEAST_ROLE = "chuyen-vien"
"""What a new user is unless chosen otherwise: the role that may do least."""
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")

MIN_PASSWORD = 8
_hasher = PasswordHasher()


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    active: bool
    created_at: datetime
    email: str = ""

    @property
    def role_name(self) -> str:
        return ROLES.get(self.role, self.role)


def _user(row: sa.Row[tuple[object, ...]]) -> User:
    m = row._mapping
    return User(
        m["id"],
        m["name"],
        m["role"],
        bool(m["active"]),
        as_utc(m["created_at"]),
        str(m.get("email") or ""),
    )


def _check_name(name: str) -> str:
    clean = name.strip()
    if not clean or len(clean) > 64 or any(c.isspace() for c in clean):
        raise AccountError(
            f"tên đăng nhập {name!r} không hợp lệ: cần 1 đến 64 ký tự, không có khoảng trắng"
        )
    return clean


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"mật khẩu cần ít nhất {MIN_PASSWORD} ký tự")


def _check_email(email: str) -> str:
    email = email.strip()
    if email and not _EMAIL.match(email):
        raise AccountError(f"địa chỉ thư không hợp lệ {email!r}; ví dụ ten@ubnd.gov.vn")
    return email


def add_user(
    engine: Engine,
    name: str,
    role: str,
    password: str,
    *,
    by: str,
    email: str = "",
) -> User:
    """Create a user (a name used already is refused), and record it in the audit log."""
    name = _check_name(name)
    if role not in ROLES:
        raise AccountError(f"không có vai trò {role!r}; chọn một trong {', '.join(ROLES)}")
    _check_password(password)
    email = _check_email(email)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        if conn.execute(sa.select(users.c.id).where(users.c.name == name)).first():
            raise AccountError(f"đã có người dùng {name}; chọn tên khác")
        conn.execute(
            sa.insert(users).values(
                name=name,
                role=role,
                password_hash=_hasher.hash(password),
                active=True,
                created_at=now,
                email=email or None,
            )
        )
        record(conn, by, "user.add", f"thêm người dùng {name} ({ROLES[role]})", now)
        row = conn.execute(sa.select(users).where(users.c.name == name)).one()
    return _user(row)


def list_users(engine: Engine) -> list[User]:
    with engine.connect() as conn:
        return [_user(r) for r in conn.execute(sa.select(users).order_by(users.c.name))]


def get_user(engine: Engine, user_id: int) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.id == user_id)).first()
    return _user(row) if row else None


def disable_user(engine: Engine, name: str, *, by: str) -> User:
    """Disable a user and end their sessions at once."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        row = conn.execute(sa.select(users).where(users.c.name == name)).first()
        if row is None:
            raise AccountError(f"không có người dùng {name}.").leads_to(Step.SEE_USERS)
        conn.execute(sa.update(users).where(users.c.id == row.id).values(active=False))
        conn.execute(sa.delete(web_sessions).where(web_sessions.c.user_id == row.id))
        record(conn, by, "user.disable", f"khóa người dùng {name}", now)
        row = conn.execute(sa.select(users).where(users.c.id == row.id)).one()
    return _user(row)


def set_email(engine: Engine, name: str, email: str, *, by: str) -> User:
    """The mail address a user's notices go to (empty: none)."""
    email = _check_email(email)
    with engine.begin() as conn:
        done = conn.execute(
            sa.update(users).where(users.c.name == name).values(email=email or None)
        )
        if done.rowcount == 0:
            raise AccountError(f"không có người dùng {name}")
        record(
            conn,
            by,
            "user.email",
            f"địa chỉ thư của {name}: {email or '(không có)'}",
            datetime.now(UTC),
        )
        row = conn.execute(sa.select(users).where(users.c.name == name)).one()
    return _user(row)


def set_password(engine: Engine, name: str, password: str, *, by: str) -> User:
    """A new password for ``name`` (forgotten, or first handed out); their sessions end."""
    _check_password(password)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        row = conn.execute(sa.select(users).where(users.c.name == name)).first()
        if row is None:
            raise AccountError(f"không có người dùng {name}.").leads_to(Step.SEE_USERS)
        conn.execute(
            sa.update(users)
            .where(users.c.id == row.id)
            .values(password_hash=_hasher.hash(password))
        )
        conn.execute(sa.delete(web_sessions).where(web_sessions.c.user_id == row.id))
        record(conn, by, "user.password", f"đặt mật khẩu mới cho {name}", now)
    return _user(row)


def change_own_password(
    engine: Engine, user_id: int, current: str, new: str, *, keep_token: str
) -> None:
    """A user's own new password, given the current one; their other sessions end."""
    _check_password(new)
    with engine.begin() as conn:
        row = conn.execute(sa.select(users).where(users.c.id == user_id)).one()
        try:
            _hasher.verify(row.password_hash, current)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            raise AccountError("mật khẩu hiện tại không đúng") from None
        conn.execute(
            sa.update(users).where(users.c.id == user_id).values(password_hash=_hasher.hash(new))
        )
        conn.execute(
            sa.delete(web_sessions).where(
                web_sessions.c.user_id == user_id, web_sessions.c.token != keep_token
            )
        )
        record(conn, row.name, "user.password", f"{row.name} đổi mật khẩu", datetime.now(UTC))


# --- logins and sessions ------------------------------------------------------------------


@dataclass(frozen=True)
class LoginLimits:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)


def login(
    engine: Engine,
    name: str,
    password: str,
    address: str,
    limits: LoginLimits,
    *,
    now: datetime | None = None,
    known_browser: bool = False,
) -> tuple[User, str]:
    """Check a login and open a session: the user and the session's token.

    Refused (:class:`AccountError`, one message whatever was wrong, so that a name cannot be
    probed) when the password does not match, the user is disabled, or too many tries were
    made lately (:mod:`reports.accounts.throttle`: per name and address, per address, and per
    name from browsers that never logged in to it — ``known_browser``).
    """
    now = now or datetime.now(UTC)
    name = name.strip()[:64]
    address = address[:64]
    with engine.begin() as conn:  # committed before the hash: other tries see this one
        allowed = throttle.may_try(
            conn,
            name,
            address,
            limits.max_failures,
            limits.window,
            now,
            known_browser=known_browser,
        )
    if not allowed:
        audit(engine, name, "login.locked", f"tạm khóa đăng nhập từ {address}: sai quá nhiều lần")
        minutes = int(limits.window.total_seconds() // 60)
        raise AccountError(
            f"đăng nhập sai quá {limits.max_failures} lần; thử lại sau {minutes} phút "
            "hoặc nhờ quản trị kiểm tra tài khoản"
        )
    with engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.name == name)).first()
    ok = False
    try:
        # an unknown name costs the same hash as a known one: its time tells nothing
        ok = _hasher.verify(row.password_hash if row is not None else _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    ok = ok and row is not None and bool(row.active)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(login_attempts).values(name=name, address=address, at=now, success=ok)
        )
        if not ok:
            record(conn, name, "login.failed", f"đăng nhập sai từ {address}", now)
        else:
            throttle.forget(conn, name, address, known_browser=known_browser)
    if not ok or row is None:  # raised after the commit: the failure must stay counted
        raise AccountError("tên đăng nhập hoặc mật khẩu không đúng (hoặc tài khoản đã khóa)")
    with engine.begin() as conn:
        if _hasher.check_needs_rehash(row.password_hash):
            conn.execute(
                sa.update(users)
                .where(users.c.id == row.id)
                .values(password_hash=_hasher.hash(password))
            )
        token = secrets.token_urlsafe(32)
        conn.execute(
            sa.insert(web_sessions).values(
                token=token, user_id=row.id, created_at=now, last_seen=now, address=address
            )
        )
        record(conn, name, "login", f"đăng nhập từ {address}", now)
    return _user(row), token


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def session_user(
    engine: Engine, token: str, idle: timedelta, *, now: datetime | None = None
) -> User | None:
    """The active user of a session still in use, or None (the session is then gone)."""
    now = now or datetime.now(UTC)
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(web_sessions.c.last_seen, users)
            .join(users, users.c.id == web_sessions.c.user_id)
            .where(web_sessions.c.token == token)
        ).first()
    if row is None:
        return None
    last_seen = as_utc(row.last_seen)
    if now - last_seen > idle or not row.active:
        end_session(engine, token)
        return None
    if now - last_seen > timedelta(seconds=30):  # one write a half-minute, not one a request
        with engine.begin() as conn:
            conn.execute(
                sa.update(web_sessions).where(web_sessions.c.token == token).values(last_seen=now)
            )
    return User(
        row.id,
        row.name,
        row.role,
        bool(row.active),
        as_utc(row.created_at),
        str(row.email or ""),
    )


def end_session(engine: Engine, token: str) -> None:
    with engine.begin() as conn:
        conn.execute(sa.delete(web_sessions).where(web_sessions.c.token == token))


def approver_lookup(engine: Engine) -> Callable[[str], Sequence[str]]:
    """A job's ``approvers`` entry (a login or a role key such as ``lanh-dao``) → mail
    addresses of active users: each user's mail address, else a login that is one; a user
    without either is an error that says so."""

    def address(name: str, email: str | None) -> str | None:
        return email or (name if "@" in name else None)

    def lookup(name: str) -> Sequence[str]:
        with engine.connect() as conn:
            if name in ROLES:
                rows = conn.execute(
                    sa.select(users.c.name, users.c.email).where(
                        users.c.role == name, users.c.active
                    )
                ).all()
                found = sorted({a for r in rows if (a := address(r.name, r.email))})
                if not found:
                    raise ApprovalError(
                        f"Vai trò {name!r} ({ROLES[name]}) không có người dùng nào có địa chỉ "
                        "thư; thêm địa chỉ thư cho người dùng (Người dùng) hoặc ghi địa chỉ thư "
                        "vào approvers trong tệp công việc."
                    )
                return found
            row = conn.execute(
                sa.select(users.c.name, users.c.email, users.c.active).where(users.c.name == name)
            ).first()
        if row is None or not row.active:
            return []
        if found_address := address(row.name, row.email):
            return [found_address]
        raise ApprovalError(
            f"Người dùng {name!r} không có địa chỉ thư; thêm địa chỉ thư cho người dùng (Người "
            "dùng) hoặc ghi địa chỉ thư vào approvers trong tệp công việc."
        )

    return lookup


def addresses_of(engine: Engine, name: str) -> set[str]:
    """What names a user among a job's approvers: the login and the user's mail address."""
    found = {name.strip()}
    with engine.connect() as conn:
        email = conn.execute(sa.select(users.c.email).where(users.c.name == name.strip())).scalar()
    if email:
        found.add(str(email))
    return found
