"""What to do next, in the CLI's words: the terminal's half of
:class:`reports.core.errors.Step` (the page's is :mod:`reports.web.steps`)."""

from __future__ import annotations

from reports.core.errors import BaocaoError, Said, Step

CLI_STEPS: dict[Step, str] = {
    Step.REDRAFT: "Dùng --force để tạo lại.",
    Step.RESEND: "Dùng --force để gửi lại.",
    Step.RERUN: ("Chạy lại công việc: baocao jobs run {job} --from {start} --to {end} --force"),
    Step.RUN_AGAIN: "\nChạy lại: {command}",
    Step.AFTER_IMPORT: (
        "Sau khi nhập dữ liệu, chạy lại: {command}\nGửi dù số liệu bằng 0: {command} --send-empty"
    ),
    Step.ACCEPT_UNKNOWN_UNITS: "Hoặc dùng --accept-unknown-units để nhập và liệt kê chúng.",
    Step.SKIP_INVALID: (
        "Hoặc dùng --skip-invalid để nhập các dòng hợp lệ và ghi các dòng bị loại ra tệp bên cạnh."
    ),
    Step.MAP_COLUMNS: "Hoặc dùng --mapping để chỉ rõ cột nào là cột nào.",
    Step.ENCODING: "Hoặc chỉ rõ bảng mã bằng --encoding cp1258.",
    Step.NAME_BY_KIND: "Hoặc dùng --kind ({kinds}).",
    Step.PICK_UNIT: "Xem danh sách bằng 'baocao units' hoặc nhập tệp units.csv.",
    Step.PICK_JOB: "Xem danh sách bằng 'baocao jobs list'.",
    Step.CHECK_OFFICE: "Kiểm tra LibreOffice bằng `baocao check`.",
    Step.SEE_DRAFTS: "Xem các bản chờ duyệt bằng 'baocao drafts'.",
    Step.SEE_RUNS: "Xem 'baocao runs'.",
    Step.SEE_USERS: "Xem 'baocao users list'.",
    Step.SEE_FORMS: "Xem 'baocao forms list'.",
    Step.DECIDE: 'Duyệt: baocao approve {run}; trả lại: baocao return {run} --comment "…"',
    Step.SEND_ON: "Gửi tiếp những người còn lại: baocao approve {run}",
    Step.REPLACE: (
        "Để sửa, ban hành văn bản thay thế: baocao jobs run {job} --from {start} --to {end} --force"
    ),
    Step.PREVIEW: "Xem trước bằng 'baocao generate' (ghi rõ số liệu đến ngày nào).",
    Step.COMMENT: 'Ghi ý kiến: --comment "điều cần sửa".',
    Step.SIGN: (
        "Tải {pdf}, ký bằng công cụ ký số của cơ quan, rồi gửi lại: baocao sign {run} TEP_DA_KY.pdf"
    ),
}


def cli_words(thing: BaocaoError | Said) -> str:
    """A core error or message and what to do next on the command line."""
    if isinstance(thing, BaocaoError):  # the whole message (a setting's file included)
        said = Said(str(thing), thing.step, dict(thing.step_args))
    else:
        said = thing
    if said.step is None:
        return said.text
    words = CLI_STEPS[said.step].format(**said.step_args)
    if words.startswith("\n"):  # on a line of its own
        return said.text + words
    return f"{said.text}{chr(10) if chr(10) in said.text + words else ' '}{words}"
