"""Deployed as an office's IT staff would: the built wheel in a fresh venv whose site-packages is
read-only, run from an office folder made by ``baocao init`` (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import date
from importlib.metadata import Distribution, distribution
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from reports.sample.city import write_sample
from reports.settings.load import PROJECT_ROOT
from tests.conftest import need
from tests.smtp import SmtpServer

ORDER = ["units", "documents", "dossiers", "receptions", "petitions", "directives", "highlights"]
SHIPPED = {
    "reports/_bundled/baocao.toml",
    "reports/_bundled/templates/bao-cao-tuan.docx",
    "reports/_bundled/templates/bao-cao-thang.docx",
    "reports/_bundled/templates/bao-cao-quy.docx",
    "reports/_bundled/templates/bao-cao-6thang.docx",
    "reports/_bundled/templates/bao-cao-nam.docx",
    "reports/_bundled/templates/email.txt.j2",
    "reports/_bundled/templates/email.html.j2",
    "reports/_bundled/jobs/bao-cao-tuan.toml",
    "reports/_bundled/mappings/motcua.toml",
    "reports/_bundled/docs/data.md",
    "reports/_bundled/docs/service.md",
    "reports/sample/data/reference_week.json",
    "reports/store/migrations/versions/0001_records.py",
}


def _copy_source(dest: Path) -> Path:
    """The repository's files a build reads, copied so the build writes nothing in it."""
    skip = shutil.ignore_patterns(
        ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", "out", "*.sqlite*", "bench"
    )
    shutil.copytree(PROJECT_ROOT, dest, ignore=skip)
    shutil.rmtree(dest / "data" / "sample", ignore_errors=True)
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    source = _copy_source(work / "src")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(work)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = work.glob("baocao-*.whl")
    return built


