"""The Biểu mẫu page: choose a form, a period and a unit; get its files; a week is refused."""

from __future__ import annotations

import io
import re
import zipfile

from flask.testing import FlaskClient

from tests.web.conftest import AuthActions

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_form_page_writes_the_form_files(client: FlaskClient, auth: AuthActions) -> None:
    assert auth.login("quantri").status_code == 302
    page = client.get("/bieu-mau/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>Biểu mẫu thống kê</h1>" in html
    assert '<option value="06/VPCP/KSTT">' in html
    token = _TOKEN.search(html)
    assert token
    response = client.post(
        "/bieu-mau/",
        data={
            "csrf_token": token.group(1),
            "form": "06/VPCP/KSTT",
            "period": "2020-Q3",
            "unit": "",
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert names == [
        "Bieu-06-VPCP-KSTT-2020-07-01_2020-09-30.xlsx",
        "Bieu-06-VPCP-KSTT-2020-07-01_2020-09-30.docx",
    ]
    week = client.post(
        "/bieu-mau/",
        data={
            "csrf_token": token.group(1),
            "form": "06/VPCP/KSTT",
            "period": "2020-W39",
            "unit": "",
        },
    )
    assert week.status_code == 400
    assert "không lập cho kỳ tuần" in week.get_data(as_text=True)
    report_page = client.get("/bao-cao/").get_data(as_text=True)
    assert 'action="/bieu-mau/"' in report_page and '<option value="01/TCD">' in report_page
    missing = client.get("/bieu-mau/edxml/999")
    assert missing.status_code in (404, 409)
