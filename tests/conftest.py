"""Shared fixtures: real SQLite files, the real PostgreSQL, settings pointing into tmp_path."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from hypothesis import settings as hypothesis_settings
from sqlalchemy.engine import Engine

from reports.core.model import Report
from reports.settings.load import PROJECT_ROOT, Settings, settings_from_mapping
from reports.store.db import open_store

if TYPE_CHECKING:
    from tests.smtp import SmtpServer

IN_CI = os.environ.get("CI", "").lower() == "true"

# Property tests: the same examples on every run (a failure is reproduced by running it again),
# no example database written into the checkout, no deadline on a shared machine. The
# "thorough" profile tries many more, with new examples each run:
#   HYPOTHESIS_PROFILE=thorough .venv/bin/pytest tests/test_properties.py
hypothesis_settings.register_profile(
    "ci", max_examples=60, deadline=None, derandomize=True, database=None, print_blob=True
)
hypothesis_settings.register_profile("thorough", max_examples=2000, deadline=None, database=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# `baocao init` records the office folder in the user's configuration folder and later commands
# read it: every test (and every command a test starts) gets an empty one of its own.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="baocao-test-config-")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto`` (make test): one worker more than the cores. Much of a test's time is spent
    waiting on LibreOffice, Chromium, a scheduler's minute or a child process; a third worker
    on two cores fills that time (the whole suite here: 308 s with 2 workers, 244 s with 3)."""
    return (os.cpu_count() or 1) + 1


PG_URL = os.environ.get("BAOCAO_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def need(condition: bool, reason: str) -> None:
    """Skip with ``reason`` where a server or tool is absent; under CI=true that is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required under CI=true: {reason}")
    pytest.skip(reason)


def _pg_available() -> str | None:
    url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        return f"PostgreSQL not reachable at {PG_URL}: {exc.__class__.__name__}"
    return None


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    problem = _pg_available()
    need(problem is None, problem or "")
    return PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture
def pg_url(pg_server_url: str) -> Iterator[str]:
    """A fresh, empty schema on the real PostgreSQL, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(pg_server_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in pg_server_url else "?"
    yield f"{pg_server_url}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'baocao.sqlite'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test using it runs on a real SQLite file and on the real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'baocao.sqlite'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = open_store(db_url)
    yield eng
    eng.dispose()


ImportStep = tuple[Sequence[Path], "date | None"]
"""Files imported together, and the ``as_of`` date of that import (None: none given)."""

_TEMPLATES: dict[tuple[object, ...], Path] = {}
_TEMPLATE_DIR = Path(tempfile.mkdtemp(prefix="baocao-test-stores-"))
atexit.register(shutil.rmtree, _TEMPLATE_DIR, True)


def imported_store(
    url: str, steps: Sequence[ImportStep], *, busy_timeout_s: float = 30.0
) -> Engine:
    """A store at ``url`` holding what ``steps`` import, in order.

    A SQLite file is a copy of a template imported once per test run for the same files (the
    sample city takes about a second to import; a copy takes milliseconds); PostgreSQL imports.
    """
    from reports.sources.importer import import_files

    def run(engine: Engine) -> None:
        for files, as_of in steps:
            import_files(engine, list(files), as_of=as_of)

    if not url.startswith("sqlite:///"):
        engine = open_store(url, busy_timeout_s=busy_timeout_s)
        run(engine)
        return engine
    key = tuple(
        (tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files), as_of)
        for files, as_of in steps
    )
    template = _TEMPLATES.get(key)
    if template is None:
        template = _TEMPLATE_DIR / f"{len(_TEMPLATES)}.sqlite"
        engine = open_store(f"sqlite:///{template}")
        run(engine)
        engine.dispose()  # the last connection out checkpoints the WAL: one file to copy
        _TEMPLATES[key] = template
    target = Path(url.removeprefix("sqlite:///"))
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)
    return open_store(url, busy_timeout_s=busy_timeout_s)


