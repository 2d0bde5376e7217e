"""Click's own words (usage errors, help headings) in Vietnamese.

Click looks every message up through :func:`gettext.gettext` bound in its modules; binding a
lookup in this catalog there instead translates them all, including those :func:`_click_message`
in ``app.py`` does not reword. Messages end without a full stop: ``app.py`` adds one.
"""

from __future__ import annotations

import sys

CATALOG = {
    "No such command {name!r}.": "không có lệnh {name!r}",
    "No such option {name!r}.": "không có tùy chọn {name!r}",
    "Missing command.": "thiếu lệnh (xem danh sách bằng --help)",
    "Missing argument": "thiếu đối số",
    "Missing option": "thiếu tùy chọn",
    "Missing parameter": "thiếu tham số",
    "Missing parameter: {param_name}": "thiếu tham số: {param_name}",
    "Missing {param_type}": "thiếu {param_type}",
    "argument": "đối số",
    "option": "tùy chọn",
    "parameter": "tham số",
    "Option {name!r} requires an argument.": "tùy chọn {name} cần một giá trị",
    "Option {name!r} requires {nargs} arguments.": "tùy chọn {name} cần {nargs} giá trị",
    "Option {name!r} does not take a value.": "tùy chọn {name} không nhận giá trị",
    "Got unexpected extra argument ({args})": "thừa đối số ({args})",
    "Got unexpected extra arguments ({args})": "thừa các đối số ({args})",
    "Did you mean {possibility}?": "Có phải ý bạn là {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Có phải ý bạn là một trong: {possibilities}?)",
    "Invalid value for {param_hint}: {message}": "giá trị không hợp lệ cho {param_hint}: {message}",
    "Invalid value: {message}": "giá trị không hợp lệ: {message}",
    "{value!r} is not a valid {number_type}.": "{value!r} không phải là số hợp lệ",
    "{value!r} is not a valid UUID.": "{value!r} không phải là UUID hợp lệ",
    "{value} is not in the range {range}.": "{value} nằm ngoài khoảng {range}",
    "{value!r} is not {choice}.": "{value!r} không phải là {choice}",
    "{value!r} is not one of {choices}.": "{value!r} không thuộc {choices}",
    "{value!r} is not a valid boolean. Recognized values: {states}": (
        "{value!r} không phải là true/false; nhận: {states}"
    ),
    "{value!r} does not match the format {format}.": "{value!r} không đúng dạng {format}",
    "{value!r} does not match the formats {formats}.": "{value!r} không đúng các dạng {formats}",
    "{name} {filename!r} does not exist.": "{name} {filename!r} không tồn tại",
    "{name} {filename!r} is a file.": "{name} {filename!r} là một tệp, cần thư mục",
    "{name} {filename!r} is a directory.": "{name} {filename!r} là một thư mục, cần tệp",
    "{name} {filename!r} is not readable.": "không đọc được {name} {filename!r}",
    "{name} {filename!r} is not writable.": "không ghi được {name} {filename!r}",
    "{name} {filename!r} is not executable.": "không chạy được {name} {filename!r}",
    "file": "tệp",
    "directory": "thư mục",
    "path": "đường dẫn",
    "Could not open file {filename!r}: {message}": "không mở được tệp {filename!r}: {message}",
    "Takes {nargs} values but 1 was given.": "cần {nargs} giá trị, nhận được 1",
    "Takes {nargs} values but {len} were given.": "cần {nargs} giá trị, nhận được {len}",
    "Try '{command} {option}' for help.": "Xem '{command} {option}'.",
    "Error: {message}": "Lỗi: {message}",
    "Aborted!": "Đã dừng.",
    "Usage:": "Cách dùng:",
    "Options": "Tùy chọn",
    "Commands": "Lệnh",
    "Positional arguments": "Đối số",
    "Show this message and exit.": "Hiện trợ giúp này rồi thoát.",
    "Show the version and exit.": "Hiện phiên bản rồi thoát.",
    "%(prog)s, version %(version)s": "%(prog)s, phiên bản %(version)s",
    "default: {default}": "mặc định: {default}",
    "env var: {var}": "biến môi trường: {var}",
    "required": "bắt buộc",
}


def gettext(message: str) -> str:
    return CATALOG.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


def install() -> None:
    """Bind the catalog in every loaded click module that looks its messages up."""
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "click" or name.startswith("click.")):
            continue
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]
