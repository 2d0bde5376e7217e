"""A broken Word template is reported in Vietnamese, every mistake at once, each where it is:
the tag as typed, or for an unclosed block the paragraph where the block opens."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from reports.core.errors import TemplateError
from reports.render.docx import CONTEXT_VARIABLES, render_docx
from reports.render.template_check import paragraphs
from reports.settings.load import PROJECT_ROOT, Settings
from tests.conftest import edited_template, make_report

VARIABLES = ", ".join(CONTEXT_VARIABLES)


def _numbers() -> dict[str, int]:
    """Paragraph numbers in the shipped template, found by their text (not hard-coded: the
    template's wording may move them)."""
    with zipfile.ZipFile(PROJECT_ROOT / "templates" / "bao-cao-tuan.docx") as z:
        found = paragraphs("word/document.xml", z.read("word/document.xml"))
    starts = {
        "title": "Kết quả chỉ đạo",
        "figures": "{{ mo_dau }}, ",
        "for": "{%p for lv in linh_vuc %}",
        "field": "- Lĩnh vực {{ lv.ten }}",
        "headline": "{{ nb.tieu_de }}",
        "if": "{%p if hien_so_lieu %}",
    }
    return {k: next(p.number for p in found if p.text.startswith(v)) for k, v in starts.items()}


N = _numbers()


LAST_ENDIF = ("{%p endif %}", "", "last")
"""Removes the template's last ``{%p endif %}``: the one of ``{%p if hien_so_lieu %}``."""


def broken(tmp_path: Path, *edits: tuple[str, ...]) -> Path:
    def edit(text: str) -> str:
        for old, new, *where in edits:
            assert old in text
            last = where == ["last"]
            text = new.join(text.rsplit(old, 1)) if last else text.replace(old, new, 1)
        return text

    return edited_template(tmp_path / "mau.docx", edit)


def problem(settings: Settings, tmp_path: Path, *edits: tuple[str, ...]) -> str:
    template = broken(tmp_path, *edits)
    out = tmp_path / "out" / "bc.docx"
    with pytest.raises(TemplateError) as info:
        render_docx(make_report(settings), settings, out, template=template)
    assert not out.parent.exists()  # nothing written
    assert str(info.value) == f"Mẫu báo cáo {template}: {info.value.problem}"
    return info.value.problem


CASES = {
    "unclosed if": (
        [LAST_ENDIF],
        f"khối “{{%p if hien_so_lieu %}}” mở ở đoạn {N['if']} “{{%p if hien_so_lieu %}}” chưa đóng: "
        "thêm “{%p endif %}” sau nội dung của khối",
    ),
    "unclosed for": (
        [("{%p endfor %}", "")],
        f"khối “{{%p for lv in linh_vuc %}}” mở ở đoạn {N['for']} “{{%p for lv in linh_vuc %}}” chưa "
        "đóng: thêm “{%p endfor %}” sau nội dung của khối",
    ),
    "a brace missing": (
        [("{{ lv.noi_dung }}", "{{ lv.noi_dung }")],
        f"thẻ “{{{{ lv.noi_dung }}” thiếu “}}}}” để đóng, ở đoạn {N['field']} “- Lĩnh vực {{{{ lv.ten }}}}: "
        "{{ lv.noi_dung }”",
    ),
    "a stray closer": (
        [("{{ lv.ten }}", "{{ lv.ten }} }}")],
        f"thừa “}}}}” không có thẻ mở (…- Lĩnh vực {{{{ lv.ten }}}} }}}}) ở đoạn {N['field']} “- Lĩnh vực "
        "{{ lv.ten }} }}: {{ lv.noi_dung }}”",
    ),
    "an expression that does not parse": (
        [("{{ so_lieu.receptions|so }}", "{{ so_lieu.receptions|so( }}")],
        f"thẻ sai cú pháp “{{{{ so_lieu.receptions|so( }}}}”, ở đoạn {N['figures']} “{{{{ mo_dau }}}}, "
        "{{ chu_the }} đã tiếp nhận, xử lý công việc…”",
    ),
    "an unknown tag": (
        [("{%p if hien_so_lieu %}", "{%p neu hien_so_lieu %}"), LAST_ENDIF],
        f"thẻ không biết “{{%p neu hien_so_lieu %}}”, ở đoạn {N['if']} “{{%p neu hien_so_lieu %}}”; "
        "các thẻ dùng được: if, elif, else, endif, for, endfor, set, with, endwith",
    ),
    "else outside a block": (
        [("{%p if hien_so_lieu %}", "{%p else %}"), LAST_ENDIF],
        f"thẻ “{{%p else %}}” nằm ngoài khối if hoặc for, ở đoạn {N['if']} “{{%p else %}}”",
    ),
    "a loop variable outside its loop": (
        [("{{ chu_the }}", "{{ lv.ten }}")],
        f"biến không tồn tại: lv (thẻ “{{{{ lv.ten }}}}”, ở đoạn {N['title']} “Kết quả chỉ đạo, điều hành "
        f"nổi bật của {{{{ lv.ten }}}} {{{{…”); các biến dùng được: {VARIABLES}",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_mistake_is_named_where_it_is(settings: Settings, tmp_path: Path, case: str) -> None:
    edits, message = CASES[case]
    assert problem(settings, tmp_path, *edits) == message


def test_every_mistake_in_one_run(settings: Settings, tmp_path: Path) -> None:
    message = problem(
        settings,
        tmp_path,
        ("{{ chu_the }}", "{{ ten_la }}"),
        ("{{ so_lieu.receptions|so }}", "{{ so_lieu.receptions|so_luong }}"),
        ("{{ nb.tieu_de }}", "{{ nb.tieu_de }"),
        LAST_ENDIF,
    )
    assert message == (
        "4 lỗi, sửa tất cả rồi chạy lại:\n"
        f"1. biến không tồn tại: ten_la (thẻ “{{{{ ten_la }}}}”, ở đoạn {N['title']} “Kết quả chỉ đạo, điều "
        f"hành nổi bật của {{{{ ten_la }}}} {{{{…”); tên gần giống: ten_ky, ten_cot\n"
        f"2. bộ lọc không tồn tại: so_luong (thẻ “{{{{ so_lieu.receptions|so_luong }}}}”, ở đoạn {N['figures']} "
        "“{{ mo_dau }}, {{ chu_the }} đã tiếp nhận, xử lý công việc…”); các bộ lọc dùng được: "
        "so, phan_tram, gia_tri, thay_doi, ky, ky_dai, ngay, ngay_thang_nam, ten_ky, so_sanh, in_hoa\n"
        f"3. thẻ “{{{{ nb.tieu_de }}” thiếu “}}}}” để đóng, ở đoạn {N['headline']} “{{{{ nb.tieu_de }}”\n"
        f"4. khối “{{%p if hien_so_lieu %}}” mở ở đoạn {N['if']} “{{%p if hien_so_lieu %}}” chưa đóng: "
        "thêm “{%p endif %}” sau nội dung của khối"
    )


def test_names_a_template_declares_are_accepted(settings: Settings, tmp_path: Path) -> None:
    template = broken(
        tmp_path,
        ("{{ chu_the }}", "{% set ten = chu_the %}{{ ten }}"),
        ("{{ lv.ten }}", "{{ loop.index }}. {{ lv.ten }}"),
    )
    render_docx(make_report(settings), settings, tmp_path / "bc.docx", template=template)
