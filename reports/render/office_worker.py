"""One LibreOffice kept running per process, so that a PDF costs a conversion, not a start-up.

Starting ``soffice`` costs 1-2 s; a running one converts a one-page report in ~0.13 s. Each
process (the CLI, each batch worker, the web server) keeps its own office, listening on a
private named pipe (no port, unreachable from the network), with its own profile, driven by a
small helper (``office_helper.pyscript``) run by the system Python, which has ``uno``
(Debian's ``python3-uno``; the project's own Python cannot import it). The two talk JSON lines.

Rules:

- one conversion at a time per office (a lock): documents never mix;
- a conversion taking longer than its time limit kills the office (the next one starts a new
  office) and is reported for that document only;
- an office that died (crash, killed) is restarted and the document retried once;
- the office is recycled after :data:`RECYCLE_AFTER` documents (its memory grows slowly);
- the office and the helper share one process group, watched by :func:`reap_with_parent`:
  both die with this process, even by ``kill -9``; the helper also exits on stdin EOF.

Without ``python3-uno`` :func:`available` is false and :mod:`reports.render.pdf` runs one
``soffice --convert-to`` per document, as before.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from reports.core.children import clean_stale, group_running, reap_with_parent, temp_prefix
from reports.core.errors import RenderError, Step
from reports.core.files import atomic_output

SYSTEM_PYTHON = "/usr/bin/python3"
HELPER = Path(__file__).with_name("office_helper.pyscript")
RECYCLE_AFTER = 300
START_LIMIT_S = 60.0
"""How long a starting office may take to accept the helper's connection."""
IDLE_S = 300.0
"""An office unused this long is stopped (a web server or scheduler would otherwise hold its
~200 MB for days); the next PDF starts a new one."""
MODE_ENV = "BAOCAO_OFFICE"
"""``cli`` forces one ``soffice --convert-to`` per document (benchmarks, diagnosis)."""


class _OfficeGone(Exception):
    """The office or its helper died: restart and retry."""


_uno: bool | None = None


