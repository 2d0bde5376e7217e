"""Processes and files under careless use (#13): killed runs, unwritable folders."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from reports.core.children import clean_stale, group_running, temp_prefix
from reports.core.files import atomic_output
from tests.test_cli import run


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _age(path: Path, seconds: float = 3_600) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old))


def test_part_files_of_killed_writers_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    dead, alive = _dead_pid(), os.getppid()
    stale = tmp_path / f".BC-tuan.{dead}.abcd_123.docx.part"
    live = tmp_path / f".BC-tuan.{alive}.efgh_456.docx.part"
    young = tmp_path / f".BC-tuan.{dead}.ijkl_789.docx.part"
    for path in (stale, live, young):
        path.write_bytes(b"half a file")
    _age(stale)
    _age(live)
    with atomic_output(tmp_path / "BC-tuan.docx") as tmp:
        tmp.write_bytes(b"done")
    assert not stale.exists()
    assert live.exists() and young.exists()
    assert (tmp_path / "BC-tuan.docx").read_bytes() == b"done"


def test_spill_folders_of_killed_processes_are_removed() -> None:
    dead = _dead_pid()
    stale = Path(tempfile.mkdtemp(prefix=f"baocao-xlsx-{dead}-"))
    mine = Path(tempfile.mkdtemp(prefix=temp_prefix("xlsx")))
    (stale / "sheet-5.xml").write_text("<row/>")
    _age(stale)
    _age(mine)
    clean_stale()
    assert not stale.exists()
    assert mine.exists()
    mine.rmdir()


@pytest.mark.parametrize("target", ["/dev/null", "file"])
def test_an_unwritable_out_is_a_clear_error(sqlite_url: str, tmp_path: Path, target: str) -> None:
    out = target if target == "/dev/null" else str(tmp_path / "a-file" / "sub")
    if target == "file":
        (tmp_path / "a-file").write_text("x")
    r = run(
        "generate", "--from", "2020-09-21", "--to", "2020-09-28", "--format", "docx",
        "--out", out, db=sqlite_url,
    )  # fmt: skip
    assert r.returncode == 5, r.stderr
    assert r.stderr.startswith(f"Lỗi: Không ghi được tệp {out}/BC-tuan-2020-09-21_2020-09-28.docx")
    assert "(đường dẫn không phải là thư mục). Chọn thư mục mà tài khoản này được ghi" in r.stderr


_PARENT = """
import sys, time
from reports.core.children import die_with_parent
from multiprocessing import get_context

def child():
    die_with_parent(poll_s=0.2)
    time.sleep(120)

if __name__ == "__main__":
    p = get_context("spawn").Process(target=child)
    p.start()
    print(p.pid, flush=True)
    time.sleep(120)
"""


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's exit may wait for an init that does not reap)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def test_a_child_leaves_when_its_parent_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(_PARENT)
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    with parent, parent.stdout:
        child = int(parent.stdout.readline())
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
    try:
        pidfd = os.pidfd_open(child)  # readable once the child has exited
    except ProcessLookupError:
        return  # gone already
    try:
        exited, _, _ = select.select([pidfd], [], [], 10)
    finally:
        os.close(pidfd)
    if not exited and _running(child):
        os.kill(child, signal.SIGKILL)
        pytest.fail("the child outlived its killed parent")


def test_a_killed_group_left_as_a_zombie_no_longer_runs() -> None:
    """LibreOffice's profile is removed once nothing of its group runs; a member killed but
    not yet reaped (the container's init reaps adopted zombies late) must not hold that up."""
    child = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        assert group_running(child.pid)
        os.killpg(child.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while group_running(child.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not group_running(child.pid)
        os.killpg(child.pid, 0)  # still there for the kernel: a zombie until it is reaped
    finally:
        child.kill()
        child.wait()
    assert not group_running(child.pid)
