"""Each kind of period has its own Word template (issue 19): a month, a quarter, half a year
and a year are reports an office files — I. the period's results in numbered parts, then the
sections a person writes, "kỳ tới" naming the next period — while the week stays the city's
bulletin. A template may declare its own written sections (``{{ muc("…") }}``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import docx
import pytest

from reports.approval.written import draft_sections
from reports.core.periods import half_period, month_period, quarter_period, year_period
from reports.core.sections import declared_sections, sections_from_text_file
from reports.render.docx import render_docx
from reports.render.template_sections import written_titles
from reports.settings.load import PROJECT_ROOT, Settings
from tests.conftest import make_report
from tests.test_cli import run

WRITTEN = sections_from_text_file(
    "# Đánh giá chung\nCơ bản hoàn thành nhiệm vụ.\n\n"
    "# Nhiệm vụ trọng tâm kỳ tới\n- Việc một.\n- Việc hai.\n\n"
    "# Kiến nghị, đề xuất\nĐề nghị bổ sung kinh phí.\n"
)
KINDS = {
    "month": (
        month_period(2020, 9),
        "Kết quả chỉ đạo, điều hành của UBND Thành phố tháng 9/2020",
        "I. KẾT QUẢ CHỈ ĐẠO, ĐIỀU HÀNH NỔI BẬT THÁNG 9/2020",
        "III. NHIỆM VỤ TRỌNG TÂM THÁNG 10/2020",
    ),
    "quarter": (
        quarter_period(2020, 4),
        "Tình hình, kết quả công tác chỉ đạo, điều hành của UBND Thành phố quý IV/2020",
        "I. TÌNH HÌNH, KẾT QUẢ CHỈ ĐẠO, ĐIỀU HÀNH QUÝ IV/2020",
        "III. NHIỆM VỤ TRỌNG TÂM QUÝ I/2021",
    ),
    "half": (
        half_period(2021, 1),
        "Sơ kết công tác chỉ đạo, điều hành 6 tháng đầu năm 2021; nhiệm vụ trọng tâm "
        "6 tháng cuối năm 2021",
        "I. KẾT QUẢ CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH 6 THÁNG ĐẦU NĂM 2021",
        "III. NHIỆM VỤ TRỌNG TÂM 6 THÁNG CUỐI NĂM 2021",
    ),
    "second half": (
        half_period(2020, 2),
        "Sơ kết công tác chỉ đạo, điều hành 6 tháng cuối năm 2020; nhiệm vụ trọng tâm "
        "6 tháng đầu năm 2021",
        "I. KẾT QUẢ CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH 6 THÁNG CUỐI NĂM 2020",
        "III. NHIỆM VỤ TRỌNG TÂM 6 THÁNG ĐẦU NĂM 2021",
    ),
    "year": (
        year_period(2020),
        "Tổng kết công tác chỉ đạo, điều hành năm 2020; nhiệm vụ trọng tâm năm 2021",
        "I. KẾT QUẢ CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH NĂM 2020",
        "III. NHIỆM VỤ TRỌNG TÂM NĂM 2021",
    ),
}


def _paragraphs(path: Path) -> list[docx.text.paragraph.Paragraph]:
    return [p for p in docx.Document(str(path)).paragraphs if p.text.strip()]


def _bold(p: docx.text.paragraph.Paragraph) -> bool:
    return all(r.bold for r in p.runs if r.text.strip())


def _in_order(texts: list[str], wanted: list[str]) -> None:
    at = [texts.index(w) for w in wanted]  # ValueError names the one missing
    assert at == sorted(at), wanted


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_has_its_own_headings(settings: Settings, tmp_path: Path, kind: str) -> None:
    period, subject, results, next_tasks = KINDS[kind]
    report = replace(make_report(settings), period=period, written=WRITTEN)
    paragraphs = _paragraphs(render_docx(report, settings, tmp_path / "bc.docx"))
    texts = [p.text for p in paragraphs]
    headings = [
        subject,
        results,
        "1. Công tác chỉ đạo, điều hành chung",
        "2. Một số hoạt động chỉ đạo, điều hành nổi bật",
        "3. Số liệu tổng hợp",
        "II. ĐÁNH GIÁ CHUNG",
        next_tasks,
        "IV. KIẾN NGHỊ, ĐỀ XUẤT",
    ]
    _in_order(texts, headings)
    assert all(_bold(paragraphs[texts.index(h)]) for h in headings)
    at = texts.index(next_tasks)
    assert texts[at + 1 : at + 3] == ["- Việc một.", "- Việc hai."]
    assert not _bold(paragraphs[at + 1])
    assert texts[texts.index("IV. KIẾN NGHỊ, ĐỀ XUẤT") + 1] == "Đề nghị bổ sung kinh phí."
    assert "I. HOẠT ĐỘNG CHỈ ĐẠO, ĐIỀU HÀNH CHUNG" not in texts  # the week's structure
    assert not any("{{" in t or "{%" in t or "muc(" in t for t in texts)


def test_a_part_left_out_gives_its_number_to_the_next(settings: Settings, tmp_path: Path) -> None:
    """No highlight: the table is part 2; nothing written: no section after I."""
    report = replace(make_report(settings), period=month_period(2020, 9), highlights=())
    texts = [p.text for p in _paragraphs(render_docx(report, settings, tmp_path / "bc.docx"))]
    assert "2. Số liệu tổng hợp" in texts
    assert not any(t.startswith(("2. Một số", "3. ", "II.", "III.", "IV.")) for t in texts)


def test_the_week_keeps_the_bulletin(settings: Settings, tmp_path: Path) -> None:
    report = replace(make_report(settings), written=WRITTEN)
    texts = [p.text for p in _paragraphs(render_docx(report, settings, tmp_path / "bc.docx"))]
    _in_order(
        texts,
        [
            "Kết quả chỉ đạo, điều hành nổi bật của UBND Thành phố từ ngày 21/9 đến ngày 28/9/2020",
            "I. HOẠT ĐỘNG CHỈ ĐẠO, ĐIỀU HÀNH CHUNG",
            "II. MỘT SỐ HOẠT ĐỘNG CHỈ ĐẠO - ĐIỀU HÀNH NỔI BẬT",
            "III. SỐ LIỆU TỔNG HỢP",
            "IV. ĐÁNH GIÁ CHUNG",
            "V. NHIỆM VỤ TRỌNG TÂM TUẦN TỚI",
            "VI. KIẾN NGHỊ, ĐỀ XUẤT",
        ],
    )


def template_declaring(tmp_path: Path, source: str, tag: str) -> Path:
    """``source`` with a paragraph holding ``tag`` (bold, as a heading) before the loop of the
    other written sections — as a specialist would add it in Word (curly quotes and all)."""
    document = docx.Document(str(PROJECT_ROOT / "templates" / source))
    loop = next(p for p in document.paragraphs if p.text == "{%p for pv in phan_viet %}")
    added = loop.insert_paragraph_before()
    added.add_run(tag).bold = True
    path = tmp_path / f"rieng-{source}"
    document.save(str(path))
    return path


SECURITY = "Tình hình an ninh, trật tự"


def test_a_section_the_template_declares_is_editable_and_printed_when_filled(
    settings: Settings, tmp_path: Path
) -> None:
    template = template_declaring(tmp_path, "bao-cao-thang.docx", f"{{{{ muc(“{SECURITY}”) }}}}")
    s = replace(settings, report=replace(settings.report, template_month=str(template)))
    # the template's sections, in its order, then the settings' (one section for a title in both)
    assert written_titles(s, "month") == (
        "Đánh giá chung", "Nhiệm vụ trọng tâm kỳ tới", "Kiến nghị, đề xuất", SECURITY,
    )  # fmt: skip
    assert written_titles(settings, "week") == settings.report.written_sections
    month = replace(make_report(settings), period=month_period(2020, 9))
    assert [x.title for x in draft_sections(s, month)][-1] == SECURITY  # the page, the CLI

    given = sections_from_text_file(
        f"# Đánh giá chung\nỔn định.\n\n# {SECURITY}\nGiữ vững an ninh.\n- Không để bị động.\n"
    )
    filled = replace(month, written=declared_sections(written_titles(s, "month"), given))
    paragraphs = _paragraphs(render_docx(filled, s, tmp_path / "co.docx", template=template))
    texts = [p.text for p in paragraphs]
    at = texts.index("III. TÌNH HÌNH AN NINH, TRẬT TỰ")  # II is Đánh giá chung; the rest empty
    assert texts[at + 1 : at + 3] == ["Giữ vững an ninh.", "- Không để bị động."]
    assert _bold(paragraphs[at]) and not _bold(paragraphs[at + 1])
    # the heading never ends a page; the section's paragraphs flow across pages
    assert paragraphs[at].paragraph_format.keep_with_next
    assert not paragraphs[at + 1].paragraph_format.keep_with_next
    assert texts.count("III. TÌNH HÌNH AN NINH, TRẬT TỰ") == 1  # not again in phan_viet

    empty = replace(month, written=declared_sections(written_titles(s, "month"), given[:1]))
    document = docx.Document(str(render_docx(empty, s, tmp_path / "khong.docx", template=template)))
    texts = [p.text for p in document.paragraphs]
    assert not any("AN NINH" in t or "muc(" in t for t in texts)
    assert "II. ĐÁNH GIÁ CHUNG" in texts


def test_a_section_in_the_settings_and_the_template_is_one(
    settings: Settings, tmp_path: Path
) -> None:
    template = template_declaring(tmp_path, "bao-cao-tuan.docx", '{{ muc("Kiến nghị,  đề xuất") }}')
    s = replace(settings, report=replace(settings.report, template_docx=str(template)))
    assert written_titles(s, "week") == (
        "Kiến nghị, đề xuất", "Đánh giá chung", "Nhiệm vụ trọng tâm kỳ tới",
    )  # fmt: skip
    given = sections_from_text_file("# Kiến nghị, đề xuất\nĐề nghị A.\n")
    report = replace(
        make_report(settings), written=declared_sections(written_titles(s, "week"), given)
    )
    texts = [p.text for p in _paragraphs(render_docx(report, s, tmp_path / "bc.docx"))]
    assert texts.count("IV. KIẾN NGHỊ, ĐỀ XUẤT") == 1
    assert texts.count("Đề nghị A.") == 1


def test_generate_takes_a_template_declared_section_from_a_file(tmp_path: Path) -> None:
    template = template_declaring(tmp_path, "bao-cao-thang.docx", f'{{{{ muc("{SECURITY}") }}}}')
    (tmp_path / "baocao.toml").write_text(
        f'[paths]\ntemplates = "{PROJECT_ROOT / "templates"}"\n'
        f'[report]\ntemplate_month = "{template}"\n[signer]\nname = "Nguyễn Văn A"\n',
        encoding="utf-8",
    )
    given = tmp_path / "phan-viet.txt"
    given.write_text(f"# {SECURITY}\nGiữ vững an ninh.\n", encoding="utf-8")
    r = run(
        "generate", "--period", "2021-03", "--format", "docx", "--out", str(tmp_path),
        "--sections", str(given), db=f"sqlite:///{tmp_path / 'db.sqlite'}",
        env={"BAOCAO_SETTINGS": str(tmp_path / "baocao.toml")},
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    texts = [p.text for p in docx.Document(r.stdout.strip()).paragraphs]
    at = texts.index("II. TÌNH HÌNH AN NINH, TRẬT TỰ")
    assert texts[at + 1] == "Giữ vững an ninh."


def test_the_sections_a_report_has_are_read_without_compiling_the_template(
    tmp_path: Path,
) -> None:
    """The report knows its written sections from the template's XML alone (no compile on the
    way to the figures); they are the ones the compiled template declares, in its order."""
    from reports.render.docx import load_template
    from reports.render.template_sections import template_section_titles

    shipped = sorted((PROJECT_ROOT / "templates").glob("*.docx"))
    assert len(shipped) >= 5
    mine = template_declaring(
        tmp_path, "bao-cao-thang.docx", f"{{{{ muc(“{SECURITY}”) }}}} {{{{ muc('Khác') }}}}"
    )
    for path in (*shipped, mine):
        assert template_section_titles(path) == load_template(path).sections, path.name
    assert SECURITY in template_section_titles(mine)
    assert template_section_titles(tmp_path / "khong-co.docx") == ()
