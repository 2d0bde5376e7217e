"""What to do next, in the page's words: the page's half of :class:`reports.core.errors.Step`
(the CLI's is :mod:`reports.cli.steps`). A core message says what was wrong and where; the page
adds what to click here, never a command or an option of the CLI."""

from __future__ import annotations

from collections.abc import Mapping

from reports.core.errors import BaocaoError, Said, Step
from reports.settings.load import Settings

PAGE_STEPS: dict[Step, str] = {
    Step.REDRAFT: (
        "Bản dự thảo đang chờ ở trang Duyệt báo cáo. Muốn tạo lại: ở Lịch gửi, chọn "
        "«Gửi lại dù kỳ này đã gửi» rồi bấm Chạy ngay."
    ),
    Step.RESEND: (
        "Muốn gửi lại cho mọi người nhận: ở Lịch gửi, chọn «Gửi lại dù kỳ này đã gửi» rồi bấm "
        "Chạy ngay; gửi lại cho một người: nút Gửi lại ở Lịch sử."
    ),
    Step.RERUN: (
        "Chạy lại kỳ này: ở Lịch gửi, chọn kỳ, chọn «Gửi lại dù kỳ này đã gửi» rồi bấm Chạy ngay."
    ),
    Step.RUN_AGAIN: "Sửa xong thì bấm Chạy ngay ở Lịch gửi cho kỳ này.",
    Step.AFTER_IMPORT: (
        "Tải dữ liệu lên ở trang Nhập dữ liệu, rồi bấm Chạy ngay ở Lịch gửi cho kỳ này."
    ),
    Step.ACCEPT_UNKNOWN_UNITS: (
        "Tải tệp units.csv có các đơn vị này lên trước rồi bấm Nhập lại, hoặc đánh dấu «Vẫn "
        "nhập, ghi nhận các mã đơn vị chưa có trong danh mục» rồi bấm Nhập."
    ),
    Step.SKIP_INVALID: (
        "Hoặc nhập các dòng hợp lệ (nút «Nhập các dòng hợp lệ» sau khi tải lên) rồi tải về các "
        "dòng bị loại."
    ),
    Step.MAP_COLUMNS: (
        "Hoặc chọn một «Ánh xạ cột» khi tải lên (quản trị thêm ánh xạ cho văn phòng)."
    ),
    Step.ENCODING: "",
    Step.NAME_BY_KIND: "Hoặc chọn «Loại bản ghi» khi tải lên.",
    Step.PICK_UNIT: "Chọn đơn vị trong danh sách, hoặc tải tệp units.csv lên trang Nhập dữ liệu.",
    Step.PICK_JOB: "Xem các công việc ở trang Lịch gửi.",
    Step.CHECK_OFFICE: "Báo bộ phận CNTT kiểm tra LibreOffice trên máy chủ.",
    Step.SEE_DRAFTS: "Xem trang Duyệt báo cáo.",
    Step.SEE_RUNS: "Xem trang Lịch sử.",
    Step.SEE_USERS: "Xem trang Người dùng.",
    Step.SEE_FORMS: "Chọn biểu trong danh sách.",
    Step.DECIDE: "Duyệt hoặc trả lại ở trang Duyệt báo cáo.",
    Step.SEND_ON: "Gửi tiếp những người còn lại: bấm Duyệt… ở văn bản này lần nữa.",
    Step.REPLACE: (
        "Để sửa, ban hành văn bản thay thế: ở Lịch gửi, chọn kỳ này, chọn «Gửi lại dù kỳ này "
        "đã gửi» rồi bấm Chạy ngay."
    ),
    Step.PREVIEW: "Xem trước ở trang Báo cáo (số liệu đến hôm nay).",
    Step.COMMENT: "Ghi điều cần sửa vào ô Ý kiến rồi bấm Trả lại.",
    Step.SIGN: ("Bấm «Ký số» ở cuối văn bản (cắm USB ký số; cần dịch vụ ký số VGCA trên máy này)."),
}


def page_words(
    text: str, step: Step | str | None = None, args: Mapping[str, str] | None = None
) -> str:
    """``text`` (a core message) and what to do next on the page."""
    if not step:
        return text
    words = PAGE_STEPS[Step(step)].format(**(args or {}))
    if not words:
        return text
    return f"{text}{chr(10) if chr(10) in text + words else ' '}{words}"


def say(thing: BaocaoError | Said | BaseException | None) -> str:
    """What the page shows for a core error or message: no CLI command, option or server path."""
    if thing is None:
        return ""
    if isinstance(thing, BaocaoError):  # a ConfigError's: without the settings file's place
        said = thing.said
    elif isinstance(thing, Said):
        said = thing
    else:
        said = Said(str(thing))
    return page_words(said.text, said.step, said.step_args)


def without_server_paths(text: str | None, settings: Settings) -> str:
    """A stored text (a run's error, a delivery's last error) as the page shows it: the settings
    file by its name, the office folder's files by their place in it — never the server's
    folders (the CLI and the log keep the whole path)."""
    if not text:
        return ""
    if settings.source is not None:
        text = text.replace(str(settings.source), settings.source.name)
    base = str(settings.base_dir).rstrip("/") + "/"
    return text.replace(base, "") if base != "/" else text
