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


@bp.before_app_request
def load_user() -> None:
    g.user = None
    token = session.get("token")
    if token:
        engine, settings = core()
        g.user = accounts.session_user(engine, token, timedelta(minutes=settings.web.idle_minutes))
        if g.user is None:
            session.clear()


@bp.app_context_processor
def menu() -> dict[str, Any]:
    user = g.get("user")
    return {
        "user": user,
        "may": (lambda what: user is not None and user.role in MAY[what]),
        "logout_form": LogoutForm() if user else None,
    }


def allowed(what: str) -> Callable[[F], F]:
    """The view needs a logged-in user whose role may do ``what``; others get 403."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if g.user is None:
                return redirect(url_for("auth.login", next=request.path))
            if g.user.role not in MAY[what]:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def _address() -> str:
    return request.remote_addr or "?"


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
        try:
            _, token = accounts.login(
                engine, form.name.data or "", form.password.data or "", _address(), limits
            )
        except AccountError as exc:
            error = str(exc)
        else:
            session.clear()
            session.permanent = True
            session["token"] = token
            target = request.args.get("next", "")
            # only a path of this site, never another site's address
            if not target.startswith("/") or target.startswith(("//", "/\\")):
                target = url_for("week.index")
            return redirect(target)
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
                error = str(exc)
            else:
                flash("Đã đổi mật khẩu; các phiên đăng nhập khác của bạn đã kết thúc.")
                return redirect(url_for("week.index"))
    return render_template("password.html", form=form, error=error), 400 if error else 200
