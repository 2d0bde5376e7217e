"""What IT reads is Vietnamese: every comment of the baocao.toml that ``baocao init`` writes,
and a TOML syntax error, which names its line and what is wrong."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reports.core.errors import ConfigError
from reports.ops.office import init_office
from reports.settings.load import load_settings

ENGLISH = {
    "the", "is", "are", "of", "and", "to", "for", "when", "this", "that", "with", "or", "by",
    "from", "each", "every", "not", "it", "be", "only", "here", "its", "after", "before",
    "else", "then", "how", "what", "which", "where", "until", "default", "empty", "on", "could",
    "was", "were",
}  # fmt: skip
_EXAMPLE = re.compile(r"^#\s*(\[[\w.-]+\]|[\w-]+\s*=)")  # a commented-out key or table


def _comments(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if _EXAMPLE.match(stripped):
            comment = stripped.split("   #", 1)[1] if "   #" in stripped else ""
        elif stripped.startswith("#"):
            comment = stripped.lstrip("#")
        elif "  # " in line:
            comment = line.split("  # ", 1)[1]
        else:
            continue
        if comment.strip():
            out.append(comment.strip())
    return out


def test_every_comment_of_the_generated_baocao_toml_is_vietnamese(tmp_path: Path) -> None:
    office = init_office(tmp_path / "vp", environ={"XDG_CONFIG_HOME": str(tmp_path / "cfg")})
    comments = _comments(office.settings_file.read_text(encoding="utf-8"))
    assert len(comments) > 60
    english = [
        c
        for c in comments
        if ENGLISH & {w.lower() for w in re.findall(r"(?<![\w@.-])[A-Za-z]+(?![\w@.-])", c)}
    ]
    assert english == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[office]\nname = "VP"\nplace = "Hà Nội\n', "dòng 3"),
        ("[office]\nname = VP\n", "dòng 2"),
        ("[office]\n[office]\n", "dòng 2"),
    ],
    ids=["unclosed string", "bare word", "table twice"],
)
def test_a_toml_syntax_error_names_the_line_in_vietnamese(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = tmp_path / "baocao.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path, environ={})
    message = str(err.value)
    assert problem in message
    assert ENGLISH.isdisjoint(
        w.lower() for w in re.findall(r"(?<![\w@./-])[A-Za-z]+(?![\w@./-])", message)
    ), message


LOGGED_BY = (
    "schedule", "web", "runs", "ops", "approval", "deliver", "produce", "render", "sources",
    "forms", "exchange", "store", "settings", "figures", "compose", "accounts", "core",
)  # fmt: skip
"""The packages whose log lines an operator reads (journalctl -u baocao-scheduler / -web):
every one the services run."""
_LEVELS = {"debug", "info", "warning", "error", "exception", "critical"}


def _log_lines() -> list[tuple[str, str]]:
    """(where, text) of every log call's message in those packages: the literal parts."""
    import ast

    root = Path(__file__).resolve().parent.parent / "reports"
    out = []
    for package in LOGGED_BY:
        for source in sorted((root / package).rglob("*.py")):
            tree = ast.parse(source.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in _LEVELS
                    and node.args
                ):
                    continue
                target = ast.unparse(node.func.value)
                if not (target in ("log", "logger", "_log", "LOG") or target.endswith("logger")):
                    continue
                parts = [
                    n.value
                    for n in ast.walk(node.args[0])
                    if isinstance(n, ast.Constant) and isinstance(n.value, str)
                ]
                where = f"{source.relative_to(root.parent)}:{node.lineno}"
                out.append((where, " ".join(parts)))
    return out


def test_the_log_lines_an_operator_reads_are_vietnamese() -> None:
    lines = _log_lines()
    assert len(lines) > 30  # the scan finds them
    english = [
        (where, text)
        for where, text in lines
        if ENGLISH & {w.lower() for w in re.findall(r"(?<![\w@.'-])[A-Za-z]+(?![\w@.'-])", text)}
    ]
    assert english == []


@pytest.mark.parametrize("name", ["report-format.md", "service.md", "data.md"])
def test_the_docs_for_the_office_and_its_it_staff_are_vietnamese(name: str) -> None:
    """Outside code (fenced blocks, `inline`), no line has an English function word."""
    text = (Path(__file__).resolve().parent.parent / "docs" / name).read_text(encoding="utf-8")
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    english = []
    for line in prose.splitlines():
        words = re.findall(r"(?<![\w@./'-])[A-Za-z]+(?![\w@./'-])", re.sub(r"`[^`]*`", "", line))
        if ENGLISH & {w.lower() for w in words}:
            english.append(line)
    assert english == []
