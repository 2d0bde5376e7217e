"""Logging in and out, the current user, and who may see what."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from sqlalchemy.engine import Engine
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from reports.accounts import users as accounts
from reports.core.errors import AccountError
from reports.settings.load import Settings
from reports.web.security import client_address, safe_next, same_site_referrer
from reports.web.steps import say

bp = Blueprint("auth", __name__)

F = TypeVar("F", bound=Callable[..., Any])

ALL = frozenset(accounts.ROLES)
MAY = {
    "week": ALL,
    "data": frozenset({"chuyen-vien", "quan-tri"}),
    "report": ALL,
    "generate": frozenset({"chuyen-vien", "quan-tri"}),
    "jobs": ALL,
    "run": frozenset({"quan-tri"}),
    "history": ALL,
    "users": frozenset({"quan-tri"}),
    "audit": frozenset({"quan-tri", "lanh-dao"}),
    "drafts": ALL,
    "approve": frozenset({"quan-tri", "lanh-dao"}),
}
"""What each role may do; the menu shows only the pages a user may open."""


def core() -> tuple[Engine, Settings]:
    state = current_app.extensions["baocao"]
    return state["engine"], state["settings"]


class LoginForm(FlaskForm):
    name = StringField("Tên đăng nhập", validators=[DataRequired("Nhập tên đăng nhập.")])
    password = PasswordField("Mật khẩu", validators=[DataRequired("Nhập mật khẩu.")])


class LogoutForm(FlaskForm):
    pass


class PasswordForm(FlaskForm):
    current = PasswordField(
        "Mật khẩu hiện tại", validators=[DataRequired("Nhập mật khẩu hiện tại.")]
    )
    new = PasswordField(
        "Mật khẩu mới (ít nhất 8 ký tự)", validators=[DataRequired("Nhập mật khẩu mới.")]
    )
    again = PasswordField(
        "Nhập lại mật khẩu mới", validators=[DataRequired("Nhập lại mật khẩu mới.")]
    )


EXPIRED = "Phiên đăng nhập đã hết hạn. Đăng nhập lại để tiếp tục."
KNOWN_COOKIE = "baocao_known"
"""Signed list of the user names that logged in from this browser: the account-wide lockout
(many addresses at one account) does not refuse them (OWASP "device cookies")."""


@bp.before_app_request
def load_user() -> None:
    g.user = None
    g.expired = False
    token = session.get("token")
    if token:
        engine, settings = core()
        g.user = accounts.session_user(engine, token, timedelta(minutes=settings.web.idle_minutes))
        if g.user is None:
            session.clear()
            g.expired = True


def queue() -> tuple[list[Any], list[Any]]:
    """The drafts waiting for the current user, and the returned drafts to redo (once per
    request)."""
    if "queue" not in g:
        from reports.approval.queue import to_redo, waiting_for

        user = g.get("user")
        if user is None:
            g.queue = ([], [])
        else:
            engine, _ = core()
            g.queue = (
                waiting_for(engine, user.name, user.email, approves=user.role in MAY["approve"]),
                to_redo(engine, prepares=user.role in MAY["generate"]),
            )
    return g.queue  # type: ignore[no-any-return]


@bp.app_context_processor
def menu() -> dict[str, Any]:
    user = g.get("user")
    return {
        "user": user,
        "may": (lambda what: user is not None and user.role in MAY[what]),
        "logout_form": LogoutForm() if user else None,
        "queue": queue,
    }


def allowed(what: str) -> Callable[[F], F]:
    """The view needs a logged-in user whose role may do ``what``; others get 403."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if g.user is None:
                if g.expired:
                    flash(EXPIRED)
                if request.method == "GET":
                    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
                # a form sent after the session ended: back to the page it was sent from
                back = same_site_referrer(request.referrer, request.host_url)
                return redirect(url_for("auth.login", next=back), 303)
            if g.user.role not in MAY[what]:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def _address() -> str:
    _, settings = core()
    return client_address(
        request.remote_addr, request.headers.get("X-Forwarded-For"), settings.web.trusted_proxies
    )


def _known_names() -> list[str]:
    from itsdangerous import BadSignature, URLSafeSerializer

    raw = request.cookies.get(KNOWN_COOKIE)
    if not raw:
        return []
    try:
        names = URLSafeSerializer(current_app.secret_key or "", salt=KNOWN_COOKIE).loads(raw)
    except BadSignature:
        return []
    return [str(n) for n in names] if isinstance(names, list) else []


def _remember(response: Any, name: str) -> Any:
    from itsdangerous import URLSafeSerializer

    names = [n for n in _known_names() if n != name][-9:] + [name]
    response.set_cookie(
        KNOWN_COOKIE,
        URLSafeSerializer(current_app.secret_key or "", salt=KNOWN_COOKIE).dumps(names),
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


@bp.route("/dang-nhap", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        engine, settings = core()
        limits = accounts.LoginLimits(
            settings.web.login_max_failures,
            timedelta(minutes=settings.web.login_window_minutes),
        )
        name = (form.name.data or "").strip()
        try:
            _, token = accounts.login(
                engine,
                name,
                form.password.data or "",
                _address(),
                limits,
                known_browser=name in _known_names(),
            )
        except AccountError as exc:
            error = say(exc)
        else:
            session.clear()
            session.permanent = True
            session["token"] = token
            # only a path of this site, never another site's address
            target = safe_next(request.args.get("next"), url_for("week.index"))
            return _remember(redirect(target), name)
    return render_template("login.html", form=form, error=error), 200 if not error else 401


@bp.route("/dang-xuat", methods=["POST"])
def logout() -> Any:
    form = LogoutForm()
    if form.validate_on_submit():
        token = session.get("token")
        if token:
            engine, _ = core()
            accounts.end_session(engine, token)
        session.clear()
        flash("Đã đăng xuất.")
    return redirect(url_for("auth.login"))


@bp.route("/doi-mat-khau", methods=["GET", "POST"])
@allowed("week")
def change_password() -> Any:
    form = PasswordForm()
    error = None
    if form.validate_on_submit():
        if form.new.data != form.again.data:
            error = "hai lần nhập mật khẩu mới không giống nhau"
        else:
            engine, _ = core()
            try:
                accounts.change_own_password(
                    engine,
                    g.user.id,
                    form.current.data or "",
                    form.new.data or "",
                    keep_token=session["token"],
                )
            except AccountError as exc:
                error = say(exc)
            else:
                flash("Đã đổi mật khẩu; các phiên đăng nhập khác của bạn đã kết thúc.")
                return redirect(url_for("week.index"))
    return render_template("password.html", form=form, error=error), 400 if error else 200
