"""The web door: server-rendered pages in Vietnamese over the same core as the CLI.

``create_app(test_config)`` builds the Flask application (as in Flask's tutorial); ``baocao
web`` serves it with waitress. Views parse a request, call a core function and render its
result or its error; they hold no SQL, no counting and no report rendering.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, flash, g, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from markupsafe import Markup
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

from reports.core import vi
from reports.core.errors import BaocaoError, BusyError
from reports.core.period_names import period_name, period_short
from reports.render import pdf_gate
from reports.web.steps import page_words, say, without_server_paths

csrf = CSRFProtect()

_HTTP_VI = {
    400: "Yêu cầu không hợp lệ.",
    403: "Bạn không có quyền xem trang này. Nếu cần, hãy nhờ quản trị cấp quyền.",
    404: "Không tìm thấy trang hoặc tệp này.",
    405: "Thao tác này không được phép ở đây.",
    413: "Tệp tải lên quá lớn.",
}


class RowId(IntegerConverter):
    """``<int:…>`` in our URLs is a database id: above 2^63-1 is no page (404), not an error
    of the database."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The application; ``test_config`` may give ``BAOCAO_SETTINGS`` (a Settings),
    ``BAOCAO_ENGINE`` (an Engine) and any Flask setting."""
    from reports.web import (
        auth,
        pages_admin,
        pages_data,
        pages_drafts,
        pages_forms,
        pages_health,
        pages_jobs,
        pages_report,
        pages_schedule,
        pages_sections,
        pages_sign,
        pages_week,
    )
    from reports.web.auth import EXPIRED, load_user
    from reports.web.security import same_site_referrer, secret_key, security_headers

    app = Flask(__name__)
    app.url_map.converters["int"] = RowId
    config = dict(test_config or {})
    settings = config.pop("BAOCAO_SETTINGS", None)
    if settings is None:
        from reports.settings.load import load_settings

        settings = load_settings(None)
    engine = config.pop("BAOCAO_ENGINE", None)
    if engine is None:
        from reports.store.db import open_store

        engine = open_store(settings.database_url, busy_timeout_s=settings.database_busy_timeout_s)
    app.extensions["baocao"] = {"settings": settings, "engine": engine}
    # conversions to PDF queue in this process; a page waits [pdf] wait_s at most ("đang bận")
    pdf_gate.configure(settings.pdf.max_parallel, settings.pdf.wait_s)
    web = settings.web
    app.config.update(
        SECRET_KEY=secret_key(settings),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=web.secure_cookies,
        SESSION_COOKIE_NAME="baocao_session",
        # the server ends an idle session (web.idle_minutes); the cookie outlives it so that
        # the next request can say "Phiên đăng nhập đã hết hạn" instead of a bare login page
        PERMANENT_SESSION_LIFETIME=web.idle_minutes * 60 + 7 * 24 * 3600,
        # the upload limit, and room for the form's other fields
        MAX_CONTENT_LENGTH=int(web.upload_max_mb * 1024 * 1024) + (1 << 20),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
    )
    app.config.update(config)
    csrf.init_app(app)
    app.after_request(security_headers)
    app.jinja_env.globals.update(
        vi=vi, period_short=period_short, period_name=period_name, say=say, page_words=page_words
    )
    app.jinja_env.filters["so"] = vi.number
    app.jinja_env.filters["tren_trang"] = lambda text: without_server_paths(text, settings)
    app.jinja_env.filters["ngay"] = lambda d: f"{d:%d/%m/%Y}" if d else "-"
    # the day never breaks inside itself in a narrow column (a phone's Nhật ký): "05/12/20|26"
    app.jinja_env.filters["luc"] = lambda t: (
        Markup(f'<span class="nowrap">{t.astimezone(settings.tz):%d/%m/%Y}</span> ')
        + f"{t.astimezone(settings.tz):%H:%M}"
        if t
        else "-"
    )

    for module in (
        auth,
        pages_week,
        pages_data,
        pages_report,
        pages_drafts,
        pages_sections,
        pages_jobs,
        pages_schedule,
        pages_admin,
        pages_forms,
        pages_sign,
        pages_health,
    ):
        app.register_blueprint(module.bp)
    csrf.exempt(pages_sign.upload)  # the signing service has no session: a single-use token

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Any:
        # A form sent after its session ended: to the login page, then back to the form's page.
        back = same_site_referrer(request.referrer, request.host_url)
        if "user" not in g:  # CSRFProtect runs before the user is loaded
            load_user()
        if exc.description == "The CSRF token is missing.":
            # a form without its token at all: not a page of this site; refuse, in Vietnamese
            message = "Biểu mẫu thiếu mã bảo vệ (CSRF). Tải lại trang rồi gửi lại."
            return render_template("error.html", code=400, message=message), 400
        if g.get("user") is None:
            flash(EXPIRED)
            return redirect(url_for("auth.login", next=back), 303)
        flash("Biểu mẫu đã cũ (trang mở từ trước khi đăng nhập lại). Hãy thực hiện lại thao tác.")
        return redirect(back or url_for("week.index"), 303)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc: RequestEntityTooLarge) -> tuple[str, int]:
        message = (
            f"Tệp tải lên lớn hơn giới hạn {vi.number(web.upload_max_mb)} MB "
            "(web.upload_max_mb). Chia nhỏ tệp hoặc nhờ quản trị tăng giới hạn."
        )
        return render_template("error.html", code=413, message=message), 413

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[str, int]:
        code = exc.code or 500
        message = _HTTP_VI.get(code, "Đã có lỗi.")
        return render_template("error.html", code=code, message=message), code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[str, int]:
        app.logger.exception("lỗi không mong đợi ở trang %s", request.path)
        message = (
            "Đã có lỗi không mong đợi; chi tiết đã ghi vào nhật ký của máy chủ. "
            "Báo bộ phận CNTT kèm thời điểm xảy ra."
        )
        return render_template("error.html", code=500, message=message), 500

    @app.errorhandler(OperationalError)
    def database_busy(exc: OperationalError) -> tuple[str, int, dict[str, str]]:
        # a long import holding SQLite's write lock past its busy timeout, or PostgreSQL
        # restarting: a clear "try again", never a 500
        app.logger.warning(
            "cơ sở dữ liệu bận hoặc không kết nối được ở trang %s: %s", request.path, exc.orig
        )
        message = "Hệ thống đang nhập dữ liệu hoặc cơ sở dữ liệu tạm thời bận; thử lại sau ít giây."
        return (
            render_template("error.html", code=503, message=message),
            503,
            {"Retry-After": "5"},
        )

    @app.errorhandler(BusyError)
    def busy(exc: BusyError) -> tuple[str, int, dict[str, str]]:
        # heavy work queued past [pdf] wait_s: "đang bận, thử lại sau", never a 500
        return render_template("error.html", code=503, message=str(exc)), 503, {"Retry-After": "30"}

    @app.errorhandler(BaocaoError)
    def core_error(exc: BaocaoError) -> tuple[str, int]:
        return render_template("error.html", code=400, message=say(exc)), 400

    return app
