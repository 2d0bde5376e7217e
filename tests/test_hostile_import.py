"""Hostile and careless import files (#13): locking, limits, encodings, unit trees."""

from __future__ import annotations

import csv
import multiprocessing
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from reports.core.errors import FileFormatError, InvalidRowsError, StoreError
from reports.sources.importer import import_files
from reports.sources.limits import IMPORT_LOCK
from reports.store.db import open_store
from tests.test_import import cp1258_bytes


def _write(path: Path, rows: list[list[object]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _documents(tmp_path: Path, n: int) -> Path:
    return _write(
        tmp_path / "documents.csv",
        [["id", "received_on", "unit"]]
        + [[f"d{i}", f"2020-09-{21 + i % 7:02d}", f"U{i % 5}"] for i in range(n)],
    )


def _counted(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.text("SELECT COALESCE(SUM(documents), 0) FROM day_counts WHERE unit = ''")
            ).scalar_one()
        )


def _import_in_child(url: str, path: str, barrier: object) -> None:
    engine = open_store(url, migrate=False)
    barrier.wait()  # type: ignore[attr-defined]
    import_files(engine, [Path(path)])


def test_two_imports_of_the_same_file_at_once_count_it_once(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    path = _documents(tmp_path, 30_000)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    children = [
        ctx.Process(target=_import_in_child, args=(db_url, str(path), barrier)) for _ in range(2)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(120)
        assert child.exitcode == 0
    assert _counted(engine) == 30_000
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT COUNT(*) FROM documents")).scalar_one()
        added = conn.execute(sa.text("SELECT SUM(rows_added) FROM imports")).scalar_one()
    assert stored == added == 30_000


def test_an_import_waits_for_the_one_before_it(engine: Engine, tmp_path: Path) -> None:
    path = _documents(tmp_path, 10)
    results: list[object] = []
    with engine.connect() as holder:
        if engine.dialect.name == "postgresql":
            holder.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": IMPORT_LOCK})
        else:
            holder.connection.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
        worker = threading.Thread(target=lambda: results.append(import_files(engine, [path])))
        worker.start()
        worker.join(1.5)
        assert worker.is_alive() and not results  # waiting, not failing
        if engine.dialect.name == "postgresql":
            holder.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": IMPORT_LOCK})
        else:
            holder.connection.driver_connection.execute("COMMIT")  # type: ignore[union-attr]
    worker.join(60)
    assert len(results) == 1 and _counted(engine) == 10


def test_a_sqlite_import_busy_past_the_timeout_says_so_in_vietnamese(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'b.sqlite'}"
    engine = open_store(url)
    path = _documents(tmp_path, 10)

    def short_timeout(dbapi_connection: object, _record: object) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=200")  # type: ignore[attr-defined]

    sa.event.listen(engine, "connect", short_timeout)
    engine.dispose()
    other = open_store(url)
    with other.connect() as holder:
        holder.connection.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
        with pytest.raises(StoreError) as err:
            import_files(engine, [path])
    assert str(err.value).startswith(
        "Cơ sở dữ liệu đang bận: một lần nhập khác đang ghi và chưa xong sau thời gian chờ"
    )


def _problems(engine: Engine, path: Path) -> list[str]:
    with pytest.raises(InvalidRowsError) as err:
        import_files(engine, [path])
    return str(err.value).splitlines()[1:-1]


def test_values_the_stores_treat_differently_are_refused_alike(
    engine: Engine, tmp_path: Path
) -> None:
    path = _write(
        tmp_path / "receptions.csv",
        [
            ["id", "held_on", "persons", "unit"],
            ["r1", "2020-09-22", "²", "U"],
            ["r2", "2020-09-22", str(2**63), "U"],
            ["r3", "2020-09-22", "9223372036854775807", "U"],
            ["r4", "0001-01-01T00:00:00+07:00", "1", "U"],
            ["r5", "9999-12-31T23:00:00-07:00", "1", "U"],
            ["r6\x00", "2020-09-22", "1", "U"],
            ["x" * 129, "2020-09-22", "1", "U"],
            ["r8", "2020-09-22", "1", "U" * 65],
            ["\ufeffr9", "2020-09-22", "1", "U"],
            ["r10", "2020-09-22", "2147483648", "U"],
        ],
    )
    years = "ngày ngoài khoảng cho phép (năm phải từ 1900 đến 2999)"
    bad_id = "có ký tự điều khiển hoặc vô hình"
    assert [p.split(": ", 1)[1].split(";")[0] for p in _problems(engine, path)] == [
        "cần một số nguyên dương (²)",
        "số quá lớn (tối đa 2.147.483.647) (9223372036854775808)",
        "số quá lớn (tối đa 2.147.483.647) (9223372036854775807)",
        years,
        years,
        f"{bad_id} U+0000 ở vị trí 3",
        "dài 129 ký tự, tối đa 128 (" + "x" * 129 + ")",
        "dài 65 ký tự, tối đa 64 (" + "U" * 65 + ")",
        f"{bad_id} U+FEFF ở vị trí 1",
        "số quá lớn (tối đa 2.147.483.647) (2147483648)",
    ]
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM receptions")).scalar_one() == 0


def test_a_cell_longer_than_excel_holds_is_refused(engine: Engine, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "documents.csv",
        [["id", "received_on", "unit", "summary"], ["d1", "2020-09-22", "U", "a" * 32_768]],
    )
    (problem,) = _problems(engine, path)
    assert problem.startswith(f"{path}:2:summary: dài 32.768 ký tự, tối đa 32.767")


def test_a_column_given_twice_in_the_header_is_refused(engine: Engine, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "documents.csv",
        [["id", "received_on", "unit", "ID"], ["d1", "2020-09-22", "U", "d2"]],
    )
    with pytest.raises(FileFormatError) as err:
        import_files(engine, [path])
    assert str(err.value) == (
        f"{path}: cột id có hai lần trong dòng tiêu đề (cột 1 “id” và cột 4 “ID”)\n"
        "Xóa hoặc đổi tên một trong hai cột rồi nhập lại."
    )


def test_the_list_of_bad_rows_is_capped_and_counts_the_rest(engine: Engine, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "documents.csv",
        [["id", "received_on", "unit"]] + [[f"d{i}", "hôm qua", "U"] for i in range(1_100)],
    )
    with pytest.raises(InvalidRowsError) as err:
        import_files(engine, [path])
    lines = str(err.value).splitlines()
    assert lines[0] == (
        f"{path}: 1.100 dòng không hợp lệ trên 1.100 dòng; chưa nhập dòng nào của tệp này."
    )
    assert len(lines) == 1 + 1_000 + 2
    assert lines[-2] == "… và 100 lỗi khác."


def _xlsx_with(tmp_path: Path, far_cell: str | None = None, name: str = "documents") -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = name
    ws.append(["id", "received_on", "unit"])
    ws.append(["d1", "2020-09-22", "U"])
    if far_cell:
        ws[far_cell] = "x"
    path = tmp_path / f"{name}.xlsx"
    wb.save(path)
    return path


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        ("XFD1048576", "trang tính sheet1.xml dùng tới cột thứ 16.384, quá giới hạn 1.000 cột"),
        ("ALL1048576", "trang tính sheet1.xml trải trên 1.048.576 hàng × 1.000 cột, quá giới hạn "
         "40.000.000 ô"),
    ],
)  # fmt: skip
def test_an_xlsx_with_a_far_cell_is_refused_before_it_is_loaded(
    sqlite_url: str, tmp_path: Path, cell: str, problem: str
) -> None:
    import subprocess
    import sys

    path = _xlsx_with(tmp_path, cell)
    assert path.stat().st_size < 6_000
    # in a child process: were calamine to load it, it would abort the whole process
    code = (
        "import sys; from pathlib import Path; from reports.store.db import open_store; "
        "from reports.sources.importer import import_files; from reports.core.errors import "
        "BaocaoError\ntry:\n import_files(open_store(sys.argv[1]), [Path(sys.argv[2])])\n"
        "except BaocaoError as e:\n print(e); sys.exit(3)"
    )
    r = subprocess.run(
        [sys.executable, "-c", code, sqlite_url, str(path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert r.returncode == 3, r.stderr
    assert r.stdout.splitlines()[0] == f"{path}: {problem}"


def test_an_ordinary_xlsx_still_imports(engine: Engine, tmp_path: Path) -> None:
    (result,) = import_files(engine, [_xlsx_with(tmp_path)])
    assert result.added == 1


def test_a_zip_bomb_xlsx_is_refused_by_its_inflated_size(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zipfile

    from reports.sources import xlsx_bounds

    source = _xlsx_with(tmp_path)
    bomb = tmp_path / "bomb" / "documents.xlsx"
    bomb.parent.mkdir()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info))
        zout.writestr("xl/sharedStrings.xml", b"<sst>" + b" " * (3 << 20) + b"</sst>")
    assert bomb.stat().st_size < 30_000
    monkeypatch.setattr(xlsx_bounds, "MAX_PART_BYTES", 2 << 20)
    with pytest.raises(FileFormatError) as err:
        import_files(engine, [bomb])
    assert str(err.value).splitlines()[0] == (
        f"{bomb}: phần xl/sharedStrings.xml của tệp Excel khi giải nén chiếm 3 MB, "
        "quá giới hạn 2 MB"
    )


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ([["A", "a", "A"]], "đơn vị A nhận chính nó làm đơn vị cấp trên"),
        ([["A", "a", "C"], ["B", "b", "A"], ["C", "c", "B"]], "cây đơn vị có vòng lặp: A → C → B → A"),
        ([[f"U{i}", "u", f"U{i - 1}" if i else ""] for i in range(5_001)],
         "cây đơn vị sâu quá 16 cấp (đơn vị U16 ở cấp 17)"),
    ],
    ids=["self", "cycle", "chain"],
)  # fmt: skip
def test_unit_trees_are_bounded_and_without_cycles(
    engine: Engine, tmp_path: Path, rows: list[list[str]], problem: str
) -> None:
    path = _write(tmp_path / "units.csv", [["code", "name", "parent"], *rows])
    with pytest.raises(FileFormatError) as err:
        import_files(engine, [path])
    assert str(err.value).splitlines()[0] == f"{path}: {problem}"
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM units")).scalar_one() == 0


@pytest.mark.parametrize("encoding", [None, "cp1258"])
def test_a_csv_that_turns_from_windows_1258_to_utf8_is_never_stored_garbled(
    engine: Engine, tmp_path: Path, encoding: str | None
) -> None:
    legacy = cp1258_bytes("Quyết định về tài sản")
    lines = [b"id,approved_on,field,summary"]
    lines += [b"c%d,2020-09-22,kinh_te,%s" % (i, legacy) for i in range(12_000)]
    lines += [b"u1,2020-09-22,kinh_te," + "Quyết định mới".encode()]
    path = tmp_path / "directives.csv"
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    assert lines[1].index(legacy) and len(b"\r\n".join(lines[:-1])) > 200_000
    with pytest.raises(FileFormatError) as err:
        import_files(engine, [path], encoding=encoding)
    assert str(err.value).splitlines()[0] == (
        f"{path}: tệp trộn hai bảng mã: có dòng Windows-1258 nhưng dòng 12002 là UTF-8; "
        "không nhập để tránh lưu chữ bị lỗi phông"
    )


def test_rejected_rows_are_spilled_to_disk_and_cross_processes_by_path() -> None:
    import pickle

    from reports.sources.rejects import RejectedRows

    rows = RejectedRows()
    for n in range(1, 1_001):
        rows.append((n, ["=cmd()", None, n], "ngày: không hợp lệ"))
    assert rows.path is not None and len(rows) == 1_000
    copy = pickle.loads(pickle.dumps(rows))  # as a SheetEnd from a reading process
    first = next(iter(copy))
    assert first == ["1", "'=cmd()", "", "1", "ngày: không hợp lệ"]
    assert sum(1 for _ in copy) == 1_000
    copy.release()
    assert len(copy) == 1_000 and copy.path is None
