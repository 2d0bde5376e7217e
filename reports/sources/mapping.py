"""Column mappings: how an export's headers (and some of its values) map to the canonical ones.

A mapping is a TOML file an office writes once per export, no code::

    kind = "dossiers"                 # optional
    [columns]                         # export header = canonical column
    "Mã hồ sơ" = "id"
    "Ngày tiếp nhận" = "received_on"
    [values.field]                    # optional, per canonical column: export value = canonical
    "Kinh tế - Tài chính" = "kinh_te"

Headers match without regard to case, diacritics, punctuation or spacing.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from reports.core.domain import KINDS
from reports.core.errors import ConfigError
from reports.sources.values import fold


@dataclass(frozen=True)
class Mapping:
    source: str | None = None
    kind: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    """folded export header → canonical column"""
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    """canonical column → {folded export value → canonical value}"""

    def column_for(self, header: str) -> str:
        """The canonical column of an export header (the header itself when unmapped)."""
        return self.columns.get(fold(header), header.strip())

    def value_for(self, column: str, value: object) -> object:
        table = self.values.get(column)
        if table and isinstance(value, str):
            return table.get(fold(value), value)
        return value


def load_mapping(path: Path) -> Mapping:
    name = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError("--mapping", f"không mở được tệp {name} ({exc.strerror})") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError("--mapping", f"tệp {name} không phải TOML UTF-8 hợp lệ: {exc}") from exc
    for key in raw:
        if key not in ("kind", "columns", "values"):
            raise ConfigError(key, "không có khóa này; dùng kind, [columns], [values.<cột>]", name)
    kind = raw.get("kind")
    if kind is not None and kind not in KINDS:
        raise ConfigError("kind", f"không có loại {kind!r}; chọn trong {', '.join(KINDS)}", name)
    all_columns = {c for k in KINDS.values() for c in k.column_names}
    columns: dict[str, str] = {}
    for header, target in dict(raw.get("columns", {})).items():
        if not isinstance(target, str) or target not in all_columns:
            raise ConfigError(
                f"columns.{header!r}",
                f"cột đích {target!r} không phải cột chuẩn; xem các cột trong data.md",
                name,
            )
        columns[fold(header)] = target
    values: dict[str, dict[str, str]] = {}
    for column, table in dict(raw.get("values", {})).items():
        if column not in all_columns or not isinstance(table, dict):
            raise ConfigError(f"values.{column}", "phải là bảng giá trị của một cột chuẩn", name)
        values[column] = {fold(k): str(v) for k, v in table.items()}
    return Mapping(name, kind, columns, values)
