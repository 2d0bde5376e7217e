"""The sections a person writes (issue 19): read from a file on the command line, rendered
when not empty and left out when empty, declared by the settings, kept when a draft's JSON
round-trips."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import docx

from reports.compose import report_json
from reports.compose.period_words import written_words
from reports.core.sections import (
    Block,
    WrittenSection,
    declared_sections,
    section_key,
    sections_as_text_file,
    sections_from_text_file,
)
from reports.render.docx import render_docx
from reports.settings.load import Settings
from tests.conftest import make_report
from tests.test_cli import run

TEXT = """# Đánh giá chung
Công việc trong kỳ cơ bản hoàn thành.
Một số việc còn chậm.

# Nhiệm vụ trọng tâm kỳ tới
- Đẩy nhanh giải ngân vốn đầu tư công.
- Hoàn thành giải phóng mặt bằng.

# Kiến nghị, đề xuất
"""


def test_a_sections_file_is_read_and_written_back_alike() -> None:
    sections = sections_from_text_file(TEXT)
    assert [s.key for s in sections] == [
        "danh_gia_chung",
        "nhiem_vu_trong_tam_ky_toi",
        "kien_nghi_de_xuat",
    ]
    assert sections[0].blocks == (
        Block("Công việc trong kỳ cơ bản hoàn thành. Một số việc còn chậm."),
    )
    assert sections[1].blocks == (
        Block(bullets=("Đẩy nhanh giải ngân vốn đầu tư công.", "Hoàn thành giải phóng mặt bằng.")),
    )
    assert sections[2].empty
    assert sections_from_text_file(sections_as_text_file(sections)) == sections
    assert section_key("Kiến nghị, đề xuất") == "kien_nghi_de_xuat"


def test_declared_sections_keep_the_settings_order_and_anything_written() -> None:
    written = (
        WrittenSection("nhiem_vu_trong_tam_ky_toi", "Nhiệm vụ", (Block("Việc A."),)),
        WrittenSection("tinh_hinh_khac", "Tình hình khác", (Block("Việc B."),)),
    )
    got = declared_sections(("Đánh giá chung", "Nhiệm vụ trọng tâm kỳ tới"), written)
    assert [(s.title, s.empty) for s in got] == [
        ("Đánh giá chung", True),
        ("Nhiệm vụ trọng tâm kỳ tới", False),
        ("Tình hình khác", False),  # not declared any more, but written: not dropped
    ]


def test_an_empty_section_is_left_out_and_the_others_numbered_after_baocao_s(
    settings: Settings, tmp_path: Path
) -> None:
    report = replace(make_report(settings), written=sections_from_text_file(TEXT))
    assert [w["so"] + ". " + w["tieu_de"] for w in written_words(report)] == [
        "IV. ĐÁNH GIÁ CHUNG",
        "V. NHIỆM VỤ TRỌNG TÂM TUẦN TỚI",  # "kỳ tới" names the period after this one
    ]
    assert report_json.loads(report_json.dumps(report)).written == report.written
    path = render_docx(report, settings, tmp_path / "r.docx")
    texts = [p.text for p in docx.Document(str(path)).paragraphs]
    at = texts.index("IV. ĐÁNH GIÁ CHUNG")
    assert texts[at + 1 : at + 5] == [
        "Công việc trong kỳ cơ bản hoàn thành. Một số việc còn chậm.",
        "V. NHIỆM VỤ TRỌNG TÂM TUẦN TỚI",  # "kỳ tới" names the period after this one
        "- Đẩy nhanh giải ngân vốn đầu tư công.",
        "- Hoàn thành giải phóng mặt bằng.",
    ]
    assert not any("KIẾN NGHỊ" in t for t in texts)
    nothing = render_docx(make_report(settings), settings, tmp_path / "n.docx")
    assert not any("ĐÁNH GIÁ" in p.text for p in docx.Document(str(nothing)).paragraphs)


def test_generate_takes_sections_from_a_file(sqlite_url: str, tmp_path: Path) -> None:
    given = tmp_path / "phan-viet.txt"
    given.write_text(TEXT, encoding="utf-8")
    r = run("generate", "--period", "2021-03", "--format", "docx", "--out", str(tmp_path),
            "--sections", str(given), db=sqlite_url)  # fmt: skip
    assert r.returncode == 0, r.stderr
    texts = [p.text for p in docx.Document(r.stdout.strip()).paragraphs]
    assert "- Hoàn thành giải phóng mặt bằng." in texts
    bad = tmp_path / "khong-co-phan.txt"
    bad.write_text("Chỉ có chữ, không có tên phần.\n", encoding="utf-8")
    r = run("generate", "--period", "2021-03", "--sections", str(bad), db=sqlite_url)
    assert r.returncode == 2
    assert r.stderr == (
        f"Lỗi: --sections: tệp {bad} không có phần nào; mỗi phần bắt đầu bằng một dòng "
        "'# Tên phần' (ví dụ '# Nhiệm vụ trọng tâm kỳ tới')\n"
    )
