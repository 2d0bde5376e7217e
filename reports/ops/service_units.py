"""systemd unit files for an office folder: ``baocao init --systemd`` writes them beside it.

The same text is in ``docs/service.md`` (for ``/srv/baocao-vp``, ``/opt/baocao/bin/baocao``
and the user ``baocao``); a test keeps the two equal and runs ``systemd-analyze verify`` on
them. systemd takes no comment after a value, so every comment is a line of its own.
"""

from __future__ import annotations

from pathlib import Path

_HARDENING = """\
# Tệp tạo ra chỉ tài khoản dịch vụ đọc được (0600, thư mục 0700)
UMask=0077
NoNewPrivileges=yes
PrivateTmp=yes
PrivateDevices=yes
# Toàn bộ hệ thống chỉ đọc, trừ thư mục văn phòng
ProtectSystem=strict
ReadWritePaths={folder}
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
SystemCallArchitectures=native
CapabilityBoundingSet=
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
# Nhật ký vào journald: journalctl -u {unit}
StandardOutput=journal
StandardError=journal
"""

_UNIT = """\
[Unit]
Description={description}
After=network-online.target postgresql.service
Wants=network-online.target

[Service]
Type=simple
User={user}
Group={group}
WorkingDirectory={folder}
Environment=BAOCAO_SETTINGS={folder}/baocao.toml
# Mật khẩu (SMTP, PostgreSQL) chỉ đặt trong tệp này, quyền 0600
EnvironmentFile=-/etc/baocao/baocao.env
ExecStart={binary} {command}
Restart=on-failure
RestartSec=10
{stop}{hardening}
[Install]
WantedBy=multi-user.target
"""

_SCHEDULER_STOP = """\
# SIGTERM: lần chạy đang dở được làm xong rồi mới dừng
KillSignal=SIGTERM
TimeoutStopSec=600
"""

ENV_FILE = """\
# /etc/baocao/baocao.env: quyền 0600, chủ sở hữu root (systemd đọc trước khi đổi tài khoản)
# Mỗi dòng KHÓA=giá trị, không có dấu cách quanh dấu =
BAOCAO_SMTP_PASSWORD=
# Với PostgreSQL (nhiều máy dùng chung một cơ sở dữ liệu):
# BAOCAO_DB=postgresql://baocao:mat-khau@db.example.gov.vn:5432/baocao
"""


def unit_files(folder: Path, binary: Path, user: str, group: str | None = None) -> dict[str, str]:
    """The text of ``baocao-scheduler.service`` and ``baocao-web.service`` for ``folder``."""
    common = {"folder": str(folder), "binary": str(binary), "user": user, "group": group or user}
    return {
        "baocao-scheduler.service": _UNIT.format(
            description="baocao: báo cáo định kỳ theo lịch",
            command="scheduler",
            stop=_SCHEDULER_STOP,
            hardening=_HARDENING.format(unit="baocao-scheduler", **common),
            **common,
        ),
        "baocao-web.service": _UNIT.format(
            description="baocao: trang web (sau máy chủ proxy nginx)",
            command="web --host 127.0.0.1 --port 8080",
            stop="",
            hardening=_HARDENING.format(unit="baocao-web", **common),
            **common,
        ),
    }


def write_unit_files(folder: Path, binary: Path, user: str) -> list[Path]:
    """Write the unit files and an environment-file template under ``folder/systemd``."""
    import os

    out = folder / "systemd"
    out.mkdir(mode=0o700, exist_ok=True)
    written = []
    for name, text in unit_files(folder, binary, user).items():
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    env = out / "baocao.env"
    if not env.exists():
        fd = os.open(env, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(ENV_FILE)
        written.append(env)
    return written
