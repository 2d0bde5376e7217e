"""Người dùng (quản trị only) and Nhật ký (the audit log)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired

from reports.accounts import users as accounts
from reports.accounts.audit import audit_entries
from reports.core.errors import AccountError
from reports.web.auth import allowed, core
from reports.web.steps import say

bp = Blueprint("admin", __name__)


class AddUserForm(FlaskForm):
    name = StringField("Tên đăng nhập", validators=[DataRequired("Nhập tên đăng nhập.")])
    role = SelectField(
        "Vai trò",
        # the least role first and chosen: a new user gets more only when someone picks it
        choices=[
            SelectChoice(k, accounts.ROLES[k]) for k in ("chuyen-vien", "lanh-dao", "quan-tri")
        ],
        default=accounts.LEAST_ROLE,
    )
    email = StringField("Địa chỉ thư (nhận thông báo)")
    password = PasswordField(
        "Mật khẩu (ít nhất 8 ký tự)", validators=[DataRequired("Nhập mật khẩu.")]
    )


class DisableForm(FlaskForm):
    pass


@bp.route("/nguoi-dung", methods=["GET", "POST"])
@allowed("users")
def users() -> Any:
    engine, _ = core()
    form = AddUserForm()
    error = None
    if form.validate_on_submit():
        try:
            added = accounts.add_user(
                engine,
                form.name.data or "",
                form.role.data or "",
                form.password.data or "",
                by=g.user.name,
                email=form.email.data or "",
            )
        except AccountError as exc:
            error = say(exc)
        else:
            flash(f"Đã thêm người dùng {added.name} ({added.role_name}).")
            return redirect(url_for("admin.users"))
    return render_template(
        "users.html",
        form=form,
        users=accounts.list_users(engine),
        disable=DisableForm(),
        error=error,
    ), 400 if error else 200


@bp.route("/nguoi-dung/<int:user_id>/khoa", methods=["POST"])
@allowed("users")
def disable(user_id: int) -> Any:
    engine, _ = core()
    if not DisableForm().validate_on_submit():
        abort(400)
    found = accounts.get_user(engine, user_id)
    if found is None:
        abort(404)
    if found.id == g.user.id:
        flash("Không tự khóa tài khoản của mình; nhờ một quản trị khác.")
    else:
        accounts.disable_user(engine, found.name, by=g.user.name)
        flash(f"Đã khóa người dùng {found.name}.")
    return redirect(url_for("admin.users"))


@bp.route("/nhat-ky")
@allowed("audit")
def audit() -> Any:
    engine, settings = core()
    return render_template("audit.html", entries=audit_entries(engine, 300), tz=settings.tz)
