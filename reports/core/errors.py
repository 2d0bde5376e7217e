"""The one family of errors the core raises.

Every error builds its (Vietnamese, user-facing) message from its arguments and says what was
wrong, where, and what to do. ``reports.cli`` turns any :class:`BaocaoError` into ``Lỗi: …`` and a
non-zero exit; nothing else reaches the user.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Self

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _visible(text: str) -> str:
    """A cell's value with control characters shown (``\\x1b``), never obeyed where printed."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _number(value: int) -> str:
    """``1406`` → ``1.406``: the Vietnamese grouping, without importing the words module."""
    return f"{value:,}".replace(",", ".")


class Step(StrEnum):
    """The next step a message leads to, named once in the core and worded by each door: the
    CLI as its command or option (``reports.cli.steps``), the page as what to click there
    (``reports.web.steps``). A message with a step says what was wrong and where, in words
    true on every door; the door adds what to do. Its arguments (``step_args``) fill the
    door's words."""

    REDRAFT = "redraft"
    """A draft of the period waits for approval: make a new one anyway."""
    RESEND = "resend"
    """The period was sent already: send it again to everyone."""
    RERUN = "rerun"
    """The files sent are gone: run the job again for the period (job, start, end)."""
    RUN_AGAIN = "run-again"
    """A run failed: run it again once fixed (command: the CLI's, as pasted into a shell)."""
    AFTER_IMPORT = "after-import"
    """All figures are 0: import the data, then run again, or send anyway (job, start, end)."""
    ACCEPT_UNKNOWN_UNITS = "accept-unknown-units"
    """Rows name units not in the units table."""
    SKIP_INVALID = "skip-invalid"
    """Some rows are invalid: import the valid ones and keep the rest apart."""
    MAP_COLUMNS = "map-columns"
    """The columns are not the ones expected: say which is which."""
    ENCODING = "encoding"
    """A CSV file is not UTF-8."""
    NAME_BY_KIND = "name-by-kind"
    """A file's kind cannot be told from its name."""
    PICK_UNIT = "pick-unit"
    """No such unit (code)."""
    PICK_JOB = "pick-job"
    """No such job."""
    CHECK_OFFICE = "check-office"
    """LibreOffice on the server failed."""
    SEE_DRAFTS = "see-drafts"
    """Look at the drafts waiting (the newest one)."""
    SEE_RUNS = "see-runs"
    """Look at the runs and their outcome."""
    SEE_USERS = "see-users"
    """Look at the users."""
    SEE_FORMS = "see-forms"
    """Look at the official forms there are."""
    DECIDE = "decide"
    """A draft waits: approve it or return it (run)."""
    SEND_ON = "send-on"
    """Some recipients were not reached: send on to them (run)."""
    REPLACE = "replace"
    """An issued document is changed by a replacing one (job, start, end)."""
    PREVIEW = "preview"
    """A period still running may be previewed, not sent."""
    COMMENT = "comment"
    """Returning a draft needs a comment."""
    SIGN = "sign"
    """An approved document waits for its signed PDF (pdf: the file to sign, run: the run)."""


@dataclass(frozen=True)
class Said:
    """A message for a person (door-neutral) and the next step it leads to, if any."""

    text: str
    step: Step | None = None
    step_args: Mapping[str, str] = field(default_factory=dict)


class BaocaoError(Exception):
    """Base class: a problem the user can fix, with a message that says how."""

    exit_code = 1
    step: Step | None = None
    """Set by :meth:`leads_to`: the message says the problem, each door adds what to do."""
    step_args: Mapping[str, str] = {}

    def leads_to(self, step: Step, **args: str) -> Self:
        """This error, its next step named for the doors to word."""
        self.step = step
        self.step_args = args
        return self

    @property
    def said(self) -> Said:
        return Said(str(self), self.step, dict(self.step_args))


class ConfigError(BaocaoError):
    """A setting is missing or has a bad value."""

    exit_code = 2

    def __init__(self, setting: str, problem: str, source: str | Path | None = None) -> None:
        self.setting = setting
        self.problem = problem
        self.source = str(source) if source else None
        where = f" ({self.source})" if self.source else ""
        super().__init__(f"Cấu hình {setting}{where}: {problem}")

    @property
    def said(self) -> Said:
        """Without the settings file's place: the setting's name is what a reader acts on
        (the CLI prints the whole message, file included)."""
        return Said(f"Cấu hình {self.setting}: {self.problem}", self.step, dict(self.step_args))


class UsageError(BaocaoError):
    """A command-line value the core cannot use (a date, a period, a format)."""

    exit_code = 2


