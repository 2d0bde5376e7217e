"""``baocao check`` on an office folder made by ``init``: all ✔, then each prerequisite missing
in turn, each ✘ with its fix and the others still ✔."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import sqlalchemy as sa

from reports.ops.office import init_office
from reports.render.pdf import soffice
from reports.store.db import open_store
from tests.conftest import need
from tests.smtp import SmtpServer, refused_port
from tests.test_cli import run

ALL = [
    "Cấu hình", "Cơ sở dữ liệu", "Mẫu Word", "Mẫu thư", "LibreOffice", "Phông chữ",
    "Máy chủ thư", "Công việc", "Bộ lập lịch", "Múi giờ",
]  # fmt: skip


def _office(tmp_path: Path, smtp_port: int) -> tuple[Path, dict[str, str]]:
    office = init_office(tmp_path / "vp", environ={"XDG_CONFIG_HOME": str(tmp_path / "cfg")})
    text = office.settings_file.read_text(encoding="utf-8")
    office.settings_file.write_text(
        text.replace("port = 25 ", f"port = {smtp_port} "), encoding="utf-8"
    )
    return office.folder, {"XDG_CONFIG_HOME": str(tmp_path / "cfg")}


def _results(out: str) -> dict[str, bool]:
    marks = {}
    for line in out.splitlines():
        if line[:2] in ("✔ ", "✘ "):
            marks[line[2:].split(":", 1)[0]] = line[0] == "✔"
    return marks


def test_all_prerequisites_met(tmp_path: Path, smtp_server: SmtpServer) -> None:
    need(soffice() is not None, "LibreOffice (soffice) not installed")
    folder, env = _office(tmp_path, smtp_server.port)
    r = run("check", env=env, cwd=folder)
    assert r.returncode == 0, r.stdout
    assert _results(r.stdout) == dict.fromkeys(ALL, True), r.stdout
    lines = r.stdout.splitlines()
    assert lines[0] == f"✔ Cấu hình: {folder / 'baocao.toml'}"
    assert lines[1] == (
        f"✔ Cơ sở dữ liệu: sqlite:///{folder / 'data' / 'baocao.sqlite'}: chưa có, "
        "sẽ được tạo khi dùng lần đầu"
    )
    assert f"✔ Máy chủ thư: 127.0.0.1:{smtp_server.port} (none): EHLO" in lines
    assert lines[-1] == "Mọi điều kiện đều đạt."
    assert not (folder / "data" / "baocao.sqlite").exists()  # check creates nothing
    assert smtp_server.handler.messages == []


def _bad_settings(folder: Path, env: dict[str, str]) -> None:
    (folder / "baocao.toml").write_text("[smtp]\nport = 0\n", encoding="utf-8")


def _no_database(folder: Path, env: dict[str, str]) -> None:
    env["BAOCAO_DB"] = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"


def _newer_schema(folder: Path, env: dict[str, str]) -> None:
    engine = open_store(f"sqlite:///{folder / 'data' / 'baocao.sqlite'}")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0099_tuong_lai'"))
    engine.dispose()


def _no_word_template(folder: Path, env: dict[str, str]) -> None:
    (folder / "templates" / "bao-cao-tuan.docx").unlink()


def _broken_mail_template(folder: Path, env: dict[str, str]) -> None:
    (folder / "templates" / "email.html.j2").write_text("{% if %}", encoding="utf-8")


def _no_libreoffice(folder: Path, env: dict[str, str]) -> None:
    bin_dir = folder.parent / "bin"
    bin_dir.mkdir()
    fc_list = shutil.which("fc-list")
    if fc_list:
        os.symlink(fc_list, bin_dir / "fc-list")
    env["PATH"] = str(bin_dir)


_HELD = ExitStack()


@pytest.fixture(autouse=True)
def _release_held_ports() -> Iterator[None]:
    yield
    _HELD.close()


def _no_smtp(folder: Path, env: dict[str, str]) -> None:
    env["BAOCAO_SMTP_PORT"] = str(_HELD.enter_context(refused_port()))


def _smtp_user_without_password(folder: Path, env: dict[str, str]) -> None:
    env["BAOCAO_SMTP_USER"] = "baocao"


def _bad_job(folder: Path, env: dict[str, str]) -> None:
    (folder / "jobs" / "hong.toml").write_text('schedule = "0 25 * * MON"\n', encoding="utf-8")


@pytest.mark.parametrize(
    ("breaks", "failed", "says"),
    [
        (_bad_settings, "Cấu hình", "phải từ 1 đến 65535, nhận được 0"),
        (_no_database, "Cơ sở dữ liệu", "Không kết nối được cơ sở dữ liệu"),
        (_newer_schema, "Cơ sở dữ liệu", "cơ sở dữ liệu do phiên bản mới hơn tạo"),
        (_no_word_template, "Mẫu Word", "không tìm thấy tệp mẫu"),
        (_broken_mail_template, "Mẫu thư", "email.html.j2: dòng 1:"),
        (_no_libreoffice, "LibreOffice", "không tìm thấy soffice trong PATH"),
        (_no_smtp, "Máy chủ thư", "ConnectionRefusedError"),
        (_smtp_user_without_password, "Máy chủ thư", "có smtp.user nhưng thiếu mật khẩu"),
        (_bad_job, "Công việc", "schedule: lịch cron không hợp lệ '0 25 * * MON'"),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else None,
)
def test_each_missing_prerequisite_is_named_with_its_fix(
    tmp_path: Path,
    smtp_server: SmtpServer,
    breaks: Callable[[Path, dict[str, str]], None],
    failed: str,
    says: str,
) -> None:
    need(soffice() is not None, "LibreOffice (soffice) not installed")
    folder, env = _office(tmp_path, smtp_server.port)
    breaks(folder, env)
    r = run("check", env=env, cwd=folder)
    assert r.returncode == 1, r.stdout + r.stderr
    marks = _results(r.stdout)
    expected = {failed: False} if failed == "Cấu hình" else {name: name != failed for name in ALL}
    assert marks == expected, r.stdout
    (line,) = [x for x in r.stdout.splitlines() if x.startswith(f"✘ {failed}: ")]
    assert says in line, line
    index = r.stdout.splitlines().index(line)
    assert r.stdout.splitlines()[index + 1].startswith("    cách sửa: ")
    assert r.stdout.splitlines()[-1] == "1 điều kiện chưa đạt."
