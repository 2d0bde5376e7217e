"""Child processes never outlive their parent, and what a killed process left is cleaned.

A ``kill -9`` runs no ``finally``: the import's readers, the batch's workers, the template
child and LibreOffice would go on (hundreds of MB each), and ``.part`` files and spill
folders would stay. Children watch their parent (:func:`die_with_parent`); LibreOffice, which
cannot, is watched by a small process of its own (:func:`reap_with_parent`); temporary names
carry the process id, so the next run removes those whose process is gone
(:func:`clean_stale`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

_PART = re.compile(r"\.(\d+)\.[a-z0-9_]{8}(?:\.[^.]+)?\.part$")
_STALE_S = 60.0
"""Younger leftovers are kept even when their process looks gone (the id may be reused)."""


def die_with_parent(poll_s: float = 1.0) -> None:
    """In a child process: exit as soon as the parent process is gone. Polled by a daemon
    thread (PR_SET_PDEATHSIG would follow the parent's thread, not the process)."""
    from multiprocessing import parent_process

    known = parent_process()  # the pid it had when it started us, even if already gone
    parent = known.pid if known is not None and known.pid else os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        os._exit(1)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


_WATCHER = """
import os, signal, sys, time
parent, group = int(sys.argv[1]), int(sys.argv[2])
while True:
    time.sleep(0.5)
    try:
        os.killpg(group, 0)
    except OSError:
        sys.exit(0)
    if os.getppid() != parent:
        try:
            os.killpg(group, signal.SIGKILL)
        except OSError:
            pass
        sys.exit(0)
"""


def reap_with_parent(group: int) -> subprocess.Popen[bytes]:
    """A watcher that kills process group ``group`` if this process dies first; stop it
    (``kill()``) once the group is done."""
    return subprocess.Popen(
        [sys.executable, "-S", "-c", _WATCHER, str(os.getpid()), str(group)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def group_running(group: int) -> bool:
    """Whether a process of process group ``group`` still runs. A member killed but not yet
    reaped (a zombie: adopted by init, which reaps it when it gets to it, in a container up to
    seconds later) does not count: it can write nothing more."""
    try:
        entries = os.listdir("/proc")
    except OSError:  # no /proc: the kernel's answer, zombies included
        try:
            os.killpg(group, 0)
        except OSError:
            return False
        return True
    for name in entries:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue  # gone meanwhile
        # after "pid (comm) ": state, ppid, pgrp, ... (comm may hold spaces and parentheses)
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 2 and int(fields[2]) == group and fields[0] != b"Z":
            return True
    return False


def temp_prefix(kind: str) -> str:
    """``baocao-<kind>-<pid>-``: a temporary folder's prefix :func:`clean_stale` understands."""
    return f"baocao-{kind}-{os.getpid()}-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stale(path: Path, pid_text: str) -> bool:
    if not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        age = time.time() - path.stat().st_mtime
    except OSError:
        return False
    return age > _STALE_S and not _alive(int(pid_text))


def clean_stale(folder: Path | None = None) -> None:
    """Remove the ``.part`` files in ``folder`` (or, without one, the temporary folders)
    left by processes that no longer run. Never raises."""
    with contextlib.suppress(OSError):
        if folder is not None:
            for part in folder.glob(".*.part"):
                # .<stem>.<pid>.<random><suffix>.part, as atomic_output names them
                match = _PART.search(part.name)
                if match and _stale(part, match.group(1)):
                    part.unlink(missing_ok=True)
            return
        for entry in Path(tempfile.gettempdir()).glob("baocao-*-*-*"):
            pieces = entry.name.split("-")
            if entry.is_dir() and _stale(entry, pieces[2]):
                shutil.rmtree(entry, ignore_errors=True)
