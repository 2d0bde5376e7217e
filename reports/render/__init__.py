"""Renderers: a composed :class:`reports.model.Report` → files."""
