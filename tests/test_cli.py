"""The real ``baocao`` command: exit codes and the exact text a user reads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BAOCAO = [sys.executable, "-m", "reports"]


def run(
    *args: str, db: str | None = None, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("BAOCAO_")}
    if db:
        full_env["BAOCAO_DB"] = db
    full_env.update(env or {})
    return subprocess.run(
        [*BAOCAO, *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=120
    )


def test_bad_date_is_a_clear_error(sqlite_url: str) -> None:
    r = run("figures", "--from", "2020-13-01", "--to", "2020-09-28", db=sqlite_url)
    assert r.returncode == 2
    assert r.stderr == "Lỗi: --from: ngày không tồn tại (2020-13-01)\n"
    assert r.stdout == ""


def test_reversed_period(sqlite_url: str) -> None:
    r = run("figures", "--from", "28/09/2020", "--to", "21/09/2020", db=sqlite_url)
    assert r.returncode == 2
    assert r.stderr == (
        "Lỗi: kỳ báo cáo không hợp lệ: ngày kết thúc 21/09/2020 trước ngày bắt đầu 28/09/2020\n"
    )


def test_unknown_unit(sqlite_url: str) -> None:
    r = run(
        "figures", "--from", "2020-09-21", "--to", "2020-09-28", "--unit", "KHONG-CO", db=sqlite_url
    )
    assert r.returncode == 2
    assert r.stderr == (
        "Lỗi: Không có đơn vị 'KHONG-CO' trong cơ sở dữ liệu. "
        "Xem danh sách bằng 'baocao units' hoặc nhập tệp units.csv.\n"
    )


def test_bad_format(sqlite_url: str, tmp_path: Path) -> None:
    r = run(
        "generate",
        "--from",
        "2020-09-21",
        "--to",
        "2020-09-28",
        "--format",
        "docx,odt",
        "--out",
        str(tmp_path / "out"),
        db=sqlite_url,
    )
    assert r.returncode == 2
    assert r.stderr == "Lỗi: --format: không có định dạng 'odt'; chọn trong docx, xlsx, pdf\n"
    assert not (tmp_path / "out").exists()


def test_bad_settings_file(tmp_path: Path) -> None:
    bad = tmp_path / "baocao.toml"
    bad.write_text("[smtp]\nport = 70000\n", encoding="utf-8")
    r = run("--settings", str(bad), "figures", "--from", "2020-09-21", "--to", "2020-09-28")
    assert r.returncode == 2
    assert r.stderr == f"Lỗi: Cấu hình smtp.port ({bad}): phải từ 1 đến 65535, nhận được 70000\n"


def test_unreachable_database() -> None:
    r = run(
        "figures",
        "--from",
        "2020-09-21",
        "--to",
        "2020-09-28",
        db="postgresql://nobody@127.0.0.1:1/none?connect_timeout=2",
    )
    assert r.returncode == 4
    assert r.stderr.startswith(
        "Lỗi: Không kết nối được cơ sở dữ liệu postgresql+psycopg://nobody@127.0.0.1:1/none"
    )
    assert "Traceback" not in r.stderr


def test_figures_json_on_an_empty_store(sqlite_url: str) -> None:
    r = run("figures", "--from", "2020-09-21", "--to", "2020-09-28", "--json", db=sqlite_url)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["periods"]["previous"] == {"from": "2020-09-14", "to": "2020-09-21"}
    assert data["figures"]["current"]["documents_received"] == 0
    assert len(data["trend"]) == 12


def test_missing_option_exit_code(sqlite_url: str) -> None:
    r = run("figures", "--from", "2020-09-21", db=sqlite_url)
    assert r.returncode == 2
    assert r.stderr == "Lỗi: thiếu --to. Xem 'baocao figures --help'.\n"
    r = run("figures", "--tu", "2020-09-21", db=sqlite_url)
    assert r.returncode == 2
    assert r.stderr == "Lỗi: không có tùy chọn --tu. Xem 'baocao figures --help'.\n"


@pytest.mark.parametrize("args", [["--help"], ["figures", "--help"], ["generate", "--help"]])
def test_help(args: list[str]) -> None:
    r = run(*args)
    assert r.returncode == 0
    assert "Usage" in r.stdout or "Cách dùng" in r.stdout


def test_a_read_command_on_an_empty_database_says_so(sqlite_url: str) -> None:
    r = run("figures", "--from", "2020-09-21", "--to", "2020-09-28", db=sqlite_url)
    assert r.returncode == 0
    assert r.stderr.startswith(f"Chú ý: cơ sở dữ liệu {sqlite_url} chưa có dữ liệu nào")


def test_a_settings_path_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    r = run("--settings", str(tmp_path / "khong-co.toml"), "units")
    assert r.returncode == 2
    assert "không tìm thấy tệp" in r.stderr
    assert not (tmp_path / "data").exists()
