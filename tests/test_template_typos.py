"""A template with several names spelt wrong is refused once, naming every one of them with the
paragraph it is in and the valid names nearest to it — by ``baocao generate`` (nothing written)
and by ``baocao check`` (issue 19)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from reports.render.template_check import paragraphs
from reports.settings.load import PROJECT_ROOT
from tests.conftest import edited_template
from tests.test_cli import run

TYPOS = (
    ("{{ chu_the }}", "{{ chu_thee }}"),
    ("{{ so_lieu.receptions|so }}", "{{ so_van_ban_chi_dao|so }}"),
    ("{{ so_lieu.directives_approved|so }}", "{{ so_lieu.directives_aproved|so }}"),
)


def _broken_month(tmp_path: Path) -> Path:
    def edit(text: str) -> str:
        for old, new in TYPOS:
            assert old in text
            text = text.replace(old, new, 1)
        return text

    return edited_template(tmp_path / "mau-thang.docx", edit, "bao-cao-thang.docx")


def _where(template: Path, tag: str) -> str:
    with zipfile.ZipFile(template) as z:
        found = paragraphs("word/document.xml", z.read("word/document.xml"))
    return next(p for p in found if tag in p.text).where()


def test_every_misspelt_name_at_once_with_its_paragraph_and_the_nearest(tmp_path: Path) -> None:
    template = _broken_month(tmp_path)
    (tmp_path / "baocao.toml").write_text(
        f'[paths]\ntemplates = "{PROJECT_ROOT / "templates"}"\noutput = "{tmp_path / "out"}"\n'
        f'[report]\ntemplate_month = "{template}"\n[signer]\nname = "Nguyễn Văn A"\n',
        encoding="utf-8",
    )
    env = {"BAOCAO_SETTINGS": str(tmp_path / "baocao.toml")}
    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    problem = (
        f"Mẫu báo cáo {template}: 3 lỗi, sửa tất cả rồi chạy lại:\n"
        f"1. biến không tồn tại: chu_thee (thẻ “{{{{ chu_thee }}}}”, ở "
        f"{_where(template, '{{ chu_thee }}')}); tên gần giống: chu_the\n"
        f"2. biến không tồn tại: so_van_ban_chi_dao (thẻ “{{{{ so_van_ban_chi_dao|so }}}}”, ở "
        f"{_where(template, 'so_van_ban_chi_dao')}); tên gần giống: so_van_ban\n"
        f"3. trường không tồn tại: so_lieu.directives_aproved "
        f"(thẻ “{{{{ so_lieu.directives_aproved|so }}}}”, ở "
        f"{_where(template, 'directives_aproved')}); tên gần giống: "
        "so_lieu.directives_approved"
    )
    assert "đoạn" in problem and "“Kết quả chỉ đạo, điều hành của {{ chu_thee }}" in problem

    r = run("generate", "--period", "2020-09", "--format", "docx", db=db, env=env)
    assert r.stderr == f"Lỗi: {problem}\n"
    assert r.returncode == 5  # template or rendering (README: exit codes)
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.docx"))

    r = run("check", db=db, env=env)
    assert r.returncode == 1
    first, *more = problem.split("\n")
    assert "\n".join([f"✘ Mẫu Word: {first}", *(f"    {line}" for line in more)]) in r.stdout
