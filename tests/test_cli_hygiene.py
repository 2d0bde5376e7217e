"""The command's own hygiene: options anywhere, click in Vietnamese, bad --db, schema revisions,
templates checked before any work, folders that cannot be made."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import sqlalchemy as sa

from reports.settings.load import PROJECT_ROOT
from reports.store.db import HEAD_REVISION, baocao_version, open_store
from tests.test_cli import run


def test_global_options_after_the_subcommand(tmp_path: Path) -> None:
    config = tmp_path / "baocao.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "x.sqlite"}"\n', encoding="utf-8")
    r = run("units", "--settings", str(config), "-v")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "x.sqlite").is_file()
    assert " INFO reports.store.db: nâng lược đồ của " in r.stderr  # -v took effect
    r = run("jobs", "list", f"--jobs={tmp_path / 'none'}", "--settings", str(config))
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"Không có công việc nào trong {tmp_path / 'none'}.\n"


def test_click_speaks_vietnamese(sqlite_url: str) -> None:
    r = run("khongco", db=sqlite_url)
    assert (r.returncode, r.stderr) == (2, "Lỗi: không có lệnh 'khongco'. Xem 'baocao --help'.\n")
    r = run("runs", "--limit", "abc", db=sqlite_url)
    assert (r.returncode, r.stderr) == (
        2,
        "Lỗi: giá trị không hợp lệ cho --limit: 'abc' không phải là số hợp lệ. "
        "Xem 'baocao runs --help'.\n",
    )
    r = run("jobs", "run", db=sqlite_url)
    assert (r.returncode, r.stderr) == (
        2,
        "Lỗi: thiếu đối số JOB_ID. Xem 'baocao jobs run --help'.\n",
    )
    r = run("runs", "--help", db=sqlite_url)
    assert r.stdout.startswith("Cách dùng: baocao runs [OPTIONS]")
    assert "Hiện trợ giúp này rồi thoát." in r.stdout


def test_a_db_that_is_neither_url_nor_path_is_refused(tmp_path: Path) -> None:
    r = run("units", "--db", "postgresql:/u@h/db", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr == (
        "Lỗi: Cấu hình --db: địa chỉ cơ sở dữ liệu không hợp lệ 'postgresql:/u@h/db'; dùng "
        "postgresql://người_dùng@máy:5432/tên_csdl, sqlite:////đường/dẫn/baocao.sqlite hoặc "
        "đường dẫn tệp SQLite (data/baocao.sqlite)\n"
    )
    assert list(tmp_path.iterdir()) == []  # no folder named after it, no SQLite file
    r = run("units", db="postgresql:/u@h/db", cwd=tmp_path)
    assert r.stderr.startswith("Lỗi: Cấu hình BAOCAO_DB: địa chỉ cơ sở dữ liệu không hợp lệ")
    r = run("units", "--db", str(tmp_path), cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.startswith(f"Lỗi: Cấu hình --db: {tmp_path} là một thư mục, không phải tệp")


def test_a_newer_schema_revision_is_exit_4(sqlite_url: str) -> None:
    engine = open_store(sqlite_url)
    with engine.begin() as conn:
        assert conn.execute(sa.text("SELECT value FROM store_meta")).scalar() == baocao_version()
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0099_tuong_lai'"))
        conn.execute(sa.text("UPDATE store_meta SET value = '0.4.0' WHERE key = 'schema_by'"))
    r = run("figures", "--from", "2020-09-21", "--to", "2020-09-28", db=sqlite_url)
    assert r.returncode == 4
    v = baocao_version()
    assert r.stderr == (
        f"Lỗi: {sqlite_url}: cơ sở dữ liệu do phiên bản mới hơn tạo (lược đồ 0099_tuong_lai, "
        f"baocao {v} chỉ biết đến {HEAD_REVISION}); cài baocao ≥ 0.4.0 hoặc dùng bản sao lưu\n"
    )
    r = run("db", "upgrade", db=sqlite_url)
    assert r.returncode == 4 and "cài baocao ≥ 0.4.0" in r.stderr
    with engine.begin() as conn:  # a store that does not say who upgraded it
        conn.execute(sa.text("DELETE FROM store_meta"))
    engine.dispose()
    r = run("units", db=sqlite_url)
    assert r.returncode == 4
    assert r.stderr.endswith(
        f"cài baocao ≥ bản đã tạo lược đồ 0099_tuong_lai (mới hơn {v}) hoặc dùng bản sao lưu\n"
    )


def test_db_upgrade_copies_a_sqlite_file_first(tmp_path: Path) -> None:
    path = tmp_path / "cu.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE ghi_chu (x TEXT)")
    conn.close()
    r = run("db", "upgrade", db=str(path))
    assert r.returncode == 0, r.stderr
    first, second = r.stdout.splitlines()
    assert first.startswith(f"Đã sao lưu tệp trước khi nâng cấp: {path}.")
    backup = Path(first.split(": ", 1)[1])
    assert backup.is_file() and backup.name.endswith(".bak")
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("ghi_chu",)]
    conn.close()
    assert second == f"Đã nâng cấp sqlite:///{path} từ lược đồ (trống) lên {HEAD_REVISION}."
    r = run("db", "upgrade", db=str(path))
    assert r.stdout == f"Cơ sở dữ liệu sqlite:///{path} đã ở lược đồ mới nhất ({HEAD_REVISION}).\n"


def test_a_missing_mail_template_is_found_before_any_file_is_written(
    tmp_path: Path, sqlite_url: str
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(PROJECT_ROOT / "templates", templates)
    (templates / "email.txt.j2").unlink()
    config = tmp_path / "baocao.toml"
    config.write_text(
        f'[paths]\ntemplates = "templates"\noutput = "out"\n[database]\nurl = "{sqlite_url}"\n',
        encoding="utf-8",
    )
    r = run("generate", "--from", "2020-09-21", "--to", "2020-09-28", "--email", "a@x.gov.vn",
            "--settings", str(config))  # fmt: skip
    assert r.returncode == 5
    assert r.stderr == (
        f"Lỗi: Mẫu báo cáo {templates / 'email.txt.j2'}: không tìm thấy mẫu thư; chép mẫu đi kèm "
        "vào thư mục này ('baocao init THƯ_MỤC' tạo bản sao) hoặc sửa paths.templates\n"
    )
    assert not (tmp_path / "out").exists()


def test_an_output_folder_that_cannot_be_made_is_a_clear_error(
    tmp_path: Path, sqlite_url: str
) -> None:
    blocker = tmp_path / "tep.txt"
    blocker.write_text("", encoding="utf-8")
    r = run("generate", "--from", "2020-09-21", "--to", "2020-09-28", "--out",
            str(blocker / "ra"), db=sqlite_url)  # fmt: skip
    assert r.returncode == 5, r.stderr
    # one message for a folder that cannot take the report, from the core (render/files.py)
    assert r.stderr.startswith(f"Lỗi: Không ghi được tệp {blocker / 'ra'}/BC-tuan-")
    assert r.stderr.endswith(
        "(đường dẫn không phải là thư mục). Chọn thư mục mà tài khoản này được ghi (--out, "
        "paths.output hoặc paths.data trong baocao.toml) và kiểm tra dung lượng đĩa.\n"
    )
