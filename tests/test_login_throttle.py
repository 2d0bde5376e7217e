"""Login tries are counted atomically before the password is checked: 40 parallel wrong tries
at one account from one address reach argon2 at most ``limit`` times, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from reports.accounts import users as accounts
from reports.accounts.audit import audit_entries
from reports.core.errors import AccountError

LIMITS = accounts.LoginLimits(5, timedelta(minutes=15))


def test_forty_parallel_tries_check_the_password_at_most_five_times(engine: Engine) -> None:
    accounts.add_user(engine, "an", "chuyen-vien", "mat-khau-an-1", by="test")
    now = datetime(2026, 12, 4, 8, tzinfo=UTC)
    start = threading.Barrier(40)
    refused: list[str] = []

    def one() -> None:
        start.wait()
        try:
            accounts.login(engine, "an", "sai", "10.0.0.1", LIMITS, now=now)
        except AccountError as exc:
            refused.append(str(exc))

    threads = [threading.Thread(target=one) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    checked = [m for m in refused if "không đúng" in m]
    assert len(refused) == 40 and len(checked) == 5
    failed = [e for e in audit_entries(engine) if e.action == "login.failed"]
    assert len(failed) == 5
    # the owner from another address is not refused
    accounts.login(engine, "an", "mat-khau-an-1", "10.0.0.2", LIMITS, now=now)


@pytest.mark.parametrize("address", ["10.9.9.9"])
def test_the_window_passes_and_a_right_password_clears_the_count(
    engine: Engine, address: str
) -> None:
    accounts.add_user(engine, "binh", "chuyen-vien", "mat-khau-binh", by="test")
    now = datetime(2026, 12, 4, 8, tzinfo=UTC)
    for _ in range(4):
        with pytest.raises(AccountError, match="không đúng"):
            accounts.login(engine, "binh", "sai", address, LIMITS, now=now)
    accounts.login(engine, "binh", "mat-khau-binh", address, LIMITS, now=now)
    for _ in range(5):  # the count started again
        with pytest.raises(AccountError, match="không đúng"):
            accounts.login(engine, "binh", "sai", address, LIMITS, now=now)
    with pytest.raises(AccountError, match="sai quá 5 lần"):
        accounts.login(engine, "binh", "mat-khau-binh", address, LIMITS, now=now)
    later = now + timedelta(minutes=16)
    accounts.login(engine, "binh", "mat-khau-binh", address, LIMITS, now=later)


def test_a_whole_office_behind_one_address_logs_in_and_wrong_tries_still_lock_it(
    engine: Engine,
) -> None:
    """The address's bucket holds wrong passwords only: 60 colleagues behind the office's NAT
    log in within one window (more than its 50 tries), and 50 wrong tries still close it."""
    now = datetime(2026, 12, 7, 8, tzinfo=UTC)
    for n in range(60):
        accounts.add_user(engine, f"cv{n:02d}", "chuyen-vien", f"mat-khau-cv{n:02d}", by="test")
    for n in range(60):
        accounts.login(engine, f"cv{n:02d}", f"mat-khau-cv{n:02d}", "10.1.1.1", LIMITS, now=now)
    for n in range(50):  # five wrong tries at each of ten accounts
        with pytest.raises(AccountError, match="không đúng"):
            accounts.login(engine, f"cv{n // 5:02d}", "sai", "10.1.1.1", LIMITS, now=now)
    with pytest.raises(AccountError, match="sai quá"):
        accounts.login(engine, "cv59", "mat-khau-cv59", "10.1.1.1", LIMITS, now=now)
    accounts.login(engine, "cv59", "mat-khau-cv59", "10.1.1.2", LIMITS, now=now)
