"""Files the web door keeps: uploads, their rejected rows, generated reports and previews.

Each is stored under a generated name in ``<data>/web-files`` (never a served folder) and
recorded in ``stored_files``; it is found again by its record id only, never by a path taken
from a request. An upload's type is checked by its content, not its name.
"""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
import shutil
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from reports.core import period_names, vi
from reports.core.errors import UploadError
from reports.core.files import sha256_file
from reports.settings.load import Settings
from reports.store.schema import stored_files

UPLOAD, REJECTED, REPORT, PREVIEW = "upload", "rejected", "report", "preview"


@dataclass(frozen=True)
class StoredFile:
    id: int
    kind: str
    name: str
    path: Path
    sha256: str
    size: int
    created_by: str
    created_at: datetime
    parent_id: int | None
    meta: dict[str, Any]


def files_dir(settings: Settings) -> Path:
    folder = settings.data_dir / "web-files"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _row(row: sa.Row[tuple[object, ...]]) -> StoredFile:
    m = row._mapping
    at = m["created_at"]
    return StoredFile(
        m["id"],
        m["kind"],
        m["name"],
        Path(m["path"]),
        m["sha256"],
        m["size"],
        m["created_by"],
        at.replace(tzinfo=UTC) if at.tzinfo is None else at,
        m["parent_id"],
        json.loads(m["meta"]) if m["meta"] else {},
    )


def _sniff(head: bytes, name: str) -> str:
    """``.csv``, ``.xlsx`` or ``.xls`` from the first bytes, whatever the file is called."""
    if head.startswith(b"PK\x03\x04"):
        return ".xlsx"  # confirmed as a workbook below, once the whole file is here
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return ".xls"  # Excel 97-2003 (OLE2); calamine reads it at import or refuses it there
    if b"\x00" in head:
        raise UploadError(
            f"{name}: không phải tệp CSV hay Excel (.xlsx); chỉ nhận tệp CSV hoặc .xlsx "
            "xuất từ các hệ thống"
        )
    return ".csv"


def store_upload(
    engine: Engine, settings: Settings, stream: IO[bytes], name: str, *, by: str
) -> StoredFile:
    """Save an uploaded file under a generated name, checking its size and type as it comes."""
    limit = int(settings.web.upload_max_mb * 1024 * 1024)
    folder = files_dir(settings)
    token = secrets.token_hex(16)
    tmp = folder / f"{token}.part"
    digest = hashlib.sha256()
    size = 0
    suffix = None
    try:
        with tmp.open("wb") as out:
            while chunk := stream.read(1 << 20):
                if suffix is None:
                    suffix = _sniff(chunk[:4096], name)
                size += len(chunk)
                if size > limit:
                    raise UploadError(
                        f"{name}: tệp lớn hơn giới hạn {vi.number(settings.web.upload_max_mb)} MB "
                        "(web.upload_max_mb); chia nhỏ tệp hoặc nhờ quản trị tăng giới hạn"
                    )
                digest.update(chunk)
                out.write(chunk)
        if suffix is None:
            raise UploadError(f"{name}: tệp rỗng; chọn lại tệp xuất từ hệ thống")
        if suffix == ".xlsx" and not _is_workbook(tmp):
            raise UploadError(
                f"{name}: tệp nén nhưng không phải bảng tính Excel (.xlsx); chỉ nhận CSV hoặc .xlsx"
            )
        path = folder / f"{token}{suffix}"
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return _insert(engine, UPLOAD, name, path, digest.hexdigest(), size, by, None, {})


def _is_workbook(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
    except zipfile.BadZipFile:
        return False
    return "[Content_Types].xml" in names and "xl/workbook.xml" in names


def keep_file(
    engine: Engine,
    settings: Settings,
    source: Path,
    kind: str,
    *,
    name: str | None = None,
    by: str,
    parent_id: int | None = None,
    meta: dict[str, Any] | None = None,
) -> StoredFile:
    """Move a file the core wrote into the kept files (generated name, same suffix)."""
    path = files_dir(settings) / f"{secrets.token_hex(16)}{source.suffix.lower()}"
    shutil.move(str(source), path)
    digest = sha256_file(path)
    return _insert(
        engine,
        kind,
        name or source.name,
        path,
        digest,
        path.stat().st_size,
        by,
        parent_id,
        meta or {},
    )


def _insert(
    engine: Engine,
    kind: str,
    name: str,
    path: Path,
    sha256: str,
    size: int,
    by: str,
    parent_id: int | None,
    meta: dict[str, Any],
) -> StoredFile:
    with engine.begin() as conn:
        new_id = conn.execute(
            sa.insert(stored_files)
            .values(
                kind=kind,
                name=name,
                path=str(path),
                sha256=sha256,
                size=size,
                created_by=by,
                created_at=datetime.now(UTC),
                parent_id=parent_id,
                meta=json.dumps(meta, ensure_ascii=False),
            )
            .returning(stored_files.c.id)
        ).scalar_one()
        row = conn.execute(sa.select(stored_files).where(stored_files.c.id == new_id)).one()
    return _row(row)


def update_meta(engine: Engine, file_id: int, meta: dict[str, Any]) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.update(stored_files)
            .where(stored_files.c.id == file_id)
            .values(meta=json.dumps(meta, ensure_ascii=False))
        )


