"""Packaging hook: the office's editable files ship inside the wheel as package data.

``templates/``, ``jobs/``, ``mappings/``, ``docs/`` and ``baocao.toml`` stay where they are in
the repository (they are edited there); building the package copies them under
``reports/_bundled/`` so an installed baocao finds them from its own package
(:mod:`reports.settings.resources`) and ``baocao init`` can copy them into an office folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
BUNDLE = {
    "templates": ("bao-cao-*.docx", "email.txt.j2", "email.html.j2", "README.md"),
    "jobs": ("*.toml", "README.md"),
    "mappings": ("*.toml",),
    "docs": ("*.md",),
    ".": ("baocao.toml",),
}


class BuildWithBundle(build_py):
    """build_py that also copies the bundled folders into the built package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # an editable install reads them from the checkout itself
        target = Path(self.build_lib) / "reports" / "_bundled"
        for folder, patterns in BUNDLE.items():
            dest = target if folder == "." else target / folder
            dest.mkdir(parents=True, exist_ok=True)
            for pattern in patterns:
                for src in sorted((HERE / folder).glob(pattern)):
                    shutil.copyfile(src, dest / src.name)


setup(cmdclass={"build_py": BuildWithBundle})
