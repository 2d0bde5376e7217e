"""The Biểu mẫu page: choose a form, a period and a unit; get its files; a week is refused."""

from __future__ import annotations

import io
import re
import zipfile

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.web.conftest import AuthActions

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _form_06(client: FlaskClient, token: str, **fields: str) -> TestResponse:
    """Biểu mẫu's form for Biểu 06/VPCP/KSTT, sent with ``fields``."""
    return client.post("/bieu-mau/", data={"csrf_token": token, "form": "06/VPCP/KSTT", **fields})


def test_form_page_writes_the_form_files(client: FlaskClient, auth: AuthActions) -> None:
    assert auth.login("quantri").status_code == 302
    page = client.get("/bieu-mau/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>Biểu mẫu thống kê</h1>" in html
    assert '<option value="06/VPCP/KSTT">' in html
    token = _TOKEN.search(html)
    assert token
    response = _form_06(client, token.group(1), period="2020-Q3", unit="")
    assert response.status_code == 200, response.get_data(as_text=True)
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert names == [
        "Bieu-06-VPCP-KSTT-2020-07-01_2020-09-30.xlsx",
        "Bieu-06-VPCP-KSTT-2020-07-01_2020-09-30.docx",
    ]
    week = _form_06(client, token.group(1), period="2020-W39", unit="")
    assert week.status_code == 400
    assert "không lập cho kỳ tuần" in week.get_data(as_text=True)
    report_page = client.get("/bao-cao/").get_data(as_text=True)
    assert 'action="/bieu-mau/"' in report_page and '<option value="01/TCD">' in report_page
    missing = client.get("/bieu-mau/edxml/999")
    assert missing.status_code in (404, 409)


def test_the_form_s_period_is_picked_like_the_reports(
    client: FlaskClient, auth: AuthActions
) -> None:
    """The form's period comes from the same picker as a report's (presets without a week,
    the typed forms, two dates); a wrong field is said beside it, what was typed kept."""
    assert auth.login("chuyenvien").status_code == 302
    for path in ("/bieu-mau/", "/bao-cao/"):
        html = client.get(path).get_data(as_text=True)
        assert 'name="bieu-ky"' in html and 'name="bieu-ky_go"' in html
        assert '<option value="quy-truoc" selected>quý trước</option>' in html
        assert 'value="tuan-truoc"' not in html.split('name="bieu-ky"', 1)[1].split("</select>")[0]
    token = _TOKEN.search(client.get("/bieu-mau/").get_data(as_text=True))
    assert token
    typed = _form_06(client, token.group(1), **{"bieu-ky_go": "2020-Q3"})
    assert typed.status_code == 200
    dates = _form_06(client, token.group(1), **{"bieu-tu": "01/07/2020", "bieu-den": "30/09/2020"})
    assert dates.status_code == 200
    names = [zipfile.ZipFile(io.BytesIO(r.data)).namelist() for r in (typed, dates)]
    assert (
        names[0]
        == names[1]
        == [
            "Bieu-06-VPCP-KSTT-2020-07-01_2020-09-30.xlsx",
            "Bieu-06-VPCP-KSTT-2020-07-01_2020-09-30.docx",
        ]
    )
    wrong = _form_06(client, token.group(1), **{"bieu-ky_go": "2020-Q7"})
    page = wrong.get_data(as_text=True)
    assert wrong.status_code == 400
    assert 'id="bieu-ky_go-loi"' in page and 'value="2020-Q7"' in page
