"""Settings are validated at start; a bad value names the setting and the value it got."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports.core.errors import ConfigError
from reports.settings.load import load_settings, settings_from_mapping


def _load(tmp_path: Path, text: str, environ: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    path = tmp_path / "baocao.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, environ=environ or {})


def test_defaults_and_district_office(tmp_path: Path) -> None:
    s = _load(
        tmp_path,
        '[office]\nparent = "UBND QUẬN BA ĐÌNH"\nname = "VĂN PHÒNG HĐND VÀ UBND"\n'
        'reference_prefix = "BC-VP"\n[paths]\noutput = "ra"\n',
    )
    assert s.office.parent == "UBND QUẬN BA ĐÌNH"
    assert s.office.name == "VĂN PHÒNG HĐND VÀ UBND"
    assert s.output_dir == (tmp_path / "ra").resolve()
    assert s.timezone == "Asia/Ho_Chi_Minh"
    assert s.database_url.startswith("sqlite:///")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[smtp]\nport = 0\n", "Cấu hình smtp.port ({f}): phải từ 1 đến 65535, nhận được 0"),
        (
            '[smtp]\ntls = "tls"\n',
            "Cấu hình smtp.tls ({f}): phải là một trong none, starttls, ssl, nhận được 'tls'",
        ),
        (
            '[smtp]\npassword = "x"\n',
            "Cấu hình smtp.password ({f}): không được ghi mật khẩu trong tệp cấu hình; đặt biến môi trường BAOCAO_SMTP_PASSWORD",
        ),
        (
            '[report]\nweek_convention = "sunday"\n',
            "Cấu hình report.week_convention ({f}): phải là một trong monday-to-monday, iso, nhận được 'sunday'",
        ),
        ("[office]\nplace = 5\n", "Cấu hình office.place ({f}): phải là chuỗi, nhận được 5"),
        (
            '[office]\nnmae = "x"\n',
            "Cấu hình office.nmae ({f}): không có thiết lập này; các thiết lập hợp lệ: name, organ_id, parent, place, reference_prefix, subject, unit_office",
        ),
        (
            'timezone = "Asia/Hanoi_Nope"\n',
            "Cấu hình timezone ({f}): không có múi giờ 'Asia/Hanoi_Nope'",
        ),
        (
            "[database]\nbusy_timeout_s = 0\n",
            "Cấu hình database.busy_timeout_s ({f}): phải là số giây dương, nhận được 0",
        ),
        (
            '[database]\nbusy_timeout = "30"\n',
            "Cấu hình database.busy_timeout ({f}): không có khóa này; dùng url hoặc busy_timeout_s",
        ),
        ("[report\n", None),
    ],
)
def test_bad_values_name_the_setting(tmp_path: Path, text: str, message: str | None) -> None:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, text)
    f = tmp_path / "baocao.toml"
    if message is None:
        assert str(info.value) == (
            f"Cấu hình tệp cấu hình ({f}): sai cú pháp TOML ở dòng 1, cột 8: thiếu dấu ] ở cuối "
            "tên bảng; sửa dòng đó (baocao help settings)"
        )
    else:
        assert str(info.value) == message.format(f=f)


def test_secrets_only_from_environment(tmp_path: Path) -> None:
    s = _load(tmp_path, "", {"BAOCAO_SMTP_PASSWORD": "bí mật", "BAOCAO_SMTP_PORT": "2525"})
    assert s.smtp.password == "bí mật"
    assert s.smtp.port == 2525
    assert "bí mật" not in repr(s)


def test_db_url_forms(tmp_path: Path) -> None:
    s = settings_from_mapping(
        {"database": {"url": "postgresql://u@h:5432/db"}}, tmp_path, environ={}
    )
    assert s.database_url == "postgresql+psycopg://u@h:5432/db"
    s = settings_from_mapping({"database": {"url": "sqlite:///rel/x.sqlite"}}, tmp_path, environ={})
    assert s.database_url == f"sqlite:///{(tmp_path / 'rel/x.sqlite').resolve()}"
    s = settings_from_mapping({}, tmp_path, environ={"BAOCAO_DB": "postgres://a@b/c"})
    assert s.database_url == "postgresql+psycopg://a@b/c"


def test_missing_settings_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="không tìm thấy tệp"):
        load_settings(tmp_path / "none.toml", environ={})


def test_the_sqlite_busy_timeout_is_a_setting(tmp_path: Path) -> None:
    import sqlalchemy as sa

    from reports.store.db import open_store

    assert _load(tmp_path, "").database_busy_timeout_s == 30.0
    s = _load(tmp_path, "[database]\nbusy_timeout_s = 1.5\n")
    assert s.database_busy_timeout_s == 1.5
    engine = open_store(s.database_url, busy_timeout_s=s.database_busy_timeout_s)
    with engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA busy_timeout")).scalar() == 1500
    engine.dispose()
