"""data.md §1–2 with real files, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import unicodedata
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from reports.cli.steps import cli_words
from reports.core.errors import FileFormatError, InvalidRowsError
from reports.core.periods import ReportPeriod
from reports.figures.indicators import figure_set
from reports.sources.importer import import_files
from reports.store.schema import documents, dossiers, imports, units

P = ReportPeriod(date(2020, 9, 21), date(2020, 9, 28))


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


TONES = "\u0300\u0301\u0303\u0309\u0323"


def cp1258_bytes(text: str) -> bytes:
    """Encode as Excel on a Vietnamese Windows does: base letter (â ê ô ơ ư ă đ…) + tone mark."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in parts if c in TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
        out += base.encode("cp1258") + tones.encode("cp1258")
    return bytes(out)


def doc_ids(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return conn.execute(sa.select(documents.c.id).order_by(documents.c.id)).scalars().all()  # type: ignore[return-value]


def current(engine: Engine):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return figure_set(conn, P, None, 2).current


def test_bad_date_rejects_the_whole_file_naming_file_row_and_column(
    engine: Engine, tmp_path: Path, reader: str
) -> None:
    f = write(
        tmp_path / "documents.csv",
        "id,received_on,unit\nVB-1,2020-09-21,U\nVB-2,2020-09-22,U\nVB-3,31/09/2020,U\nVB-4,,U\n",
    )
    with pytest.raises(InvalidRowsError) as info:
        import_files(engine, [f])
    assert str(info.value) == (
        f"{f}: 2 dòng không hợp lệ trên 4 dòng; chưa nhập dòng nào của tệp này.\n"
        f"{f}:4:received_on: ngày không tồn tại; viết 2020-09-21 hoặc 21/09/2020 (ngày trước, "
        "tháng sau), có thể kèm giờ 14:30 (31/09/2020)\n"
        f"{f}:5:received_on: thiếu giá trị bắt buộc\n"
        "Sửa các ô trên rồi nhập lại."
    )
    assert cli_words(info.value).endswith(
        "\nSửa các ô trên rồi nhập lại.\nHoặc dùng --skip-invalid để nhập các dòng hợp lệ và "
        "ghi các dòng bị loại ra tệp bên cạnh."
    )
    assert doc_ids(engine) == []


def test_every_kind_of_bad_cell_is_listed(engine: Engine, tmp_path: Path, reader: str) -> None:
    f = write(
        tmp_path / "dossiers.csv",
        "id,received_on,due_on,returned_on,unit,field,online\n"
        "H1,2020-09-21,2020-09-20,,U,kinh tế,1\n"
        "H2,2020-09-21,2020-09-25,2020-09-22,U,thể thao,có\n"
        "H3,2020-09-21,2020-09-25,,U,đô thị,maybe\n"
        "H1,2020-09-21,2020-09-25,,U,,\n",
    )
    with pytest.raises(InvalidRowsError) as info:
        import_files(engine, [f])
    lines = str(info.value).splitlines()[1:-1]
    assert lines == [
        f"{f}:2:due_on: ngày hẹn trả trước ngày tiếp nhận (2020-09-20)",
        f"{f}:3:field: lĩnh vực không hợp lệ; dùng kinh tế, đô thị, văn hóa - xã hội, nội chính "
        "(hoặc kinh_te, do_thi, van_hoa_xa_hoi, noi_chinh) (thể thao)",
        f"{f}:4:online: giá trị có/không không hợp lệ; dùng 1/0, true/false, có/không, hoặc "
        "x/để trống (maybe)",
        f"{f}:5:id: trùng mã với dòng 2 (H1)",
    ]


def test_reimport_changes_nothing_and_a_changed_row_replaces(
    engine: Engine, tmp_path: Path, reader: str
) -> None:
    text = "id,received_on,unit,field\nVB-1,2020-09-21,U,kinh tế\nVB-2,2020-09-22,U,đô thị\n"
    f = write(tmp_path / "documents.csv", text)
    (r1,) = import_files(engine, [f])
    assert (r1.added, r1.replaced, r1.unchanged) == (2, 0, 0)
    (r2,) = import_files(engine, [f])
    assert (r2.added, r2.replaced, r2.unchanged) == (0, 0, 2)
    assert current(engine).documents_received == 2
    # VB-2 moves out of the period; VB-3 is new
    write(
        f,
        "id,received_on,unit,field\nVB-1,2020-09-21,U,kinh tế\nVB-2,2020-10-02,U,đô thị\nVB-3,2020-09-23,U,\n",
    )
    (r3,) = import_files(engine, [f])
    assert (r3.added, r3.replaced, r3.unchanged) == (1, 1, 1)
    assert doc_ids(engine) == ["VB-1", "VB-2", "VB-3"]
    figures = current(engine)
    assert figures.documents_received == 2
    assert figures.documents_by_field == {"kinh_te": 1}
    with engine.connect() as conn:
        logged = conn.execute(
            sa.select(imports.c.kind, imports.c.rows_added, imports.c.sha256)
        ).all()
    assert [(k, a) for k, a, _ in logged] == [("documents", 2), ("documents", 0), ("documents", 1)]
    assert all(len(h) == 64 for _, _, h in logged)


def test_windows_1258_csv_keeps_vietnamese(engine: Engine, tmp_path: Path) -> None:
    f = tmp_path / "documents.csv"
    f.write_bytes(
        cp1258_bytes(
            "id,received_on,unit,summary\nVB-1,21/09/2020,U,Quyết định về văn hóa - xã hội\n"
        )
    )
    with pytest.raises(UnicodeDecodeError):
        f.read_bytes().decode("utf-8")
    import_files(engine, [f])
    with engine.connect() as conn:
        summary = conn.execute(sa.select(documents.c.summary)).scalar_one()
    assert summary == "Quyết định về văn hóa - xã hội"
    assert unicodedata.is_normalized("NFC", summary)


def test_garbled_legacy_encoding_is_refused(engine: Engine, tmp_path: Path) -> None:
    # TCVN3 (ABC) bytes: valid in no Unicode encoding, and symbols when read as Windows-1258.
    f = tmp_path / "documents.csv"
    f.write_bytes(b"id,received_on,unit,summary\nVB-1,21/09/2020,U,Qu\xb5\xb8\xb6 \xae\xfeinh\n")
    with pytest.raises(FileFormatError) as info:
        import_files(engine, [f])
    assert str(info.value) == (
        f"{f}: không phải UTF-8 (byte lỗi ở dòng 2) và cũng không giống Windows-1258; không nhập "
        "để tránh lưu chữ bị lỗi phông\nLưu lại tệp dạng 'CSV UTF-8' trong Excel (Save As → CSV "
        "UTF-8)."
    )
    assert cli_words(info.value).endswith("\nHoặc chỉ rõ bảng mã bằng --encoding cp1258.")
    assert doc_ids(engine) == []


def test_a_bad_byte_deep_in_a_utf8_file_stops_the_import_at_its_line(
    engine: Engine, tmp_path: Path, reader: str
) -> None:
    # The first 200 kB are UTF-8 Vietnamese, so the file is read as UTF-8 without a full
    # scan first; the stray byte is still caught as its line is read, and nothing is kept.
    rows = [f"VB-{i},2020-09-21,U,Quyết định số {i} về văn hóa - xã hội\n" for i in range(4000)]
    body = "id,received_on,unit,summary\n" + "".join(rows)
    f = tmp_path / "documents.csv"
    f.write_bytes(body.encode() + b"VB-X,2020-09-22,U,Quy\xeat\n")
    assert len(body.encode()) > 200_000
    with pytest.raises(FileFormatError) as info:
        import_files(engine, [f])
    assert str(info.value).startswith(f"{f}: không đọc được theo bảng mã utf-8 (byte lỗi ở dòng")
    assert "4002" in str(info.value).splitlines()[0]
    assert doc_ids(engine) == []


@pytest.mark.parametrize("chunk_rows", [100_000, 2])
def test_rows_are_numbered_by_their_line_across_quoted_breaks_and_blank_lines(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_rows: int
) -> None:
    import reports.sources.plan as plan

    monkeypatch.setattr(plan, "CHUNK_ROWS", chunk_rows)
    f = tmp_path / "documents.csv"
    f.write_bytes(
        b"id,received_on,unit,summary\r\n"  # line 1
        b'A,2020-09-21,U,"Quy\xe1\xba\xbft \xc4\x91\xe1\xbb\x8bnh\r\nd\xc3\xb2ng hai\nba"\r\n'  # 2-4
        b"\r\n"  # 5: blank
        b",,,\r\n"  # 6: separators only
        b"B,32/09/2020,U,x\r\n"  # 7
        b'C,2020-09-22,U,"one\rtwo"\r\n'  # 8-9 (an old Mac line break inside quotes)
        b"D,bad,U,y\r\n"  # 10
    )
    with pytest.raises(InvalidRowsError) as info:
        import_files(engine, [f])
    lines = str(info.value).splitlines()[1:-1]
    assert [line.split(":received_on:")[0] for line in lines] == [f"{f}:7", f"{f}:10"]
    assert "3 dòng không hợp lệ" not in str(info.value) and "trên 4 dòng" in str(info.value)


def test_bad_rows_of_two_files_are_counted_apart_and_totals_read_as_vietnamese(
    engine: Engine, tmp_path: Path
) -> None:
    good = "".join(f"VB-{i},2020-09-21,U\n" for i in range(1200))
    a = write(tmp_path / "documents.csv", "id,received_on,unit\nA1,bad,U\n" + good)
    b = write(tmp_path / "dossiers.csv", "id,received_on,due_on,unit\nH1,bad,2020-09-30,U\n")
    with pytest.raises(InvalidRowsError) as info:
        import_files(engine, [a, b])
    first = str(info.value).splitlines()[0]
    assert first == (
        f"{a}, {b}: 2 dòng không hợp lệ trên 1.202 dòng; chưa nhập dòng nào của tệp này."
    )


def test_bom_semicolons_and_field_words(engine: Engine, tmp_path: Path) -> None:
    f = write(
        tmp_path / "documents-2020.csv",
        "\ufeffid;received_on;unit;field\nA;2020-09-21;U;Văn hoá – Xã hội\nB;2020-09-22;U;VAN HOA - XA HOI\n"
        "C;2020-09-22;U;noi_chinh\nD;2020-09-23;U;Nội chính\n",
    )
    import_files(engine, [f])
    assert current(engine).documents_by_field == {"van_hoa_xa_hoi": 2, "noi_chinh": 2}


def test_first_and_last_minute_count_a_minute_outside_does_not(
    engine: Engine, tmp_path: Path
) -> None:
    f = write(
        tmp_path / "documents.csv",
        "id,received_on,unit\n"
        "in-first,2020-09-21 00:00,U\nin-last,28/09/2020 23:59,U\n"
        "out-before,2020-09-20 23:59,U\nout-after,29/09/2020 00:00,U\n"
        # 2020-09-20 17:00 UTC is 00:00 on 21/9 in Hà Nội; 2020-09-28 17:00 UTC is 00:00 on 29/9
        "utc-in,2020-09-20T17:00:00+00:00,U\nutc-out,2020-09-28T17:00:00Z,U\n",
    )
    import_files(engine, [f])
    assert current(engine).documents_received == 3


def test_xlsx_with_date_cells_and_one_sheet_per_kind(
    engine: Engine, tmp_path: Path, reader: str
) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "documents"
    ws.append(["id", "received_on", "unit"])
    ws.append(["X1", datetime(2020, 9, 21, 8, 30), "U"])
    ws.append(["X2", date(2020, 9, 28), "U"])
    ws.append([1234, "22/9/2020", "U"])
    ds = wb.create_sheet("dossiers")
    ds.append(["id", "received_on", "due_on", "returned_on", "unit"])
    ds.append(["H1", date(2020, 9, 21), date(2020, 9, 25), date(2020, 9, 24), "U"])
    path = tmp_path / "export.xlsx"
    wb.save(path)
    results = import_files(engine, [path])
    assert [(r.kind, r.added) for r in results] == [("documents", 3), ("dossiers", 1)]
    assert doc_ids(engine) == ["1234", "X1", "X2"]
    f = current(engine)
    assert (f.documents_received, f.dossiers_received, f.dossiers_completed) == (3, 1, 1)


def test_xlsx_errors_are_numbered_as_the_spreadsheet_shows(engine: Engine, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["id", "received_on", "unit"])
    ws.append(["X1", date(2020, 9, 21), "U"])
    ws.append([None, None, None])
    ws.append(["X3", "hôm qua", "U"])
    path = tmp_path / "documents.xlsx"
    wb.save(path)
    with pytest.raises(InvalidRowsError) as info:
        import_files(engine, [path])
    assert f"{path}:4:received_on: không hiểu ngày" in str(info.value)


def test_mapping_file_for_an_export_with_vietnamese_headers(engine: Engine, tmp_path: Path) -> None:
    mapping = write(
        tmp_path / "motcua.toml",
        'kind = "dossiers"\n[columns]\n"Mã hồ sơ" = "id"\n"Ngày tiếp nhận" = "received_on"\n'
        '"Ngày hẹn trả" = "due_on"\n"Ngày trả kết quả" = "returned_on"\n"Đơn vị" = "unit"\n'
        '"Lĩnh vực" = "field"\n[values.field]\n"Kinh tế - Tài chính" = "kinh_te"\n',
    )
    f = write(
        tmp_path / "motcua-export.csv",
        "MÃ HỒ SƠ,Ngay tiep nhan,Ngày hẹn trả,Ngày trả kết quả,Đơn vị,Lĩnh vực,Ghi chú\n"
        "000.00.01.H26-200921-0001,21/09/2020,25/09/2020,24/09/2020,UBND-BA-DINH,Kinh tế - Tài chính,x\n"
        "000.00.01.H26-200921-0002,22/09/2020,30/09/2020,,UBND-BA-DINH,Đô thị,\n",
    )
    (r,) = import_files(engine, [f], mapping=mapping)
    assert (r.kind, r.added) == ("dossiers", 2)
    fig = current(engine)
    assert (fig.dossiers_received, fig.dossiers_completed, fig.dossiers_in_progress) == (2, 1, 1)
    assert fig.dossiers_by_field == {"kinh_te": 1, "do_thi": 1}
    write(f, "Mã hồ sơ,Ngày tiếp nhận,Đơn vị\nH,21/09/2020,U\n")
    with pytest.raises(FileFormatError, match="thiếu cột bắt buộc: due_on"):
        import_files(engine, [f], mapping=mapping)


def test_skip_invalid_writes_the_rejects_beside_the_input(
    engine: Engine, tmp_path: Path, reader: str
) -> None:
    f = write(
        tmp_path / "documents.csv", "id,received_on,unit\nA,2020-09-21,U\nB,bad,U\nC,2020-09-22,U\n"
    )
    (r,) = import_files(engine, [f], skip_invalid=True)
    assert (r.added, r.rejected) == (2, 1)
    assert r.rejects_path == tmp_path / "documents.rejected.csv"
    with r.rejects_path.open(encoding="utf-8-sig", newline="") as fh:
        rejected = list(csv.reader(fh))
    assert rejected[0] == ["dong", "id", "received_on", "unit", "loi"]
    assert rejected[1][:4] == ["3", "B", "bad", "U"]
    assert rejected[1][4].startswith("received_on: không hiểu ngày")
    assert doc_ids(engine) == ["A", "C"]


def test_two_files_are_all_or_nothing(engine: Engine, tmp_path: Path, reader: str) -> None:
    good = write(tmp_path / "documents.csv", "id,received_on,unit\nA,2020-09-21,U\n")
    bad = write(tmp_path / "dossiers.csv", "id,received_on,due_on,unit\nH,2020-09-21,soon,U\n")
    with pytest.raises(InvalidRowsError):
        import_files(engine, [good, bad])
    assert doc_ids(engine) == []


def test_a_crash_in_the_middle_leaves_the_store_as_it_was(engine: Engine, tmp_path: Path) -> None:
    good = write(tmp_path / "documents.csv", "id,received_on,unit\nA,2020-09-21,U\n")
    import_files(engine, [good])
    write(good, "id,received_on,unit\nA,2020-09-22,U\nB,2020-09-22,U\n")
    units_file = write(tmp_path / "units.csv", "code,name,parent\nU,Đơn vị U,\n")

    class Boom(Exception):
        pass

    import reports.store.rollup as rollup_module

    original = rollup_module.rebuild_scope

    def explode(conn: sa.Connection) -> None:
        raise Boom

    rollup_module.rebuild_scope = explode  # type: ignore[assignment]
    try:
        with pytest.raises(Boom):
            import_files(engine, [good, units_file])
    finally:
        rollup_module.rebuild_scope = original  # type: ignore[assignment]
    assert doc_ids(engine) == ["A"]
    with engine.connect() as conn:
        assert conn.execute(sa.select(documents.c.received_on)).scalar_one() == date(2020, 9, 21)
        assert conn.execute(sa.select(sa.func.count()).select_from(units)).scalar_one() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(imports)).scalar_one() == 1
    assert current(engine).documents_received == 1


