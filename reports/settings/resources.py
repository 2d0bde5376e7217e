"""Files that ship with baocao: the default template, mail templates, job examples, mappings,
the settings example and the documentation.

In a wheel they are package data under ``reports/_bundled/`` (copied there at build time by
``setup.py``); in a source checkout they are the repository's own folders. Either way they are
found from this package, never from the current directory, and never written to: an office
edits the copies ``baocao init`` makes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
_BUNDLED = PACKAGE_DIR / "_bundled"
_CHECKOUT = PACKAGE_DIR.parent


def bundled(name: str) -> Path:
    """The shipped file or folder ``name`` (``templates``, ``jobs``, ``mappings``, ``docs``,
    ``baocao.toml``): package data in a wheel, the repository's copy in a checkout."""
    packaged = _BUNDLED / name
    if packaged.exists():
        return packaged
    return _CHECKOUT / name


def is_checkout() -> bool:
    """True when running from the source repository (not an installed wheel)."""
    return not _BUNDLED.exists() and (_CHECKOUT / "pyproject.toml").is_file()


def config_home(environ: Mapping[str, str] | None = None) -> Path:
    """The user's configuration folder for baocao (where ``baocao init`` records its folder)."""
    env = os.environ if environ is None else environ
    if sys.platform == "win32" and env.get("APPDATA"):
        return Path(env["APPDATA"]) / "baocao"
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(base) / "baocao"


def recorded_office(environ: Mapping[str, str] | None = None) -> Path | None:
    """The settings file of the office folder ``baocao init`` made last, if it still exists."""
    marker = config_home(environ) / "office"
    try:
        text = marker.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    path = Path(text) if text else None
    return path if path is not None and path.is_file() else None


def record_office(settings_file: Path, environ: Mapping[str, str] | None = None) -> Path:
    """Remember ``settings_file`` as this user's office folder; returns the marker written."""
    marker = config_home(environ) / "office"
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(f"{settings_file}\n", encoding="utf-8")
    return marker