def available() -> bool:
    """Whether the system Python can drive LibreOffice (``python3-uno`` installed)."""
    global _uno
    if os.environ.get(MODE_ENV, "").strip().lower() == "cli":
        return False
    if _uno is None:
        try:
            done = subprocess.run(
                [SYSTEM_PYTHON, "-c", "import uno"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=30,
            )
            _uno = done.returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            _uno = False
    return _uno


class Office:
    """One running LibreOffice and its helper. Not thread-safe: see :func:`convert`."""

    def __init__(self, binary: str) -> None:
        clean_stale()
        self.work = Path(tempfile.mkdtemp(prefix=temp_prefix("office")))
        self.pipe = f"baocao_{os.getpid()}_{self.work.name.rsplit('-', 1)[-1]}"
        self.done = 0
        self._buf = b""
        self._ready = False
        command = [
            binary,
            f"-env:UserInstallation={(self.work / 'profile').as_uri()}",
            "--headless",
            "--invisible",
            "--nologo",
            "--norestore",
            "--nodefault",
            "--nolockcheck",
            f"--accept=pipe,name={self.pipe};urp;StarOffice.ComponentContext",
        ]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        # The helper starts the office in its own new process group: one killpg stops both.
        self.helper = subprocess.Popen(
            [SYSTEM_PYTHON, "-I", str(HELPER), self.pipe, str(START_LIMIT_S), "--", *command],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env={**env, "HOME": str(self.work)},
        )
        self.group = self.helper.pid
        self.watcher = reap_with_parent(self.group)  # both die with us, even by kill -9

    def _line(self, deadline: float) -> dict[str, Any] | None:
        """The helper's next answer, or None when ``deadline`` passed first."""
        assert self.helper.stdout is not None
        fd = self.helper.stdout.fileno()
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                raise _OfficeGone("helper exited")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        answer: dict[str, Any] = json.loads(line)
        return answer

    def wait_ready(self) -> None:
        if self._ready:
            return
        answer = self._line(time.monotonic() + START_LIMIT_S)
        if answer is None or not answer.get("ready"):
            detail = "" if answer is None else f" ({answer.get('error', '')})"
            raise _OfficeGone(f"LibreOffice did not start{detail}")
        self._ready = True

    def convert(self, source: Path, produced: Path, timeout_s: float) -> str | None:
        """Convert ``source`` into ``produced``; an error text for this document, or None.

        Raises :class:`TimeoutError` at the time limit and :class:`_OfficeGone` when the office
        died."""
        assert self.helper.stdin is not None
        self.done += 1
        request = {"id": self.done, "in": str(source.resolve()), "out": str(produced)}
        try:
            self.helper.stdin.write((json.dumps(request) + "\n").encode())
            self.helper.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise _OfficeGone("helper gone") from exc
        answer = self._line(time.monotonic() + timeout_s)
        if answer is None:
            raise TimeoutError
        if answer.get("id") != self.done:
            raise _OfficeGone(f"unexpected answer {answer!r}")
        if answer.get("ok"):
            return None
        error = str(answer.get("error", ""))
        if answer.get("gone") or "Disposed" in error or "URP bridge" in error:
            raise _OfficeGone(error)
        return error

    def close(self) -> None:
        """Kill the office and the helper, and remove the profile. Never raises."""
        with contextlib.suppress(OSError):
            os.killpg(self.group, signal.SIGKILL)
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            self.helper.kill()
            self.helper.wait(timeout=5)
        # soffice.bin is a grandchild: wait until nothing of the group runs (an unreaped
        # zombie cannot write) before removing the profile
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and group_running(self.group):
            time.sleep(0.02)
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            self.watcher.kill()
            self.watcher.wait(timeout=5)
        for stream in (self.helper.stdin, self.helper.stdout):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()
        shutil.rmtree(self.work, ignore_errors=True)


_lock = threading.Lock()
_office: Office | None = None
_idle: threading.Timer | None = None


def _reset_after_fork() -> None:
    global _lock, _office, _idle
    _lock = threading.Lock()
    _office = None  # the parent's office stays the parent's
    _idle = None


def _stop_when_idle() -> None:
    """(Re)start the timer that stops the office after :data:`IDLE_S` without use."""
    global _idle
    if _idle is not None:
        _idle.cancel()
    _idle = threading.Timer(IDLE_S, _stop_if_unused, args=(_office,))
    _idle.daemon = True
    _idle.start()


def _stop_if_unused(office: Office | None) -> None:
    global _office
    with _lock:
        if office is not None and _office is office:
            office.close()
            _office = None


os.register_at_fork(after_in_child=_reset_after_fork)


def shutdown() -> None:
    """Stop this process's office, if any (at exit; tests)."""
    global _office, _idle
    with _lock:
        if _idle is not None:
            _idle.cancel()
            _idle = None
        if _office is not None:
            _office.close()
            _office = None


atexit.register(shutdown)


def warm_up(binary: str) -> None:
    """Start this process's office now, without waiting for it (it boots while the caller
    renders the document)."""
    global _office
    with _lock:
        if _office is None:
            _office = Office(binary)
            _stop_when_idle()


def current() -> Office | None:
    """This process's office (tests)."""
    return _office


def convert(binary: str, source: Path, target: Path, *, timeout_s: float) -> Path:
    """Convert ``source`` to ``target`` (a .pdf) in this process's office; complete or not at
    all. Raises :class:`RenderError` naming the document."""
    with _lock:
        try:
            return _convert(binary, source, target, timeout_s)
        finally:
            _stop_when_idle()


def _convert(binary: str, source: Path, target: Path, timeout_s: float) -> Path:
    global _office
    for attempt in (1, 2):
        if _office is None or _office.done >= RECYCLE_AFTER:
            if _office is not None:
                _office.close()
            _office = Office(binary)
        office = _office
        produced = office.work / f"{office.done + 1}.pdf"
        try:
            office.wait_ready()
            error = office.convert(source, produced, timeout_s)
        except TimeoutError:
            office.close()
            _office = None
            raise RenderError(
                f"LibreOffice không chuyển xong {source.name} sang PDF sau {timeout_s:g} "
                "giây; đã dừng. Tăng pdf.timeout_s trong baocao.toml nếu máy chậm."
            ) from None
        except _OfficeGone as exc:
            office.close()
            _office = None
            if attempt == 2:
                raise RenderError(
                    f"LibreOffice dừng bất thường khi chuyển {source.name} sang PDF ({exc}); "
                    "đã thử lại một lần."
                ).leads_to(Step.CHECK_OFFICE) from None
            continue
        if error is not None or not produced.exists():
            produced.unlink(missing_ok=True)
            detail = "" if error is None or "could not load" in error else f" ({error})"
            raise RenderError(
                f"LibreOffice không chuyển được {source.name} sang PDF: tệp không đọc được "
                f"hoặc không đúng định dạng {source.suffix}{detail}. Mở thử tệp bằng Word "
                "hoặc LibreOffice, hoặc tạo lại tệp."
            )
        with atomic_output(target) as tmp:
            shutil.move(produced, tmp)
        return target
    raise AssertionError("unreachable")
