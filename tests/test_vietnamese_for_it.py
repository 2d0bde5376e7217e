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
    "else", "then", "how", "what", "which", "where", "until", "default", "empty",
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
