"""The admin: officials see and choose only their commune's rows; amounts typed with dots."""

import pytest
from django.urls import reverse

from payments.models import CashlessReport, current_period, month_start
from tests.payments.factories import CashlessReportFactory

pytestmark = pytest.mark.django_db

LAST = month_start(current_period(), -1)


def test_changelist_is_limited_to_the_officials_commune(login, official_a, commune_a, commune_b):
    CashlessReportFactory(commune=commune_a, note="của A")
    CashlessReportFactory(commune=commune_b, note="của B")
    response = login(official_a).get(reverse("admin:payments_cashlessreport_changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_add_form_offers_no_other_commune_and_reads_vnd(login, official_a, commune_a, village_b1):
    client = login(official_a)
    url = reverse("admin:payments_cashlessreport_add")
    form = client.get(url).context["adminform"].form
    assert list(form.fields["commune"].queryset) == [commune_a]
    assert village_b1 not in form.fields["village"].queryset
    data = {
        "commune": commune_a.pk,
        "village": "",
        "period": f"{LAST:%m/%Y}",
        "category": "taxes",
        "payers_total": "1.000",
        "payers_cashless": "984",
        "amount_total": "2.400.000.000",
        "amount_cashless": "2.361.600.000",
        "source": "treasury",
        "note": "",
    }
    assert client.post(url, data).status_code == 302
    report = CashlessReport.objects.get()
    assert report.amount_cashless == 2_361_600_000 and report.entered_by == official_a
    # The same month again: the readable message, not a database error.
    response = client.post(url, data)
    assert "Xã đã có báo cáo cho lĩnh vực và tháng này" in response.content.decode()
    # A village of another commune is refused.
    response = client.post(url, {**data, "village": village_b1.pk, "category": "water"})
    assert response.status_code == 200
    assert CashlessReport.objects.count() == 1


def test_official_b_cannot_open_commune_as_report(login, official_b, commune_a):
    report = CashlessReportFactory(commune=commune_a)
    url = reverse("admin:payments_cashlessreport_change", args=[report.pk])
    assert login(official_b).get(url).status_code in (302, 403, 404)