@dataclass(frozen=True)
class RowProblem:
    """One invalid cell of an import file, numbered as a spreadsheet shows it."""

    file: str
    row: int
    column: str
    problem: str
    value: str | None = None

    def __str__(self) -> str:
        value = self.value
        if value is not None:
            value = _visible(value[:200] + ("…" if len(value) > 200 else ""))
        shown = f" ({value})" if value not in (None, "") else ""
        return f"{self.file}:{self.row}:{self.column}: {self.problem}{shown}"


class DataImportError(BaocaoError):
    """An import file could not be imported; nothing from it was stored."""

    exit_code = 3


class InvalidRowsError(DataImportError):
    """Some rows are invalid: the whole file is rejected and every bad row is listed."""

    def __init__(
        self,
        file: str,
        problems: Sequence[RowProblem],
        total_rows: int,
        *,
        more: int = 0,
        bad_rows: int | None = None,
    ) -> None:
        self.file = file
        self.problems = list(problems)
        self.total_rows = total_rows
        self.more = more
        """Problems found but not listed (the list is capped to keep the message readable)."""
        if bad_rows is None:
            bad_rows = len({(p.file, p.row) for p in self.problems})
        lines = [
            f"{file}: {_number(bad_rows)} dòng không hợp lệ trên {_number(total_rows)} dòng; "
            "chưa nhập dòng nào của tệp này.",
            *(str(p) for p in self.problems),
            *([f"… và {_number(more)} lỗi khác."] if more else []),
            "Sửa các ô trên rồi nhập lại.",
        ]
        super().__init__("\n".join(lines))
        self.leads_to(Step.SKIP_INVALID)


class UnknownUnitsError(InvalidRowsError):
    """Unit codes not in the units table: the import is refused unless it accepts them
    (``--accept-unknown-units``, or the page's checkbox), each code at its first row."""

    @property
    def codes(self) -> list[str]:
        """The unknown codes, each once, in the order met."""
        return list(dict.fromkeys(str(p.value) for p in self.problems))


class FileFormatError(DataImportError):
    """The file itself cannot be read: wrong type, encoding, missing columns."""

    def __init__(self, file: str, problem: str, hint: str = "") -> None:
        self.file = file
        self.problem = problem
        self.hint = hint
        message = f"{file}: {problem}"
        if hint:
            message += f"\n{hint}"
        super().__init__(message)

    def __reduce__(
        self,
    ) -> tuple[type[FileFormatError], tuple[str, str, str], dict[str, object]]:
        # Raised in the import's reading process, re-raised in the one that writes.
        return (FileFormatError, (self.file, self.problem, self.hint), self.__dict__)


class StoreError(BaocaoError):
    """The database cannot be reached, or is not at the schema this version needs."""

    exit_code = 4


class SchedulerStopped(StoreError):
    """The scheduler cannot go on (a database error outlasted its retries): it exits non-zero
    so that the service manager restarts it."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(
            f"Bộ lập lịch dừng vì không thể tiếp tục: {reason}. Đã báo người phụ trách; dịch vụ "
            "(systemd Restart=on-failure) sẽ khởi động lại và chạy bù các lần đã lỡ."
        )


class TemplateError(BaocaoError):
    """A report template is broken, unsafe, or names a variable that does not exist."""

    exit_code = 5

    def __init__(self, template: str | Path, problem: str) -> None:
        self.template = str(template)
        self.problem = problem
        super().__init__(f"Mẫu báo cáo {self.template}: {problem}")

    def __reduce__(self) -> tuple[type[TemplateError], tuple[str, str]]:
        # Raised in the process that fills templates, re-raised in the one that asked.
        return (TemplateError, (self.template, self.problem))


class RenderError(BaocaoError):
    """A report file could not be written (PDF conversion, disk)."""

    exit_code = 5


class BusyError(RenderError):
    """Heavy work (a conversion to PDF) waited in line past its limit: try again later."""


class DeliveryError(BaocaoError):
    """Mail could not be delivered."""

    exit_code = 6

    def __init__(self, problem: str, *, permanent: bool = False) -> None:
        self.problem = problem
        self.permanent = permanent
        super().__init__(problem)


class JobError(BaocaoError):
    """A job file is invalid or a job cannot be found."""

    exit_code = 2


class ApprovalError(BaocaoError):
    """A draft cannot be approved or returned in its current state (or does not exist)."""

    exit_code = 7


class AccountError(BaocaoError):
    """A user cannot be created, found or logged in (web door, ``baocao users``)."""

    exit_code = 2


class UploadError(BaocaoError):
    """An uploaded file is refused before it is stored: too large, or not CSV/XLSX."""

    exit_code = 3
