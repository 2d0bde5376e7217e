"""Issuing on the page: the evidence pack of a run (a link in Lịch sử).

The views call :mod:`reports.approval.evidence`, as ``baocao evidence`` does.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, g, send_file

from reports.accounts.users import audit
from reports.approval.evidence import evidence_pack
from reports.web.auth import allowed, core

bp = Blueprint("sign", __name__)


@bp.route("/lich-su/<int:run_id>/ho-so-chung-cu")
@allowed("history")
def evidence(run_id: int) -> Any:
    engine, settings = core()
    name, data = evidence_pack(engine, settings, run_id)
    audit(engine, g.user.name, "evidence.download", f"tải hồ sơ chứng cứ lần chạy #{run_id}")
    return send_file(
        io.BytesIO(data), mimetype="application/zip", as_attachment=True, download_name=name
    )
