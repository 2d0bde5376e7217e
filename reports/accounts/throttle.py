"""Login throttling: each try counted by one atomic upsert before the password is checked.

Three buckets, as OWASP's authentication cheat sheet advises: the account from one address
(the person's own browser, or the office's NAT), the address alone (one machine trying many
accounts, with a larger limit), and the account from any address (many machines trying one
account) — the last one only for browsers that have not logged in to that account before, so
that a colleague's typos, or an attacker's, never refuse the right password of its owner.

``INSERT … ON CONFLICT DO UPDATE … RETURNING n`` is atomic on SQLite (≥ 3.35) and PostgreSQL:
40 parallel tries get 40 different counts, and only the first ``limit`` reach argon2. Windows
are fixed: refused tries do not prolong them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from reports.store.schema import login_throttle

ADDRESS_FACTOR = 10
"""The address bucket allows this many times the per-account limit."""
ACCOUNT_FACTOR = 10
"""The account bucket (unknown browsers only) allows this many times the per-account limit."""


def _hit(conn: sa.Connection, bucket: str, window: timedelta, now: datetime) -> int:
    """Count one try in ``bucket``: its number inside the current window."""
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(
        login_throttle
    )
    expired = login_throttle.c.window_start <= now - window
    stmt = (
        insert.values(bucket=bucket[:200], window_start=now, n=1)
        .on_conflict_do_update(
            index_elements=[login_throttle.c.bucket],
            set_={
                "n": sa.case((expired, 1), else_=login_throttle.c.n + 1),
                "window_start": sa.case((expired, now), else_=login_throttle.c.window_start),
            },
        )
        .returning(login_throttle.c.n)
    )
    return int(conn.execute(stmt).scalar_one())


def may_try(
    conn: sa.Connection,
    name: str,
    address: str,
    limit: int,
    window: timedelta,
    now: datetime,
    *,
    known_browser: bool,
) -> bool:
    """Count a try of ``name`` from ``address``; False when one of its buckets is full."""
    key = name.strip().lower()
    ok = _hit(conn, f"pair:{key}|{address}", window, now) <= limit
    ok = _hit(conn, f"addr:{address}", window, now) <= limit * ADDRESS_FACTOR and ok
    if not known_browser:
        ok = _hit(conn, f"acct:{key}", window, now) <= limit * ACCOUNT_FACTOR and ok
    return ok


def forget(conn: sa.Connection, name: str, address: str, *, known_browser: bool) -> None:
    """A right password: the account's count from this address starts again, and this try is
    taken back from the address's bucket (and the account's, from a browser new to it), so
    that only wrong passwords fill them: a hundred colleagues logging in on Monday morning
    behind the office's one NAT address are not refused."""
    key = name.strip().lower()
    conn.execute(
        sa.delete(login_throttle).where(login_throttle.c.bucket == f"pair:{key}|{address}")
    )
    shared = [f"addr:{address}"[:200]]
    if not known_browser:
        shared.append(f"acct:{key}"[:200])
    conn.execute(
        sa.update(login_throttle)
        .where(login_throttle.c.bucket.in_(shared), login_throttle.c.n > 0)
        .values(n=login_throttle.c.n - 1)
    )
