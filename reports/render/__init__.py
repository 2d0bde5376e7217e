"""Renderers: a composed :class:`reports.core.model.Report` → files."""
