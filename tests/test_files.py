"""Report files appear whole, and as ordinary files (not private to the writing process)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from reports.core.files import atomic_output


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_gets_the_umask_mode_and_a_replaced_one_keeps_its_own(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        target = tmp_path / "BC-tuan.docx"
        with atomic_output(target) as tmp:
            tmp.write_bytes(b"one")
        assert _mode(target) == 0o644  # mkstemp alone would leave 0600
        target.chmod(0o640)
        with atomic_output(target) as tmp:
            tmp.write_bytes(b"two")
        assert (target.read_bytes(), _mode(target)) == (b"two", 0o640)
    finally:
        os.umask(old)


def test_a_failed_write_leaves_the_old_file_and_no_part(tmp_path: Path) -> None:
    target = tmp_path / "BC-tuan.xlsx"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_output(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("crash")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["BC-tuan.xlsx"]
