"""Template errors in the words of the office: the tag or paragraph where a mistake is, and
Jinja's message for the usual mistakes in Vietnamese (split from :mod:`reports.render.docx`)."""

from __future__ import annotations

import re


def line_text(xml: str, lineno: int | None, limit: int = 160) -> str:
    if not lineno:
        return ""
    lines = xml.splitlines()
    text = re.sub(r"<[^>]+>", "", lines[lineno - 1]) if 0 < lineno <= len(lines) else ""
    return " ".join(text.split())[:limit]


TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)


def tags_naming(text: str, names: list[str]) -> str:
    """The tags in ``text`` that mention one of ``names`` (all tags if none does)."""
    tags = [" ".join(tag.split()) for tag in TAG.findall(text)]
    chosen = [t for t in tags if any(re.search(rf"\b{re.escape(n)}\b", t) for n in names)]
    if chosen:
        return ", ".join(chosen)
    return f"trong đoạn “{text[:160]}”"


def runtime_place(exc: BaseException, source: str) -> str:
    """Where a render-time error happened: the tag (or paragraph text) of the template line.

    Jinja rewrites tracebacks so that the template's own frames carry the template line;
    paragraphs start on their own line (see ``_compile``), so the line is one paragraph.
    """
    lineno = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            lineno = tb.tb_lineno
        tb = tb.tb_next
    text = line_text(source, lineno, limit=len(source))
    names = re.findall(r"'([^']+)'", str(exc))
    return tags_naming(text, names) if text else "(không xác định được dòng)"


JINJA_SAYS = (
    (re.compile(r"^'[^']+' has no attribute '([^']+)'$"), "không có trường “{0}”"),
    (re.compile(r"^'[^']+' object has no attribute '([^']+)'$"), "không có trường “{0}”"),
    (re.compile(r"^'([^']+)' is undefined$"), "“{0}” không có giá trị"),
    (
        re.compile(r"^access to attribute '([^']+)' of '([^']+)' object is unsafe\.?$"),
        "không được dùng thuộc tính “{0}” của giá trị kiểu {1}",
    ),
)


def in_vietnamese(exc: BaseException) -> str:
    """Jinja's message for the usual mistakes in Vietnamese; others as they are."""
    text = str(exc)
    for pattern, words in JINJA_SAYS:
        match = pattern.match(text)
        if match:
            return words.format(*match.groups())
    return text


def all_errors(errors: list[str]) -> str:
    """One mistake as it is; several as a numbered list, all from one run."""
    if len(errors) == 1:
        return errors[0]
    lines = "\n".join(f"{i}. {e}" for i, e in enumerate(errors, start=1))
    return f"{len(errors)} lỗi, sửa tất cả rồi chạy lại:\n{lines}"
