"""The project documents itself: every key baocao reads is in baocao.toml with its real default,
and log lines carry the office's time."""

from __future__ import annotations

import dataclasses
import logging
import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reports.settings.load import (
    LogSettings,
    Office,
    ReportSettings,
    SchedulerSettings,
    Signer,
    SmtpSettings,
    settings_from_mapping,
)
from reports.settings.resources import bundled

SECTIONS = {
    "office": Office,
    "signer": Signer,
    "report": ReportSettings,
    "smtp": SmtpSettings,
    "scheduler": SchedulerSettings,
    "log": LogSettings,
}


def _lines_by_key(text: str) -> dict[tuple[str, str], str]:
    """(section, key) → its line, for set keys and for commented-out ones (``# key = …``)."""
    found: dict[tuple[str, str], str] = {}
    section = ""
    for line in text.splitlines():
        if m := re.match(r"^\[(\w+)\]", line):
            section = m.group(1)
        elif m := re.match(r"^#? ?(\w+) = ", line):
            found.setdefault((section, m.group(1)), line)
    return found


def test_every_setting_is_in_baocao_toml_with_its_real_default() -> None:
    text = bundled("baocao.toml").read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    lines = _lines_by_key(text)
    for section, cls in SECTIONS.items():
        for f in dataclasses.fields(cls):
            if f.name == "password":
                continue  # only from the environment
            line = lines.get((section, f.name))
            assert line is not None, f"{section}.{f.name} is not documented in baocao.toml"
            default = f.default if f.default is not dataclasses.MISSING else None
            value = raw.get(section, {}).get(f.name)
            if isinstance(value, list):
                value = tuple(value)
            if value != default:
                assert "mặc định:" in line or "mặc định:" in text.split(line, 1)[1][:200], (
                    f"{section}.{f.name} = {value!r} but its default is {default!r}: say so"
                )
    for key in ("templates", "data", "jobs", "output"):
        assert ("paths", key) in lines
    assert ("database", "url") in lines
    assert ("pdf", "timeout_s") in lines
    assert raw["timezone"] == "Asia/Ho_Chi_Minh"
    assert "unit_office" in raw["office"] and "timeout_s" in raw["smtp"]


def test_log_lines_carry_the_office_s_time(tmp_path: Path) -> None:
    from reports.ops.logs import _FILE_HANDLER, configure

    settings = settings_from_mapping({"log": {"file": "logs/baocao.log"}}, tmp_path, environ={})
    assert settings.log.file == str(tmp_path / "logs" / "baocao.log")
    try:
        configure(settings)
        record = logging.LogRecord(
            "reports.x", logging.INFO, __file__, 1, "đã gửi %s", ("a",), None
        )
        record.created = datetime(2020, 9, 28, 1, 0, 5, tzinfo=UTC).timestamp()
        logging.getLogger("reports.x").handle(record)
        _FILE_HANDLER[0].flush()
        assert (tmp_path / "logs" / "baocao.log").read_text(encoding="utf-8") == (
            "2020-09-28 08:00:05+0700 INFO reports.x: đã gửi a\n"
        )
    finally:
        for handler in _FILE_HANDLER:
            logging.getLogger().removeHandler(handler)
            handler.close()
        _FILE_HANDLER.clear()


def test_bad_log_settings_name_the_setting(tmp_path: Path) -> None:
    from reports.core.errors import ConfigError

    with pytest.raises(ConfigError, match="backups ít nhất 1"):
        settings_from_mapping({"log": {"backups": 0}}, tmp_path, environ={})
