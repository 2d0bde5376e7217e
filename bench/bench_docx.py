"""Word rendering speed: ours against the zipfile floor, docxtpl and python-docx.

    python bench/bench_docx.py [--runs 30]

All render the same report (the reference week's figures) from the default template.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from timing import median_ms  # noqa: E402  (bench/ is on sys.path when run as a script)

from reports.render.docx import (  # noqa: E402
    _cached,
    _environment,
    render_docx,
    template_context,
)
from reports.settings.load import load_settings  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    from conftest import make_report  # tests/conftest.py: the reference week without a database

    settings = load_settings(environ={})
    report = make_report(settings)
    template = settings.templates_dir / settings.report.template_docx
    out = Path(tempfile.mkdtemp()) / "bc.docx"
    ours = median_ms(lambda: render_docx(report, settings, out), args.runs)

    def first_render() -> None:  # a new process: patch and compile the template, then render
        _cached.cache_clear()
        render_docx(report, settings, out)

    first_ms = median_ms(first_render, max(5, args.runs // 3))
    with zipfile.ZipFile(out) as z:
        members = [(i, z.read(i)) for i in z.infolist()]

    def floor() -> None:
        # The same members, XML already rendered, same compression as ours: nothing left to do
        # but zip and write.
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
            for info, data in members:
                zout.writestr(info, data)
        out.with_suffix(".floor.docx").write_bytes(buf.getvalue())

    floor_ms = median_ms(floor, args.runs)
    context = template_context(report)

    def docxtpl() -> None:
        from docxtpl import DocxTemplate

        tpl = DocxTemplate(str(template))
        tpl.render(context, jinja_env=_environment())
        tpl.save(str(out.with_suffix(".docxtpl.docx")))

    docxtpl_ms = median_ms(docxtpl, max(5, args.runs // 3))

    def python_docx() -> None:
        import docx

        document = docx.Document(str(out))
        document.save(str(out.with_suffix(".python-docx.docx")))

    python_docx_ms = median_ms(python_docx, max(5, args.runs // 3))

    sys.path.insert(0, str(ROOT / "templates"))
    from make_template import build  # the same layout built with python-docx

    built = out.parent / "built" / "bao-cao-tuan.docx"  # build() picks the layout by name
    built.parent.mkdir(exist_ok=True)
    python_docx_build_ms = median_ms(lambda: build(built), max(5, args.runs // 3))
    print(f"zipfile floor (pre-built XML)   {floor_ms:7.1f} ms")
    print(
        f"baocao render_docx               {ours:7.1f} ms  = {ours / floor_ms:.2f}x the floor (target <= 2x)"
    )
    print(f"baocao first render (compile)    {first_ms:7.1f} ms  = {first_ms / floor_ms:.2f}x")
    print(f"docxtpl render + save            {docxtpl_ms:7.1f} ms  = {docxtpl_ms / floor_ms:.2f}x")
    print(
        f"python-docx open + save only     {python_docx_ms:7.1f} ms  = {python_docx_ms / floor_ms:.2f}x"
    )
    print(
        f"python-docx build of the layout  {python_docx_build_ms:7.1f} ms  = {python_docx_build_ms / floor_ms:.2f}x"
    )


if __name__ == "__main__":
    main()