def test_the_wheel_carries_the_office_files(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert names >= SHIPPED, sorted(SHIPPED - names)
    assert not any(n.startswith(("templates/", "jobs/", "data/", "out/")) for n in names)


@pytest.fixture(scope="module")
def venv(wheel: Path) -> Iterator[Path]:
    """A venv with the wheel installed, its dependencies taken from the test venv (offline)."""
    top = Path(tempfile.mkdtemp(prefix="baocao-ro-"))
    os.chmod(top, 0o777)  # the commands run as an unprivileged user when the tests are root
    env = top / "venv"
    # --copies: the venv's own interpreter, which the unprivileged user can execute (the test
    # venv's may link into a folder only root may enter, as pyenv's under /root does; the
    # template and batch children are started from it)
    subprocess.run(
        [sys.executable, "-m", "venv", "--copies", "--without-pip", str(env)], check=True
    )
    site = Path(
        subprocess.run(
            [str(env / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()
    )  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(env / "bin" / "python"), "install",
         "--no-deps", "--no-index", "-q", str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    _copy_runtime_dependencies(site)
    subprocess.run(["chmod", "-R", "a+rX,a-w", str(env)], check=True)
    # the unprivileged user must be able to start this interpreter and import the package
    r = subprocess.run(
        [*_as_user(), str(env / "bin" / "python"), "-c", "import reports.program"],
        capture_output=True, text=True, cwd=top,
    )  # fmt: skip
    need(r.returncode == 0, f"an interpreter the unprivileged user can run: {r.stderr[-300:]}")
    yield env
    subprocess.run(["chmod", "-R", "u+w", str(env)], check=True)
    shutil.rmtree(top, ignore_errors=True)


def _runtime_distributions() -> list[Distribution]:
    """baocao's runtime dependencies, recursively, as installed in the test venv (no extras of
    baocao itself; the extras a requirement names, such as psycopg[binary], are followed)."""
    seen: dict[str, Distribution] = {}
    done: set[tuple[str, frozenset[str]]] = set()
    todo: list[tuple[str, frozenset[str]]] = [("baocao", frozenset())]
    while todo:
        name, extras = todo.pop()
        key = canonicalize_name(name)
        if (key, extras) in done:
            continue
        done.add((key, extras))
        dist = distribution(name)
        if key != "baocao":
            seen[key] = dist
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is None or any(
                req.marker.evaluate({"extra": extra}) for extra in (extras or {""})
            ):
                todo.append((req.name, frozenset(req.extras)))
    return list(seen.values())


def _copy_runtime_dependencies(site: Path) -> None:
    """Copy the installed files of baocao's dependencies into ``site`` (offline, and readable by
    any user wherever the clone is: no ``.pth`` file pointing back into the test venv)."""
    for dist in _runtime_distributions():
        for file in dist.files or []:
            if ".." in file.parts or file.suffix == ".pyc":
                continue  # console scripts outside site-packages; caches rebuild themselves
            source = Path(str(dist.locate_file(file)))
            if source.is_file():
                target = site / file
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if not p.is_dir()
    }


def _as_user() -> list[str]:
    """Run as 'nobody' when the tests are root (root writes through read-only permissions)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    need(setpriv is not None, "setpriv (util-linux) to run the installed command unprivileged")
    return [str(setpriv), "--reuid=65534", "--regid=65534", "--clear-groups"]


class Office:
    def __init__(self, venv: Path, home: Path, env: dict[str, str]) -> None:
        self.venv, self.home, self.env = venv, home, env

    def run(self, *args: str, cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*_as_user(), str(self.venv / "bin" / "baocao"), *args],
            cwd=cwd, env=self.env, capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip

    def popen(self, *args: str, cwd: Path) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [*_as_user(), str(self.venv / "bin" / "baocao"), *args],
            cwd=cwd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip


@pytest.fixture(params=["sqlite", "postgresql"])
def office(request: pytest.FixtureRequest, venv: Path, smtp_server: SmtpServer) -> Iterator[Office]:
    home = Path(tempfile.mkdtemp(prefix="baocao-home-", dir=venv.parent))
    os.chmod(home, 0o777)
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "LANG": "C.UTF-8",
        "BAOCAO_SMTP_HOST": "127.0.0.1",
        "BAOCAO_SMTP_PORT": str(smtp_server.port),
        "BAOCAO_MAIL_FROM": "baocao@vp.hanoi.gov.vn",
        "BAOCAO_OWNER": "it@vp.hanoi.gov.vn",
    }
    if request.param == "postgresql":
        env["BAOCAO_DB"] = request.getfixturevalue("pg_url")
    yield Office(venv, home, env)
    shutil.rmtree(home, ignore_errors=True)


def test_installed_read_only_from_an_office_folder(
    office: Office, venv: Path, smtp_server: SmtpServer
) -> None:
    before = _tree(venv)
    folder = office.home / "baocao-vp"
    # nothing set up yet: a clear error, and nothing written anywhere
    r = office.run("units", cwd=office.home)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == (
        "Lỗi: Cấu hình tệp cấu hình: không tìm thấy baocao.toml (đã tìm --settings, "
        "BAOCAO_SETTINGS, thư mục hiện tại và thư mục do 'baocao init' tạo); tạo thư mục văn "
        "phòng bằng 'baocao init THƯ_MỤC' rồi chạy lệnh trong thư mục đó, hoặc chỉ rõ "
        "--settings TỆP\n"
    )
    # the documentation ships in the wheel
    r = office.run("help", "import", cwd=office.home)
    assert r.returncode == 0 and "## 1. Định dạng nhập chuẩn" in r.stdout
    r = office.run("help", "settings", cwd=office.home)
    assert r.returncode == 0 and "unit_office = " in r.stdout and "timeout_s = 30.0" in r.stdout
    r = office.run("init", str(folder), cwd=office.home)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"Đã tạo thư mục văn phòng {folder}:\n")
    assert "Việc tiếp theo:" in r.stdout
    for name in ("baocao.toml", "templates/bao-cao-tuan.docx", "templates/email.txt.j2",
                 "jobs/bao-cao-tuan.toml", "mappings/motcua.toml"):  # fmt: skip
        assert (folder / name).is_file(), name
    assert (folder / "data").is_dir() and (folder / "out").is_dir()

    sample = write_sample(office.home / "exports", start=date(2020, 9, 1), end=date(2020, 10, 4))
    for path in (office.home / "exports").iterdir():
        path.chmod(0o644)
    (office.home / "exports").chmod(0o755)
    r = office.run("import", *(str(sample[k]) for k in ORDER), cwd=folder)
    assert r.returncode == 0, r.stderr
    assert "documents.csv (documents): thêm" in r.stdout

    r = office.run("generate", "--from", "2020-09-21", "--to", "2020-09-28", cwd=folder)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        str(folder / "out" / "BC-tuan-2020-09-21_2020-09-28.docx"),
        str(folder / "out" / "BC-tuan-2020-09-21_2020-09-28.xlsx"),
    ]
    # the recorded office folder is found from anywhere
    r = office.run(
        "figures", "--from", "2020-09-21", "--to", "2020-09-28", "--json", cwd=office.home
    )
    assert r.returncode == 0, r.stderr
    assert '"documents_received": 1406' in r.stdout

    r = office.run("jobs", "run", "bao-cao-tuan", "--from", "2020-09-21", "--to", "2020-09-28",
                   cwd=folder)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert (
        r.stdout.splitlines()[-1]
        == "Công việc bao-cao-tuan kỳ 21/9-28/9/2020: đã gửi 1 người nhận."
    )
    assert len(smtp_server.handler.to("lanhdao@example.gov.vn")) == 1
    assert (folder / "out" / "bao-cao-tuan" / "2020-09-21_2020-09-28").is_dir()

    # a scheduler start after a hand-run for 2020 catches nothing up and mails nobody
    proc = office.popen("scheduler", "-v", cwd=folder)
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if "Bộ lập lịch đã chạy với 1 công việc" in line:
                break
        else:
            raise AssertionError("the scheduler never started")
        proc.send_signal(signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            raise AssertionError(f"SIGTERM did not stop the scheduler:\n{err}") from None
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Đã dừng bộ lập lịch." in out
    assert len(smtp_server.handler.messages) == 1
    if "BAOCAO_DB" not in office.env:
        assert (folder / "data" / "baocao.sqlite").is_file()
    assert _tree(venv) == before
