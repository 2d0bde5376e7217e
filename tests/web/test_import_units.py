"""Nhập dữ liệu with unit codes missing from the units table (issue 19): the page refuses the
import and names each code at its first row with the known codes nearest to it, then imports
the kept upload when the user ticks "Vẫn nhập…" (the CLI's --accept-unknown-units) — the same
core call, no second upload."""

from __future__ import annotations

import html

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from reports.store.schema import dossiers
from tests.web.conftest import AuthActions

DOSSIERS = (
    "id,received_on,due_on,returned_on,unit,field,online\n"
    "HS-MOI-1,2020-10-20,2020-10-27,,UBND-BA-DINH,do_thi,true\n"
    "HS-MOI-2,2020-10-20,2020-10-27,,UBND-BA-DINHH,kinh_te,false\n"
    "HS-MOI-3,2020-10-21,2020-10-28,,PHUONG-MOI-LAP,kinh_te,false\n"
)


def _count(app: Flask) -> int:
    engine = app.extensions["baocao"]["engine"]
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count()).where(dossiers.c.id.in_(["HS-MOI-1", "HS-MOI-2"]))
            ).scalar_one()
        )


def test_unknown_units_are_refused_then_accepted_with_the_checkbox(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.login("chuyenvien")
    uploaded = auth.upload(DOSSIERS.encode(), "ho-so.csv", kind="dossiers")
    assert uploaded.status_code == 302
    show = f"/nhap-du-lieu/{int(uploaded.headers['Location'].rsplit('/', 1)[1])}"

    refused = auth.post(f"{show}/nhap", {}, page=show)
    assert refused.status_code == 302
    page = html.unescape(client.get(show).get_data(as_text=True))
    assert (
        "Chưa nhập: 2 mã đơn vị chưa có trong danh mục đơn vị (UBND-BA-DINHH, PHUONG-MOI-LAP)."
        in page
    )
    assert "<td>ho-so.csv:3:unit</td><td>UBND-BA-DINHH</td>" in page
    assert "mã gần giống: UBND-BA-DINH" in page
    assert "<td>ho-so.csv:4:unit</td><td>PHUONG-MOI-LAP</td>" in page
    assert "Vẫn nhập, ghi nhận các mã đơn vị chưa có trong danh mục" in page
    assert 'name="accept_unknown_units"' in page
    assert _count(app) == 0  # nothing stored

    again = auth.post(f"{show}/nhap", {}, page=show)  # without the box: refused again
    assert again.status_code == 302 and _count(app) == 0

    accepted = auth.post(f"{show}/nhap", {"accept_unknown_units": "y"}, page=show)
    assert accepted.status_code == 302
    assert _count(app) == 2
    page = html.unescape(client.get(show).get_data(as_text=True))
    assert (
        "Đã nhập: ho-so.csv (dossiers): thêm 3, thay 0, không đổi 0; mã đơn vị không có trong "
        "bảng units: PHUONG-MOI-LAP, UBND-BA-DINHH"
    ) in page
    assert 'name="accept_unknown_units"' not in page