def test_units_nest_and_records_follow(engine: Engine, tmp_path: Path, reader: str) -> None:
    docs = write(
        tmp_path / "documents.csv", "id,received_on,unit\nA,2020-09-21,P1\nB,2020-09-21,Q1\n"
    )
    import_files(engine, [docs])
    u = write(
        tmp_path / "units.csv",
        "code,name,parent\nCITY,Thành phố,\nQ1,Quận 1,CITY\nP1,Phường 1,Q1\n",
    )
    import_files(engine, [u])
    with engine.connect() as conn:
        assert figure_set(conn, P, "Q1", 1).current.documents_received == 2
        assert figure_set(conn, P, "P1", 1).current.documents_received == 1


def test_dossier_dates_and_unknown_kind(engine: Engine, tmp_path: Path, reader: str) -> None:
    f = write(tmp_path / "export.csv", "id,received_on,unit\nA,2020-09-21,U\n")
    with pytest.raises(FileFormatError, match="không biết tệp chứa loại bản ghi nào"):
        import_files(engine, [f])
    (r,) = import_files(engine, [f], kind="documents")
    assert r.added == 1
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(dossiers)).scalar_one() == 0


def test_rows_are_checked_and_written_in_chunks(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import reports.sources.plan as plan

    monkeypatch.setattr(plan, "CHUNK_ROWS", 2)
    rows = "".join(f"VB-{i},2020-09-2{i % 8},U\n" for i in range(1, 8))
    f = write(tmp_path / "documents.csv", "id,received_on,unit\n" + rows)
    (r,) = import_files(engine, [f])
    assert r.added == 7
    assert current(engine).documents_received == 7
    # a duplicate in a later chunk than its first occurrence is still caught, with its row
    write(
        f, "id,received_on,unit\nA,2020-09-21,U\nB,2020-09-21,U\nC,2020-09-22,U\nA,2020-09-23,U\n"
    )
    with pytest.raises(InvalidRowsError) as info:
        import_files(engine, [f])
    assert f"{f}:5:id: trùng mã với dòng 2 (A)" in str(info.value)
    assert doc_ids(engine) == [f"VB-{i}" for i in range(1, 8)]
