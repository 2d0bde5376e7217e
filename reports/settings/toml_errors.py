"""tomllib's syntax errors in Vietnamese: the line and column, what is wrong, and the fix."""

from __future__ import annotations

import re

_WHERE = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$")

_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), words)
    for pattern, words in (
        (r"^Illegal character '\\n'", "chuỗi chưa đóng ngoặc kép trước khi hết dòng"),
        (r"^Illegal character (.+)", "ký tự không được phép {0}"),
        (r"^Unterminated string", "chuỗi chưa đóng ngoặc kép"),
        (r"^Invalid value", 'giá trị không hợp lệ (chuỗi phải trong ngoặc kép: "…")'),
        (r"^Cannot declare (.+) twice", "bảng {0} được khai báo hai lần"),
        (r"^Cannot overwrite a value", "khóa này đã có giá trị ở trên (khóa ghi hai lần)"),
        (r"^Expected '=' after a key", "thiếu dấu = sau tên khóa"),
        (r"^Expected '\]' at the end of a table", "thiếu dấu ] ở cuối tên bảng"),
        (r"^Expected '\]\]' at the end of an array", "thiếu ]] ở cuối tên bảng"),
        (r"^Invalid date or datetime", "ngày giờ không hợp lệ"),
        (r"^Invalid initial character for a key part", "tên khóa bắt đầu bằng ký tự không hợp lệ"),
        (r"^Invalid statement", "dòng không phải khóa = giá trị, cũng không phải [bảng]"),
        (r"^Unclosed array", "danh sách chưa đóng dấu ]"),
        (r"^Unclosed inline table", "bảng trên một dòng chưa đóng dấu }"),
        (
            r"^Unescaped '\\\\' in a string",
            "dấu \\ trong chuỗi phải viết \\\\ (hoặc dùng dấu nháy đơn)",
        ),
        (r"^Duplicate inline table key (.+)", "khóa {0} ghi hai lần"),
        (r"^Cannot (?:mutate|redefine) \w+ namespace (.+)", "bảng {0} được khai báo lại"),
        (r"^Found invalid character (.+)", "ký tự không hợp lệ {0}"),
    )
)


def toml_error_words(message: str) -> str:
    """``Invalid value (at line 2, column 8)`` → ``dòng 2, cột 8: giá trị không hợp lệ …``."""
    where = _WHERE.search(message)
    text = message[: where.start()] if where else message
    place = ""
    if where:
        place = f"dòng {where.group(1)}, cột {where.group(2)}: " if where.group(1) else "cuối tệp: "
    for pattern, words in _MESSAGES:
        match = pattern.match(text)
        if match:
            return place + words.format(*match.groups())
    return f"{place}cú pháp TOML sai ({text})"
