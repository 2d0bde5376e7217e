"""``baocao init``: the office's own folder, made from the files that ship with baocao.

The folder holds everything an office edits or keeps: ``baocao.toml`` (every key, commented,
with its default), ``templates/`` and ``jobs/`` (copies to edit), ``mappings/``, ``data/`` (the
SQLite database) and ``out/`` (the reports). Existing files are never overwritten, so running
it again only adds what is missing. The folder is recorded in the user's configuration folder,
so later commands find its settings from anywhere.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from reports.core.errors import ConfigError
from reports.settings.resources import bundled, record_office

COPIED = {
    "templates": ("bao-cao-*.docx", "email.txt.j2", "email.html.j2", "README.md"),
    "jobs": ("*.toml", "README.md"),
    "mappings": ("*.toml",),
    "docs": ("*.md",),
}
EMPTY = ("data", "out")


@dataclass
class OfficeFolder:
    folder: Path
    settings_file: Path
    created: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    marker: Path | None = None


def _copy(src: Path, dest: Path, result: OfficeFolder) -> None:
    if dest.exists():
        result.kept.append(dest)
        return
    shutil.copyfile(src, dest)
    result.created.append(dest)


def init_office(
    folder: Path, environ: Mapping[str, str] | None = None, *, systemd: bool = False
) -> OfficeFolder:
    """Make (or complete) the office folder ``folder``; nothing existing is overwritten."""
    folder = folder.expanduser().resolve()
    result = OfficeFolder(folder, folder / "baocao.toml")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _copy(bundled("baocao.toml"), result.settings_file, result)
        for name, patterns in COPIED.items():
            dest = folder / name
            dest.mkdir(exist_ok=True)
            for pattern in patterns:
                for src in sorted(bundled(name).glob(pattern)):
                    _copy(src, dest / src.name, result)
        for name in EMPTY:  # the database and the reports: this account only
            (folder / name).mkdir(mode=0o700, exist_ok=True)
        if systemd:
            import getpass
            import sys

            from reports.ops.service_units import write_unit_files

            binary = Path(sys.argv[0]).resolve() if sys.argv[0].endswith("baocao") else None
            binary = binary or Path(sys.executable).parent / "baocao"
            result.created += write_unit_files(folder, binary, getpass.getuser())
    except OSError as exc:
        where = exc.filename or folder
        raise ConfigError(
            "baocao init",
            f"không tạo được {where}: {exc.strerror}; chọn thư mục mà tài khoản này được ghi",
        ) from exc
    try:
        result.marker = record_office(result.settings_file, environ)
    except OSError:
        result.marker = None  # the folder works without it: cd into it, or BAOCAO_SETTINGS
    return result


def next_steps(office: OfficeFolder) -> list[str]:
    """What to do next, as ``baocao init`` prints it (Vietnamese, for IT staff)."""
    f = office.folder
    lines = [f"Đã tạo thư mục văn phòng {f}:"]
    lines += [f"  + {p.relative_to(f)}" for p in office.created]
    if office.kept:
        lines.append(f"  (giữ nguyên {len(office.kept)} tệp đã có)")
    if office.marker is not None:
        lines.append(f"Đã ghi nhớ thư mục này trong {office.marker}.")
    lines += [
        "Việc tiếp theo:",
        f"  1. Sửa {office.settings_file}: tên cơ quan, người ký, [smtp], [database].",
        "     Mật khẩu SMTP chỉ đặt trong biến môi trường BAOCAO_SMTP_PASSWORD.",
        f"  2. cd {f} && baocao check      # kiểm tra từng điều kiện, nói cách sửa",
        "  3. baocao import exports/*.csv  # định dạng tệp: baocao help import (docs/data.md)",
        "  4. baocao generate --from 2020-09-21 --to 2020-09-28",
        "  5. Sửa jobs/*.toml (lịch, người nhận) rồi chạy 'baocao scheduler' như một dịch vụ",
        "     (tệp mẫu systemd: baocao help service).",
    ]
    units = [p for p in office.created if p.parent.name == "systemd" and p.suffix == ".service"]
    if units:
        lines += [
            "Tệp dịch vụ systemd (chạy bằng root):",
            *(f"  install -m 0644 {p} /etc/systemd/system/" for p in units),
            "  install -d -m 0700 /etc/baocao",
            f"  install -m 0600 {f}/systemd/baocao.env /etc/baocao/",
            "  systemctl daemon-reload && systemctl enable --now baocao-scheduler baocao-web",
        ]
    return lines
