"""Admin: every shipped catalogue can be saved as a superuser (the 319 income target of 110 %
used to be refused), and a catalogue file is imported after a preview."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from criteria.catalogue import SHIPPED_DIR, catalogue_load_file, shipped_files
from criteria.models import CriteriaSet
from criteria.services import rollup_commune
from tests.criteria.conftest import ON
from tests.criteria.test_versioning import _formdata

pytestmark = pytest.mark.django_db


@pytest.fixture
def all_shipped(db):
    """Every shipped file loaded (the migration's sets stay as they are when identical)."""
    return [catalogue_load_file(path).criteria_set for path in shipped_files()]


def test_every_shipped_catalogue_saves_through_the_admin(all_shipped, admin_client):
    assert len(all_shipped) == len(shipped_files()) >= 2
    for criteria_set in all_shipped:
        url = reverse("admin:criteria_criteriaset_change", args=[criteria_set.pk])
        data = _formdata(admin_client.get(url))
        data["title"] = criteria_set.title + " (sửa)"
        response = admin_client.post(url, data)
        assert response.status_code == 302, (criteria_set.code, response.content[-3000:])
        saved = CriteriaSet.objects.get(code=criteria_set.code, is_active=True)
        assert saved.title.endswith("(sửa)")
        assert saved.criteria.count() == criteria_set.criteria.count()


def test_319_in_use_can_be_deactivated_in_the_admin(commune_a, village_a1, model_set, admin_client):
    rollup_commune(commune=commune_a, on=ON)
    url = reverse("admin:criteria_criteriaset_change", args=[model_set.pk])
    data = _formdata(admin_client.get(url))
    data.pop("is_active", None)
    assert admin_client.post(url, data).status_code == 302
    model_set.refresh_from_db()
    assert not model_set.is_active and model_set.version == 1
    assert model_set.criteria.get(code="2").target == 110


def _upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("catalogue.yaml", text.encode(), content_type="application/x-yaml")


def test_import_previews_then_loads_a_new_version(smart_set, admin_client):
    url = reverse("admin:criteria_criteriaset_import")
    text = (SHIPPED_DIR / "ttm-qn.yaml").read_text(encoding="utf-8")
    text = text.replace("target: 77", "target: 70")
    preview = admin_client.post(url, {"file": _upload(text)})
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "TTM.06" in page and "phiên bản 1" in page  # says which version it replaces
    assert CriteriaSet.objects.filter(code="TTM-QN").count() == 1  # nothing saved yet
    content = preview.context["confirm_form"]["content"].value()
    confirmed = admin_client.post(url, {"content": content, "confirm": "1"})
    assert confirmed.status_code == 302
    new = CriteriaSet.objects.get(code="TTM-QN", is_active=True)
    assert new.version == 2 and new.criteria.get(code="TTM.06").target == 70
    assert smart_set.criteria.get(code="TTM.06").target == 77


def test_import_shows_errors_in_vietnamese_and_saves_nothing(admin_client):
    bad = (
        "code: X\ntitle: X\nlevel: village\ncriteria:\n  - code: A\n    title: A\n    target: 150\n"
    )
    response = admin_client.post(
        reverse("admin:criteria_criteriaset_import"), {"file": _upload(bad)}
    )
    assert response.status_code == 200
    assert "Chưa nạp bộ tiêu chí" in response.content.decode()
    assert not CriteriaSet.objects.filter(code="X").exists()


def test_official_cannot_import_a_national_catalogue(official_a, client):
    client.force_login(official_a)
    text = (SHIPPED_DIR / "qd319-2021-2025.yaml").read_text(encoding="utf-8")
    text = text.replace("target: 110", "target: 120")
    response = client.post(
        reverse("admin:criteria_criteriaset_import"), {"content": text, "confirm": "1"}
    )
    assert response.status_code in (200, 403)
    assert CriteriaSet.objects.filter(code="QD319-2021-2025").count() == 1
