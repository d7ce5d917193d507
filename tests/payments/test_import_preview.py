"""The payments import preview is kept in the database (payments.CashlessImport), as the
household imports are: not in the session (docs/decisions.md, "Import previews")."""

import pytest
from django.test import Client
from django.urls import reverse

from payments.models import CashlessImport, CashlessReport
from tests.payments.test_import import LAST, _confirm, _upload

pytestmark = pytest.mark.django_db

ROW = [f"{LAST:%m/%Y}", "", "Tiền điện", 2050, 1758, 943_000_000, 916_596_000, "", ""]


def test_preview_is_a_row_that_survives_a_new_session(login, official_a, commune_a):
    assert _upload(login(official_a), commune_a, [ROW]).status_code == 200
    kept = CashlessImport.objects.get()
    assert kept.created_by == official_a and kept.status == "preview"
    assert kept.total_rows == 1 and len(kept.result["rows"]) == 1 and kept.file
    # The official logs in again elsewhere (another session): the preview is still there.
    other = Client()
    other.force_login(official_a)
    assert _confirm(other, kept).status_code == 302
    assert CashlessReport.objects.filter(commune=commune_a).count() == 1
    kept.refresh_from_db()
    assert kept.status == "done"


def test_a_newer_upload_replaces_the_preview_and_others_cannot_confirm_it(
    login, official_a, commune_a, django_user_model
):
    client = login(official_a)
    _upload(client, commune_a, [ROW])
    _upload(client, commune_a, [ROW, [*ROW[:2], "Tiền nước", 10, 5, 1000, 500, "", ""]])
    assert list(CashlessImport.objects.order_by("pk").values_list("status", flat=True)) == [
        "cancelled",
        "preview",
    ]
    stranger = Client()
    stranger.force_login(django_user_model.objects.create_user("khac", is_staff=True))
    pending = CashlessImport.objects.get(status="preview")
    assert stranger.post(reverse("payments:import_confirm", args=[pending.pk])).status_code == 403
    assert not CashlessReport.objects.exists()
    _confirm(client, pending)
    assert CashlessReport.objects.count() == 2
