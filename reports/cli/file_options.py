"""The options a command that writes files shares: ``--unit``, ``--format``, ``--out``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click


def file_options(
    *, unit_help: str, formats: str, formats_help: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--unit`` (with ``unit_help``), ``--format`` (default ``formats``) and ``--out``."""

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        f = click.option(
            "--out",
            "out_dir",
            type=click.Path(file_okay=False),
            help="Thư mục ghi tệp (mặc định: out/).",
        )(f)
        f = click.option(
            "--format", "formats", default=formats, show_default=True, help=formats_help
        )(f)
        return click.option("--unit", help=unit_help)(f)

    return decorate