def get_file(
    engine: Engine, file_id: int, kinds: tuple[str, ...] | None = None
) -> StoredFile | None:
    """The kept file of this id (of one of ``kinds``), or None when there is none on disk."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(stored_files).where(stored_files.c.id == file_id)).first()
    if row is None:
        return None
    found = _row(row)
    if kinds and found.kind not in kinds or not found.path.is_file():
        return None
    return found


def children(engine: Engine, parent_id: int) -> list[StoredFile]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(stored_files)
            .where(stored_files.c.parent_id == parent_id)
            .order_by(stored_files.c.id)
        )
        return [_row(r) for r in rows]


REPORT_MAIN = "report-main"
"""For :func:`recent`: the reports' main files (one per generation), not their other files."""


def recent(engine: Engine, kind: str, limit: int = 20) -> Iterator[StoredFile]:
    where = (
        sa.and_(stored_files.c.kind == REPORT, stored_files.c.parent_id.is_(None))
        if kind == REPORT_MAIN
        else stored_files.c.kind == kind
    )
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(stored_files).where(where).order_by(stored_files.c.id.desc()).limit(limit)
        ).all()
    return (_row(r) for r in rows)


def sha256_of(path: Path) -> str | None:
    """The SHA-256 of a file the ledger names, or None when it is no longer there (hashed once
    per version of the file: Lịch sử lists the same files on every view)."""
    try:
        st = path.stat()
    except OSError:
        return None
    if not path.is_file():
        return None
    return _sha256_cached(str(path), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=4096)
def _sha256_cached(path: str, mtime_ns: int, size: int) -> str:
    return sha256_file(Path(path))


def page_formats() -> tuple[str, ...]:
    """What a report written from the page holds: the PDF (and the preview made from it)
    where LibreOffice is installed."""
    from reports.render.pdf import soffice

    return ("docx", "xlsx", "pdf") if soffice() else ("docx", "xlsx")


def report_steps(formats: tuple[str, ...]) -> tuple[str, ...]:
    """The steps :func:`generate_kept` goes through, in order: ``figures``, each format, and
    ``preview`` after a PDF."""
    return ("figures", *formats, *(("preview",) if "pdf" in formats else ()))


def generate_kept(
    engine: Engine,
    settings: Settings,
    period: Any,
    *,
    unit: str | None,
    by: str,
    formats: tuple[str, ...] | None = None,
    on_step: Callable[[str], None] | None = None,
) -> StoredFile:
    """Generate the report (the pipeline the CLI uses), keep its files and a preview of each
    page; the .docx's record, whose children are the other files and the page images.
    ``on_step`` hears each of :func:`report_steps` as it begins."""
    import tempfile

    from reports.produce.pipeline import generate
    from reports.render.preview import page_images, page_texts

    formats = formats or page_formats()

    with tempfile.TemporaryDirectory(prefix="baocao-web-") as tmp:
        out = Path(tmp)
        report, paths = generate(
            engine, settings, period, unit=unit, formats=formats, out_dir=out, on_step=on_step
        )
        meta = {
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "unit": unit or "",
            "period": period_names.period_short(period),
        }
        main, *rest = paths
        parent = keep_file(engine, settings, main, REPORT, by=by, meta=meta)
        for path in rest:
            kept = keep_file(engine, settings, path, REPORT, by=by, parent_id=parent.id, meta=meta)
            if kept.path.suffix == ".pdf":
                if on_step:
                    on_step("preview")
                texts = page_texts(kept.path)
                for n, image in enumerate(page_images(kept.path, out / "pages"), start=1):
                    keep_file(
                        engine,
                        settings,
                        image,
                        PREVIEW,
                        name=f"trang-{n}.png",
                        by=by,
                        parent_id=parent.id,
                        meta={"page": n, "text": texts[n - 1] if n <= len(texts) else ""},
                    )
    del report
    return parent


def purge_older_than(
    engine: Engine, settings: Settings, days: int, now: datetime | None = None
) -> int:
    """Delete the kept files (uploads, rejected rows, reports, previews, batch zips) older than
    ``days`` days, rows and files; how many. Approved, numbered files are frozen elsewhere
    (``frozen_files``) and never purged."""
    from datetime import timedelta

    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    with engine.begin() as conn:
        old = conn.execute(
            sa.select(stored_files.c.id, stored_files.c.path).where(
                stored_files.c.created_at < cutoff
            )
        ).all()
        if old:
            conn.execute(sa.delete(stored_files).where(stored_files.c.id.in_([r.id for r in old])))
    folder = files_dir(settings).resolve()
    for row in old:
        path = Path(row.path)
        if path.resolve().is_relative_to(folder):  # never outside the kept files' folder
            path.unlink(missing_ok=True)
    return len(old)
