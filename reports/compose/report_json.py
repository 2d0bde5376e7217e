"""A composed report as JSON and back: a draft keeps the exact report it was rendered from.

The numbered files of an approved draft are rendered from this report with only the number and
the date filled in, so they say what the approver read, whatever the data became since.
"""

from __future__ import annotations

import json
import types
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from datetime import date
from typing import Any, Union, get_args, get_origin, get_type_hints

from reports.core.model import Report


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _typed(kind: Any, value: Any) -> Any:
    origin = get_origin(kind)
    if value is None:
        return None
    if kind is date:
        return date.fromisoformat(value)
    if isinstance(kind, type) and is_dataclass(kind):
        hints = get_type_hints(kind)
        # a field added since the report was stored takes its default
        return kind(
            **{
                f.name: _typed(hints[f.name], value[f.name])
                for f in fields(kind)
                if f.init and f.name in value
            }
        )
    if origin is tuple:
        args = get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_typed(args[0], v) for v in value)
        return tuple(_typed(a, v) for a, v in zip(args, value, strict=True))
    if origin in (dict, Mapping) or (isinstance(origin, type) and issubclass(origin, Mapping)):
        _, item = get_args(kind)
        return {k: _typed(item, v) for k, v in value.items()}
    if origin is Union or origin is types.UnionType:
        options = [a for a in get_args(kind) if a is not type(None)]
        return _typed(options[0], value)
    return value


def dumps(report: Report) -> bytes:
    return json.dumps(_plain(report), ensure_ascii=False, sort_keys=True).encode("utf-8")


def loads(data: bytes) -> Report:
    report: Report = _typed(Report, json.loads(data.decode("utf-8")))
    return report
