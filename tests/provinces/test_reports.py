"""The province overview's trend, map, reports and roll-up on hand-counted fixtures: communes
A and B of province 22 (the office's), C of province 33 (test_overview.province)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from households.models import DigitalAddress, ExportAudit, Household
from provinces import selectors
from tests.factories import UserFactory
from tests.provinces.test_overview import _snapshot
from villages.roles import make_province_office


def _runs(province, commune_a, commune_b):
    c0, c1, c2 = province["criteria"]
    _snapshot(commune_a, dt.date(2025, 5, 10), {c0: True, c1: False, c2: False})
    _snapshot(commune_a, dt.date(2025, 6, 20), {c0: True, c1: True, c2: False})  # Q2's last
    # Q4: A 3/3 (fixture, 1 Dec), B 1/3 (fixture, 1 Nov): counted; C is another province's.


def test_trend_per_quarter_counts_each_communes_last_rollup(province, commune_a, commune_b):
    _runs(province, commune_a, commune_b)
    data = selectors.province_overview(province["office"], "22")
    quarters = selectors.quarter_trends(
        province["office"], data["commune_ids"], data["set_ids"], today=dt.date(2025, 12, 15)
    )
    got = {q.label: (q.communes, q.met, q.assessed, q.all_met) for q in quarters}
    assert (
        len(quarters) == 8
        and quarters[0].label == "Quý I/2024"
        and quarters[-1].label == "Quý IV/2025"
    )
    assert got["Quý II/2025"] == (1, 2, 3, 0)  # A's June run, not its May one
    assert got["Quý III/2025"] == (0, 0, 0, 0)
    assert got["Quý IV/2025"] == (2, 4, 6, 1)  # A 3/3 + B 1/3; C (province 33) not counted
    chart = selectors.trend_chart(quarters)
    assert chart.labels[-1] == "IV/2025"
    assert chart.series[0].markers  # drawn


def test_overview_shows_the_trend_map_and_reports(province, client, commune_a, commune_b):
    _runs(province, commune_a, commune_b)
    client.force_login(province["office"])
    body = client.get(reverse("provinces:overview", args=["22"])).content.decode()
    assert "<svg" in body and 'id="province-quarters"' in body
    assert 'id="province-map"' in body and 'id="province-map-config"' in body
    assert reverse("provinces:report_xlsx", args=["22"]) in body
    assert reverse("provinces:report_print", args=["22"]) in body
    assert "Chart.js" not in body and "chart.js" not in body


def _addresses(village, count, lat, lon):
    for n in range(count):
        household = Household.objects.create(village=village, number=f"{village.number}-{n}")
        DigitalAddress.objects.create(
            household=household,
            latitude=Decimal(lat) + Decimal(n) / 1000,
            longitude=Decimal(lon),
            source="team",
        )


def test_map_points_are_village_means_never_households(province, client, commune_a, commune_b):
    va = commune_a.villages.get(number=9)
    _addresses(va, 5, "21.100000", "107.300000")  # mean 21.102
    _addresses(commune_b.villages.get(number=9), 4, "21.200000", "107.400000")  # too few
    _addresses(province["c"].villages.get(number=9), 6, "22.0", "108.0")  # other province
    client.force_login(province["office"])
    response = client.get(reverse("provinces:map_data", args=["22"]))
    assert response.status_code == 200
    data = response.json()
    assert data["without_position"] == 1
    assert data["communes"] == [
        {
            "code": "90001",
            "name": "Xã An Phú",
            "lat": 21.102,
            "lon": 107.3,
            "met": 3,
            "total": 3,
            "url": reverse("provinces:commune_checklist", args=["22", "90001"]),
        }
    ]
    assert "9-0" not in response.content.decode()  # no household number


@pytest.mark.parametrize(
    "name", ["provinces:map_data", "provinces:report_xlsx", "provinces:report_print"]
)
def test_new_pages_refuse_others(province, client, official_a, name):
    url = reverse(name, args=["22"])
    assert client.get(url).status_code == 302  # anonymous: log in
    client.force_login(official_a)
    assert client.get(url).status_code == 403
    other = UserFactory(username="vp_ntm_33")
    make_province_office(other, "33")
    client.force_login(other)
    assert client.get(url).status_code == 404
    client.force_login(province["office"])
    assert client.get(reverse(name, args=["33"])).status_code == 404


def test_excel_report_has_communes_by_criteria_and_is_recorded(province, client):
    client.force_login(province["office"])
    response = client.get(reverse("provinces:report_xlsx", args=["22"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="tong-hop-tinh-22-')
    ws = load_workbook(BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    texts = [str(v) for row in rows for v in row if v is not None]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in texts
    assert "Độc lập – Tự do – Hạnh phúc" in texts
    assert "VĂN PHÒNG ĐIỀU PHỐI NÔNG THÔN MỚI TỈNH QUẢNG NINH" in texts[0].upper()
    header = next(i for i, row in enumerate(rows) if row[0] == "STT")
    a, b = rows[header + 1], rows[header + 2]
    assert a[1:6] == ["90001", "Xã An Phú", 1, "3/3", "01/12/2025"]
    assert b[1:6] == ["90002", "Xã Bình Minh", "–", "1/3", "01/11/2025"]
    assert [v.endswith("Đạt") for v in a[6:9]] == [True, True, True]
    assert b[6].endswith("– Đạt") and b[7].endswith("Chưa đạt")
    assert rows[header + 3][6:9] == ["2/2", "1/2", "1/2"]  # communes meeting each criterion
    assert "Xã Cẩm Hà" not in texts  # province 33
    audit = ExportAudit.objects.get()
    assert audit.user == province["office"] and audit.rows == 2 and audit.commune is None
    assert audit.model == "province summary" and not audit.full_ids


def test_print_view_is_an_official_document(province, client):
    client.force_login(province["office"])
    response = client.get(reverse("provinces:report_print", args=["22"]))
    assert response.status_code == 200
    body = response.content.decode()
    for text in (
        "Cộng hòa xã hội chủ nghĩa Việt Nam",
        "Độc lập – Tự do – Hạnh phúc",
        "Ủy ban nhân dân Tỉnh Quảng Ninh",
        "Văn phòng Điều phối nông thôn mới",
        "Chánh Văn phòng",
        "Nơi nhận:",
    ):
        assert text in body, text
    table = body[body.index('id="province-report"') :]
    assert table.index("Xã An Phú") < table.index("Xã Bình Minh")
    assert "Xã Cẩm Hà" not in body
    assert "1/2" in table  # communes meeting the second criterion


def test_commune_dossier_keeps_its_heading_and_signatures(client, official_a, commune_a):
    client.force_login(official_a)
    body = client.get(reverse("criteria:dossier_print", args=[commune_a.code])).content.decode()
    assert "Ủy ban nhân dân Xã An Phú" in body
    assert "Cộng hòa xã hội chủ nghĩa Việt Nam" in body
    assert "Chủ tịch" in body and "Nơi nhận:" in body
    assert "Chánh Văn phòng" not in body  # the province's signer is not the commune's
