"""``python -m reports``: the ``baocao`` command."""

from reports.program import entry

entry()
