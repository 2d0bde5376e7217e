"""The ``baocao`` command line: the group and its entry point, with every command registered."""

from reports.cli import approval, calendar, data, jobs, report, web  # noqa: F401 - each registers its commands
from reports.cli.app import cli, entry, main

__all__ = ["cli", "entry", "main"]
