"""``GET /healthz`` for the service manager and the proxy (no login, no data), and the
scheduler's banner on every page: alive on which machine, or a red warning."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g

from reports.web.auth import core

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[str, int, dict[str, str]]:
    from reports.store.db import reachable

    engine, _ = core()
    ok = reachable(engine)
    headers = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}
    return ("ok\n" if ok else "database unreachable\n"), (200 if ok else 503), headers


@bp.app_context_processor
def scheduler_banner() -> dict[str, Any]:
    if g.get("user") is None:
        return {}
    from reports.schedule.nodes import scheduler_banner as banner

    engine, settings = core()
    try:
        return {"scheduler_banner": banner(engine, settings.scheduler.stale_s, settings.tz)}
    except Exception:  # noqa: BLE001 - the page is shown; the banner says it cannot tell
        return {"scheduler_banner": None}
