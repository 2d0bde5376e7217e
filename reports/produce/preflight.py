"""Checks made before any work: a run that would fail at its last step (a mail template missing
or broken) fails at its first, before a report file is written or anyone is mailed."""

from __future__ import annotations

from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from reports.core.errors import TemplateError
from reports.settings.load import Settings

MAIL_TEMPLATES = ("email.txt.j2", "email.html.j2")


def mail_templates(settings: Settings) -> list[Path]:
    """Both mail templates exist in ``paths.templates`` and parse; returns their paths."""
    found = []
    for name in MAIL_TEMPLATES:
        path = settings.templates_dir / name
        if not path.is_file():
            raise TemplateError(
                path,
                "không tìm thấy mẫu thư; chép mẫu đi kèm vào thư mục này "
                "('baocao init THƯ_MỤC' tạo bản sao) hoặc sửa paths.templates",
            )
        try:
            SandboxedEnvironment().parse(path.read_text(encoding="utf-8"), name, str(path))
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(path, f"dòng {exc.lineno}: {exc.message}") from exc
        except UnicodeDecodeError as exc:
            raise TemplateError(path, "phải lưu ở dạng UTF-8") from exc
        found.append(path)
    return found


def word_template(settings: Settings, kind: str = "week") -> Path:
    """The Word template of a period kind loads and passes its checks; returns its path."""
    from reports.render.docx import load_template, template_path

    path = template_path(settings, kind)
    load_template(path)
    return path


def word_templates(settings: Settings) -> list[Path]:
    """Every kind's Word template (``baocao check``), each once."""
    paths: list[Path] = []
    for kind in ("week", "month", "quarter", "half", "year"):
        path = word_template(settings, kind)
        if path not in paths:
            paths.append(path)
    return paths


def templates(settings: Settings, *, mail: bool, kind: str = "week") -> None:
    """The Word template and, when the run mails, the mail templates: before any work."""
    word_template(settings, kind)
    if mail:
        mail_templates(settings)
