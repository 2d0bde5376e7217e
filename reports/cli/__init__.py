"""The ``baocao`` command line: the group and its entry point, with every command registered."""

from reports.cli import (  # noqa: F401 - each registers its commands
    approval,
    calendar,
    check,
    data,
    forms,
    jobs,
    office,
    report,
    sections,
    web,
)
from reports.cli.app import cli, entry, main

__all__ = ["cli", "entry", "main"]