@pytest.fixture(autouse=True)
def _cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id at its lowest cost in tests: the defaults take about half a second per hash or
    login, and the web tests make and check hundreds. The real parameters, and the rehash at
    login when they change, are tested by test_rehash_on_login_when_parameters_change."""
    from argon2 import PasswordHasher

    import reports.accounts.users as accounts

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(accounts, "_hasher", cheap)


@pytest.fixture
def settings(tmp_path: Path, sqlite_url: str) -> Settings:
    """Default office settings, with the database and output under tmp_path."""
    return settings_from_mapping(
        {
            "database": {"url": sqlite_url},
            "paths": {
                "templates": str(PROJECT_ROOT / "templates"),
                "jobs": str(tmp_path / "jobs"),
                "output": str(tmp_path / "out"),
                "data": str(tmp_path / "data"),
            },
            "signer": {"name": "Nguyễn Văn A"},
            "report": {"number": "123"},
        },
        base_dir=tmp_path,
        environ={},
    )


REFERENCE_FIGURES = dict(
    documents_received=1406,
    dossiers_received=61,
    dossiers_completed=49,
    dossiers_on_time=45,
    dossiers_late=4,
    dossiers_overdue_open=3,
    dossiers_online=20,
    receptions=106,
    reception_persons=183,
    petitions_received=215,
    petitions_resolved=212,
    directives_approved=800,
    directives_by_field={"kinh_te": 300, "do_thi": 250, "van_hoa_xa_hoi": 150, "noi_chinh": 100},
    documents_by_field={"kinh_te": 500, "do_thi": 400},
    dossiers_by_field={"do_thi": 30},
)


def make_report(settings: Settings, end: date | None = None, **overrides: object) -> Report:
    """A composed report with the reference week's figures, built without a database."""
    from reports.compose.assemble import compose_report
    from reports.core.model import Directive, Figures, FigureSet, Highlight
    from reports.core.periods import ReportPeriod

    period = (
        ReportPeriod(end - timedelta(days=7), end)
        if end
        else ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))
    )
    current = Figures(**REFERENCE_FIGURES)  # type: ignore[arg-type]
    previous = Figures(documents_received=1300, dossiers_received=50, dossiers_completed=40)
    trend = tuple(
        (p, Figures(documents_received=1300 + 10 * i, dossiers_received=50 + i))
        for i, p in enumerate(period.trend(12)[:-1])
    ) + ((period, current),)
    figures = FigureSet(period, None, current, previous, Figures(), current, trend)
    directives = [
        Directive("d1", period.start, "kinh_te", "chỉ đạo tổ chức sự kiện OCOP.", None, True),
        Directive("d2", period.start, "kinh_te", "Ban hành quyết định về tài sản.", None, True),
        Directive("d3", period.start, "noi_chinh", "tổ chức khảo sát sự hài lòng.", None, True),
        Directive("d4", period.start, "do_thi", "không nêu.", None, False),
    ]
    highlights = [
        Highlight(
            "h2", period.start, "Tập trung giải ngân vốn", ("Đoạn một.", "Đoạn hai."), None, 2
        ),
        Highlight(
            "h1", period.start, "GRDP ước tăng 7,39%", ("Nội dung <quan trọng> & rõ.",), None, 1
        ),
    ]
    kwargs: dict[str, object] = {"issued_on": period.end, **overrides}
    return compose_report(settings, figures, directives, highlights, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd), on a free port."""
    from tests.smtp import SmtpServer

    with SmtpServer() as server:
        yield server


def mail_settings(settings: Settings, server: SmtpServer, **smtp: object) -> Settings:
    from dataclasses import replace

    return replace(
        settings,
        smtp=replace(
            settings.smtp,
            host="127.0.0.1",
            port=server.port,
            mail_from="baocao@vp.hanoi.gov.vn",
            owner="it@vp.hanoi.gov.vn",
            retry_backoff_s=0.01,
            **smtp,  # type: ignore[arg-type]
        ),
    )


@pytest.fixture(params=["same process", "reading process"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test with the files read and checked in this process, and again in the second
    process large imports use (forced here whatever the size)."""
    if request.param == "reading process":
        import reports.sources.plan as plan

        monkeypatch.setattr(plan, "WORKER_BYTES", -1)
    return str(request.param)


def edited_template(
    target: Path, edit: Callable[[str], str], name: str = "bao-cao-tuan.docx", part: str = ""
) -> Path:
    """A copy, at ``target``, of the shipped template ``name`` with one part's text (the body,
    ``word/document.xml``, unless ``part`` says) passed through ``edit``."""
    part = part or "word/document.xml"
    with (
        zipfile.ZipFile(PROJECT_ROOT / "templates" / name) as zin,
        zipfile.ZipFile(target, "w") as zout,
    ):
        for item in zin.infolist():
            data = zin.read(item)
            zout.writestr(item, edit(data.decode()).encode() if item.filename == part else data)
    return target
