"""Templates are filled in a child process, under a time and a memory limit.

Jinja's sandbox stops a template from reaching Python, but not from working forever
(``{% for i in range(99999) %}{% for j in range(99999) %}``) or asking for gigabytes
(``{{ 'a' * 10**9 }}``); in the process that renews a run's lease, that would hold the run
forever. So, like the PDF conversion, the work goes to another process: one per process that
renders, started on first use and reused; killed and replaced when it overruns. Whatever goes
wrong in it is a Vietnamese :class:`TemplateError` (exit 5).

The child leaves when its parent is gone (:func:`reports.core.children.die_with_parent`).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from multiprocessing.util import Finalize
from pathlib import Path
from typing import Any, Generic, TypeVar

from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from reports.core import vi
from reports.core.children import die_with_parent
from reports.core.errors import BaocaoError, TemplateError

T = TypeVar("T")

_START_S = 120.0
_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_limit: int | None = None


MAX_SEQUENCE = 10_000_000
"""Items (characters) a ``*`` in a template may make: no report needs more."""
MAX_EXPONENT = 1_000


class LimitedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox (no ``so_lieu.update(...)``) whose ``*`` and ``**`` are checked
    when they run rather than folded when the template is compiled: ``{{ 'a' * 10**9 }}``
    would otherwise be built, and compiled into Python source, by the process that loads it."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
                raise SecurityError(f"số mũ quá lớn ({right}), tối đa {MAX_EXPONENT}")
            return left**right
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                sized = isinstance(seq, str | list | tuple) and isinstance(times, int)
                if sized and len(seq) * times > MAX_SEQUENCE:
                    raise SecurityError(
                        f"phép nhân tạo {vi.number(len(seq) * times)} phần tử, "
                        f"tối đa {vi.number(MAX_SEQUENCE)}"
                    )
            return left * right
        return super().call_binop(context, operator, left, right)


def _init_child(memory_mb: int) -> None:
    import resource

    die_with_parent()
    # beyond what the child holds at its start (a forked child shares its parent's mappings)
    limit = _address_space() + (memory_mb << 20)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _start_method() -> str:
    """``fork`` where it is safe (Linux, no other thread that could hold a lock): the child
    then starts in milliseconds with the templates already compiled; else ``spawn`` (a second
    or so, once per process)."""
    others = [
        t
        for t in threading.enumerate()
        if t is not threading.main_thread() and t.name != "die-with-parent"
    ]
    return "fork" if sys.platform == "linux" and not others else "spawn"


def _address_space() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _get_pool(memory_mb: int) -> ProcessPoolExecutor:
    global _pool, _pool_limit
    if _pool is None or _pool_limit != memory_mb:
        _discard()
        _pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=get_context(_start_method()),
            initializer=_init_child,
            initargs=(memory_mb,),
        )
        _pool_limit = memory_mb
        # Stopped before multiprocessing joins this process's children at exit: a rendering
        # worker of --all-units would otherwise wait forever for its idle template child.
        Finalize(None, shutdown, exitpriority=10)
        # Started now, so that a template's time limit does not include starting Python.
        _pool.submit(os.getpid).result(timeout=_START_S)
    return _pool


def _discard() -> None:
    """Kill the child (it may be stuck in a loop) and forget the pool."""
    global _pool
    pool, _pool = _pool, None
    if pool is None:
        return
    for process in list(getattr(pool, "_processes", {}).values()):
        with contextlib.suppress(Exception):
            process.kill()
    pool.shutdown(wait=True, cancel_futures=True)


def run_limited(
    template: str | Path,
    work: Callable[..., T],
    *args: Any,
    timeout_s: float,
    memory_mb: int,
) -> T:
    """``work(*args)`` in the template child, within ``timeout_s`` and ``memory_mb``.

    ``work`` must be a module-level function; its arguments and result travel pickled.
    """
    return start_limited(template, work, *args, timeout_s=timeout_s, memory_mb=memory_mb).result()


class Pending(Generic[T]):
    """Work started in the template child (:func:`start_limited`): :meth:`result` waits for
    it. The child is this process's one template child: until :meth:`result` is called, no
    other work can start in it (the caller calls it in every case, even after an error)."""

    def __init__(
        self, template: str | Path, future: Future[T], timeout_s: float, memory_mb: int
    ) -> None:
        self.template, self.future = template, future
        self.timeout_s, self.memory_mb = timeout_s, memory_mb
        self.deadline = time.monotonic() + timeout_s
        self.done = False

    def result(self) -> T:
        """The work's result, or a :class:`TemplateError` saying why there is none. The time
        limit runs from the start, whatever the caller did meanwhile."""
        if self.done:
            raise RuntimeError("Pending.result() called twice")
        self.done = True
        try:
            left = max(0.0, self.deadline - time.monotonic())
            return self.future.result(timeout=left)
        except BaseException as exc:  # noqa: BLE001 - translated, or raised as it was
            raise _template_error(self.template, exc, self.timeout_s, self.memory_mb) from None
        finally:
            _lock.release()


def start_limited(
    template: str | Path,
    work: Callable[..., T],
    *args: Any,
    timeout_s: float,
    memory_mb: int,
) -> Pending[T]:
    """:func:`run_limited`, started: the caller may work meanwhile (the docx is filled in the
    child while the workbook is written), then calls :meth:`Pending.result`."""
    _lock.acquire()
    try:
        pool = _get_pool(memory_mb)
        try:
            future = pool.submit(work, *args)
        except BrokenProcessPool as exc:
            future = Future()
            future.set_exception(exc)
    except BaseException:
        _lock.release()
        raise
    return Pending(template, future, timeout_s, memory_mb)


def _template_error(
    template: str | Path, exc: BaseException, timeout_s: float, memory_mb: int
) -> BaseException:
    """What a failed template work is for the office (the child is discarded when it may be
    stuck or broken); ``exc`` itself when it already says it (or is not the template's)."""
    if isinstance(exc, FutureTimeout):
        _discard()
        return TemplateError(
            template,
            f"điền mẫu quá {timeout_s:g} giây nên đã dừng (vòng lặp quá lớn?); "
            "sửa các thẻ {% for %} trong mẫu, hoặc tăng template.timeout_s trong baocao.toml",
        )
    if isinstance(exc, BrokenProcessPool):
        _discard()
        return TemplateError(
            template,
            f"tiến trình điền mẫu bị dừng đột ngột (dùng quá {memory_mb} MB bộ nhớ?); "
            "sửa các thẻ tạo văn bản quá lớn, hoặc tăng template.memory_mb trong baocao.toml",
        )
    if isinstance(exc, BaocaoError) or not isinstance(exc, Exception):
        return exc
    if isinstance(exc, MemoryError):
        _discard()
        return TemplateError(
            template,
            f"điền mẫu cần quá {memory_mb} MB bộ nhớ nên đã dừng; sửa các thẻ tạo văn bản "
            "quá lớn (ví dụ nhân chuỗi), hoặc tăng template.memory_mb trong baocao.toml",
        )
    if isinstance(exc, RecursionError):
        return TemplateError(
            template, "mẫu gọi lồng nhau quá sâu (macro gọi chính nó?); sửa các macro"
        )
    if isinstance(exc, OverflowError):
        return TemplateError(template, f"thẻ dùng số quá lớn ({exc}); sửa thẻ đó")
    return TemplateError(template, f"lỗi khi điền mẫu ({exc.__class__.__name__}: {exc})")


def shutdown() -> None:
    """Stop the template child (tests, and a clean exit)."""
    with _lock:
        _discard()
