"""docs/service.md as IT reads it: its unit files are the ones ``baocao init --systemd`` writes,
they pass ``systemd-analyze verify``, and its install steps run word for word (a system user
with a home, init, check, import, generate), as that user, from the built wheel."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from reports.ops.service_units import unit_files
from reports.sample.city import write_sample
from reports.settings.load import PROJECT_ROOT
from tests.conftest import need
from tests.smtp import SmtpServer
from tests.test_install import venv, wheel  # noqa: F401 - the built wheel, installed

DOC = (PROJECT_ROOT / "docs" / "service.md").read_text(encoding="utf-8")


def _block_after(marker: str, lang: str) -> str:
    at = DOC.index(marker)
    match = re.compile(rf"```{lang}\n(.*?)```", re.S).search(DOC, at)
    assert match is not None, marker
    return match.group(1)


@pytest.mark.parametrize("name", ["baocao-scheduler.service", "baocao-web.service"])
def test_the_documented_units_are_what_init_writes(name: str) -> None:
    written = unit_files(Path("/srv/baocao-vp"), Path("/opt/baocao/bin/baocao"), "baocao")
    assert _block_after(f"`/etc/systemd/system/{name}`:", "ini") == written[name]


def test_the_unit_files_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    need(analyze is not None, "systemd-analyze (apt-get install systemd)")
    # verify needs ExecStart's binary to exist: this venv's baocao
    binary = Path(sys.executable).parent / "baocao"
    assert binary.exists()
    for name, text in unit_files(tmp_path, binary, "baocao").items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        r = subprocess.run(
            [str(analyze), "verify", "--man=no", str(path)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        # verify exits 0 on a misspelt key or a bad value: any output is a failure
        assert (r.returncode, r.stdout + r.stderr) == (0, ""), name


@pytest.fixture
def system_user() -> Iterator[str]:
    need(os.geteuid() == 0, "root, to add the system user the documentation adds")
    need(shutil.which("useradd") is not None and shutil.which("runuser") is not None, "useradd")
    name = f"bct{os.getpid() % 100000}"
    yield name
    subprocess.run(["userdel", name], capture_output=True)
    subprocess.run(["groupdel", name], capture_output=True)


def test_the_install_steps_run_as_written(
    venv: Path,  # noqa: F811
    system_user: str,
    smtp_server: SmtpServer,
) -> None:
    script = _block_after("<!-- kiểm thử:", "sh")
    top = Path(tempfile.mkdtemp(prefix="baocao-srv-"))
    os.chmod(top, 0o755)
    try:
        home = top / "srv" / "baocao-vp"
        home.parent.mkdir(mode=0o755)
        work = top / "root"
        write_sample(work / "exports", start=date(2020, 9, 1), end=date(2020, 10, 4))
        script = (
            script.replace("/opt/baocao/bin/baocao", str(venv / "bin" / "baocao"))
            .replace("/srv/baocao-vp", str(home))
            .replace("nologin baocao\n", f"nologin {system_user}\n")
            .replace("runuser -u baocao ", f"runuser -u {system_user} ")
            .replace("-o baocao -g baocao", f"-o {system_user} -g {system_user}")
            .replace("baocao:baocao", f"{system_user}:{system_user}")
        )
        assert "u baocao" not in script and "baocao:" not in script and " baocao\n" not in script
        env = {
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "LANG": "C.UTF-8",
            "BAOCAO_SMTP_HOST": "127.0.0.1",
            "BAOCAO_SMTP_PORT": str(smtp_server.port),
            "BAOCAO_MAIL_FROM": "baocao@vp.hanoi.gov.vn",
            "BAOCAO_OWNER": "it@vp.hanoi.gov.vn",
        }
        r = subprocess.run(
            ["bash", "-euxo", "pipefail", "-c", script],
            cwd=work, env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert r.returncode == 0, r.stdout + r.stderr
        assert "✘" not in r.stdout, r.stdout
        assert f"{home}/out/BC-tuan-2020-09-21_2020-09-28.docx" in r.stdout
        owner = home.stat().st_uid
        assert owner != 0
        database = home / "data" / "baocao.sqlite"
        assert database.stat().st_uid == owner
        assert database.stat().st_mode & 0o777 == 0o600
        assert (home / "data").stat().st_mode & 0o777 == 0o700
        assert (home / "out").stat().st_mode & 0o777 == 0o700
        assert (home / "systemd" / "baocao-web.service").is_file()
        assert (home / "systemd" / "baocao.env").stat().st_mode & 0o777 == 0o600
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_the_web_secret_key_is_created_mode_0600(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from reports.settings.load import load_settings
    from reports.web.security import secret_key

    settings = load_settings(PROJECT_ROOT / "baocao.toml", environ={})
    settings = replace(settings, data_dir=tmp_path / "data")
    monkeypatch.delenv("BAOCAO_SECRET_KEY", raising=False)
    secret_key(settings)
    (key,) = (tmp_path / "data").glob("*.key")
    assert key.stat().st_mode & 0o777 == 0o600
