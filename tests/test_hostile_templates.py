"""Templates cannot hang a run, eat the memory, or change the figures they print (#13)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from reports.core.errors import TemplateError
from reports.deliver import mail
from reports.render.docx import render_docx
from reports.settings.load import PROJECT_ROOT, Settings
from tests.conftest import make_report
from tests.test_docx import _template_with

HOSTILE = {
    "multiply": ("{{ 'a' * 10**9 }}", "thẻ không an toàn, không được phép"),
    "memory": (
        "{% set ns = namespace(s='a') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}"
        "{% endfor %}{{ ns.s|length }}",
        "điền mẫu cần quá 512 MB bộ nhớ nên đã dừng",
    ),
    "time": (
        "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
        "điền mẫu quá 2 giây nên đã dừng (vòng lặp quá lớn?)",
    ),
    "recursion": (
        "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
        "mẫu gọi lồng nhau quá sâu (macro gọi chính nó?); sửa các macro",
    ),
    "range": ("{{ range(10**10)|list }}", "thẻ dùng số quá lớn"),
    "mutation": ("{{ so_lieu.update({'receptions': 1}) }}", "thẻ không an toàn, không được phép"),
}


WORD = {
    **HOSTILE,
    # The Word template is checked before it is filled (render/template_check.py): names it
    # does not offer (range, namespace) and tags it does not know (macro) are refused there,
    # so the limits of the child process are reached with what a Word template may write.
    "memory": (
        "{% for i in 'x' * 99999 %}{{ 'a' * 99999 }}{% endfor %}",
        "điền mẫu cần quá 512 MB bộ nhớ nên đã dừng",
    ),
    "time": (
        "{% for i in 'x' * 99999 %}{% for j in 'x' * 99999 %}{% endfor %}{% endfor %}",
        "điền mẫu quá 2 giây nên đã dừng (vòng lặp quá lớn?)",
    ),
    "recursion": (
        "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
        "4 lỗi, sửa tất cả rồi chạy lại:\n1. thẻ không biết “{% macro f() %}”",
    ),
    "range": (
        "{{ range(10**10)|list }}",
        "2 lỗi, sửa tất cả rồi chạy lại:\n1. biến không tồn tại: range",
    ),
    # so_lieu.update is refused by the template check (so_lieu has no field "update"): a
    # list, whose items the check does not name, still reaches the immutable sandbox
    "mutation": ("{{ linh_vuc.append(1) }}", "thẻ không an toàn, không được phép"),
}


def _limited(settings: Settings, case: str) -> Settings:
    # only the case about time gets a short limit: the others must not depend on speed
    return replace(
        settings, template_timeout_s=2.0 if case == "time" else 60.0, template_memory_mb=512
    )


@pytest.mark.parametrize("case", list(WORD))
def test_a_hostile_word_template_is_a_template_error(
    settings: Settings, tmp_path: Path, case: str
) -> None:
    tag, problem = WORD[case]
    template = _template_with(tmp_path, "{{ chu_the }}", tag)
    out = tmp_path / "out" / "x.docx"
    with pytest.raises(TemplateError) as err:
        render_docx(make_report(settings), _limited(settings, case), out, template=template)
    assert str(err.value).startswith(f"Mẫu báo cáo {template}: {problem}"), str(err.value)
    assert err.value.exit_code == 5
    assert not out.exists()
    # and the next report renders as usual (a new child replaced a killed one)
    render_docx(make_report(settings), settings, out)
    assert out.exists()


@pytest.mark.parametrize("case", ["multiply", "memory", "time", "mutation"])
def test_a_hostile_mail_template_is_a_template_error(
    settings: Settings, tmp_path: Path, case: str
) -> None:
    tag, problem = HOSTILE[case]
    templates = tmp_path / "templates"
    shutil.copytree(PROJECT_ROOT / "templates", templates)
    body = templates / "email.txt.j2"
    body.write_text(body.read_text(encoding="utf-8") + tag + "\n", encoding="utf-8")
    report = make_report(settings)
    with pytest.raises(TemplateError) as err:
        mail.build_message(
            replace(_limited(settings, case), templates_dir=templates),
            recipient="a@b.vn",
            period=report.period,
            figures=report.figures.current,
            previous=report.figures.previous,
            files=[],
        )
    assert str(err.value).startswith(f"Mẫu báo cáo {templates / 'email.*.j2'}: "), str(err.value)
    assert problem in str(err.value)


def test_data_that_looks_like_template_marks_is_printed_as_it_is(
    settings: Settings, tmp_path: Path
) -> None:
    import docx

    report = replace(make_report(settings), subject="Thẻ {_{ x }_} và {_% y %_}")
    out = tmp_path / "x.docx"
    render_docx(report, settings, out)
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert "Thẻ {_{ x }_} và {_% y %_}" in text


def test_the_template_limits_are_settings(tmp_path: Path) -> None:
    from reports.core.errors import ConfigError
    from reports.settings.load import settings_from_mapping

    s = settings_from_mapping({"template": {"timeout_s": 5, "memory_mb": 300}}, tmp_path, {})
    assert (s.template_timeout_s, s.template_memory_mb) == (5.0, 300)
    with pytest.raises(ConfigError) as err:
        settings_from_mapping({"template": {"memory_mb": 10}}, tmp_path, {})
    assert str(err.value) == "Cấu hình template.memory_mb: phải là số MB, ít nhất 256, nhận được 10"
