"""The period picker and the unit chooser shared by Tuần này, Báo cáo and Lịch gửi.

The fields (``ky`` preset, ``loai`` kind, ``ky_go`` typed period, ``tu``/``den`` dates) are read
here and handed to :func:`reports.core.period_input.period_from_input`, the function the CLI's
``--period`` uses; a bad value comes back as a message for its field, with what was typed kept.
The unit is picked by name (a ``datalist`` searches as one types, without script); a code works
too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from reports.core.period_input import (
    KIND_WORDS,
    PRESETS,
    PeriodInput,
    PeriodInputError,
    period_from_input,
)
from reports.core.periods import ReportPeriod
from reports.settings.load import Settings

FIELDS = {"preset": "ky", "kind": "loai", "text": "ky_go", "start": "tu", "end": "den"}
"""Core field → the form field's name on the page."""

CITY = "Toàn thành phố"


@dataclass
class Picked:
    """What the picker read: the period (None when the fields are wrong), the values to show
    again, and a message per page field."""

    period: ReportPeriod | None
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    presets: Mapping[str, tuple[str, str, bool]] = field(default_factory=lambda: PRESETS)
    kinds: Mapping[str, str] = field(default_factory=lambda: KIND_WORDS)
    prefix: str = ""

    @property
    def ok(self) -> bool:
        return self.period is not None and not self.errors


FORM_PRESETS = {key: v for key, v in PRESETS.items() if v[1] != "week"}
"""The presets an official form takes: no week (Biểu 06/VPCP/KSTT is not made for one)."""


def read_period(
    settings: Settings,
    source: Mapping[str, str],
    *,
    prefix: str = "",
    default_preset: str = "",
    presets: Mapping[str, tuple[str, str, bool]] = PRESETS,
) -> Picked:
    """The period the form's fields name (``prefix`` tells several pickers on a page apart;
    ``presets``: the choices this picker offers)."""
    values = {name: str(source.get(prefix + name, "")) for name in FIELDS.values()}
    if not any(values.values()) and default_preset:
        values["ky"] = default_preset
    given = PeriodInput(**{core: values[page] for core, page in FIELDS.items()})
    try:
        period = period_from_input(
            given,
            datetime.now(settings.tz).date(),
            settings.periods.cutoffs,
            settings.report.week_convention,
        )
    except PeriodInputError as exc:
        error = {FIELDS.get(exc.field, "ky"): str(exc)}
        return Picked(None, values, error, presets=presets, prefix=prefix)
    return Picked(period, values, presets=presets, prefix=prefix)


@dataclass
class UnitPick:
    code: str | None
    value: str
    error: str = ""


def read_unit(units: list[tuple[str, str, str | None]], typed: str) -> UnitPick:
    """A unit by its name (as the list shows it) or its code; empty: the whole city."""
    value = typed.strip()
    if not value or value == CITY:
        return UnitPick(None, value)
    for code, name, _ in units:
        if value in (code, name, f"{name} ({code})"):
            return UnitPick(code, value)
    low = value.casefold()
    found = [code for code, name, _ in units if low in name.casefold()]
    if len(found) == 1:
        return UnitPick(found[0], value)
    if found:
        return UnitPick(
            None, value, f"Có {len(found)} đơn vị khớp với «{value}»; chọn một trong danh sách."
        )
    return UnitPick(None, value, f"Không có đơn vị «{value}»; chọn một trong danh sách.")
