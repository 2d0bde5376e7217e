"""Standard cron (0 and 7 Sunday, 1 Monday) runs on the days it says, and reads both ways."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reports.core.cron import parse_cron
from reports.core.errors import JobError, UsageError
from reports.runs.jobs import load_jobs
from reports.schedule.words import (
    Choice,
    choice_from_cron,
    cron_from_choice,
    schedule_words,
    when_words,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _job(tmp_path: Path, schedule: str, on_holiday: str = "run") -> object:
    (tmp_path / "tuan.toml").write_text(
        f'schedule = "{schedule}"\non_holiday = "{on_holiday}"\nformats = ["docx"]\n'
        '[email]\nto = ["a@x.vn"]\n',
        encoding="utf-8",
    )
    return load_jobs(tmp_path, "it@x.vn")[0]


@pytest.mark.parametrize(
    ("field", "weekday"),
    [("1", 0), ("MON", 0), ("0", 6), ("7", 6), ("sun", 6), ("5", 4), ("6", 5)],
)
def test_a_job_file_weekday_is_the_standard_cron_day(
    tmp_path: Path, field: str, weekday: int
) -> None:
    job = _job(tmp_path, f"0 8 * * {field}")
    # Friday 04/12/2026: the next run falls on the named weekday, at 08:00
    nxt = job.trigger().get_next_fire_time(None, datetime(2026, 12, 4, 12, tzinfo=TZ))  # type: ignore[attr-defined]
    assert (nxt.weekday(), nxt.hour) == (weekday, 8)


def test_a_range_of_days_means_monday_to_friday(tmp_path: Path) -> None:
    job = _job(tmp_path, "30 7 * * 1-5")
    moment = datetime(2026, 12, 4, 12, tzinfo=TZ)
    days = []
    for _ in range(5):
        moment = job.trigger().get_next_fire_time(None, moment)  # type: ignore[attr-defined]
        days.append(moment.weekday())
        moment = moment.replace(hour=23)
    assert days == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    ("cron", "problem"),
    [
        ("0 8 * * THU2", "không hiểu thứ 'THU2'"),
        ("0 25 * * 1", "giờ '25'"),
        ("0 8 1 * 1", "không chọn cùng lúc"),
        ("0 8 * *", "cần 5 phần"),
    ],
)
def test_a_bad_schedule_is_refused_in_vietnamese(cron: str, problem: str) -> None:
    with pytest.raises(UsageError, match=problem):
        parse_cron(cron)


def test_a_bad_schedule_in_a_job_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(JobError, match=r"schedule: lịch cron không hợp lệ '0 8 \* \* THU2'"):
        _job(tmp_path, "0 8 * * THU2")


@pytest.mark.parametrize(
    ("cron", "on_holiday", "words"),
    [
        ("0 8 * * 1", "run", "08:00 thứ Hai hằng tuần"),
        ("0 8 * * 0", "run", "08:00 Chủ nhật hằng tuần"),
        ("0 8 * * 7", "run", "08:00 Chủ nhật hằng tuần"),
        ("30 7 * * 1-5", "run", "07:30 thứ Hai đến thứ Sáu hằng tuần"),
        ("0 17 * * 1,3", "run", "17:00 thứ Hai, thứ Tư hằng tuần"),
        ("0 9 1 * *", "next-working-day", "09:00 ngày làm việc đầu tiên của tháng"),
        ("0 9 5 * *", "run", "09:00 ngày 5 hằng tháng"),
    ],
)
def test_schedule_words_both_ways(cron: str, on_holiday: str, words: str) -> None:
    assert schedule_words(cron, on_holiday) == words
    choice = choice_from_cron(cron, on_holiday)
    assert choice is not None
    back, rule = cron_from_choice(choice)
    assert schedule_words(back, rule or on_holiday) == words


def test_choices_give_standard_cron() -> None:
    assert cron_from_choice(Choice("week", days=(1,), hour=8)) == ("0 8 * * 1", None)
    assert cron_from_choice(Choice("week", days=(0, 6), hour=7, minute=30)) == (
        "30 7 * * 0,6",
        None,
    )
    assert cron_from_choice(Choice("month", day=1, hour=9)) == ("0 9 1 * *", "run")
    assert cron_from_choice(Choice("first-workday", hour=9)) == ("0 9 1 * *", "next-working-day")
    with pytest.raises(UsageError, match="ít nhất một thứ"):
        cron_from_choice(Choice("week", days=()))


def test_next_run_is_shown_with_its_weekday() -> None:
    assert when_words(datetime(2026, 12, 7, 8, tzinfo=TZ)) == "thứ Hai 07/12/2026 08:00"
    assert when_words(datetime(2026, 12, 6, 8, tzinfo=TZ)) == "Chủ nhật 06/12/2026 08:00"
