"""A set in use is never edited in place: editing makes a new version; old assessments stay."""

from decimal import Decimal

import pytest
from django.urls import reverse

from criteria.models import Assessment, CriteriaSet, Criterion
from criteria.selectors import trend
from criteria.services import criteria_set_new_version, rollup_commune
from tests.criteria.conftest import ON
from tests.criteria.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def test_new_version_keeps_old_assessments(commune_a, village_a1, smart_set):
    hh = HouseholdFactory(village=village_a1)
    ResidentFactory.create_batch(3, household=hh, has_epayment=True)
    ResidentFactory(household=hh, has_epayment=False)  # 75%: below 77%
    rollup_commune(commune=commune_a, on=ON)
    old = Assessment.objects.get(latest=True, village=village_a1, criterion__code="TTM.06")
    assert old.status == "not_met"

    new_set = criteria_set_new_version(
        criteria_set=smart_set, criteria_changes={"TTM.06": {"target": Decimal(70)}}
    )
    smart_set.refresh_from_db()
    assert (new_set.version, new_set.previous, new_set.is_active) == (2, smart_set, True)
    assert not smart_set.is_active and smart_set.superseded_by == new_set
    assert new_set.criteria.count() == smart_set.criteria.count() == 10

    rollup_commune(commune=commune_a, on=ON)
    old.refresh_from_db()
    assert old.criterion.criteria_set == smart_set and old.criterion.target == 77
    assert old.status == "not_met" and not old.latest
    now = Assessment.objects.get(latest=True, village=village_a1, criterion__code="TTM.06")
    assert now.criterion.criteria_set == new_set and now.status == "met"
    # The trend follows the criterion across versions.
    assert [a.status for a in trend(commune_a, now.criterion, village_a1)] == ["not_met", "met"]


def test_admin_edit_of_a_set_in_use_creates_a_version(
    commune_a, village_a1, smart_set, admin_client
):
    rollup_commune(commune=commune_a, on=ON)
    url = reverse("admin:criteria_criteriaset_change", args=[smart_set.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    data = _formdata(page)
    data["title"] = "Bộ tiêu chí mới"
    target_field = next(k for k, v in data.items() if k.endswith("-code") and v == "TTM.01")
    data[target_field.replace("-code", "-target")] = "90"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    versions = CriteriaSet.objects.filter(code="TTM-QN").order_by("version")
    assert [(s.version, s.is_active) for s in versions] == [(1, False), (2, True)]
    old, new = versions
    assert old.title != "Bộ tiêu chí mới" and new.title == "Bộ tiêu chí mới"
    assert old.criteria.get(code="TTM.01").target == 80
    assert new.criteria.get(code="TTM.01").target == 90
    assert new.criteria.count() == 10
    assert Assessment.objects.filter(criterion__criteria_set=old).count() == 20 - 10  # 1 village


def test_admin_edit_of_an_unused_set_is_in_place(smart_set, admin_client):
    url = reverse("admin:criteria_criteriaset_change", args=[smart_set.pk])
    data = _formdata(admin_client.get(url))
    data["title"] = "Tên mới"
    assert admin_client.post(url, data).status_code == 302
    smart_set.refresh_from_db()
    assert smart_set.title == "Tên mới" and smart_set.version == 1
    assert CriteriaSet.objects.filter(code="TTM-QN").count() == 1


def test_officials_cannot_edit_national_sets(official_a, model_set, smart_set, client):
    client.force_login(official_a)
    national = client.get(reverse("admin:criteria_criteriaset_change", args=[model_set.pk]))
    assert national.status_code == 200
    assert b'name="_save"' not in national.content  # view only
    provincial = client.get(reverse("admin:criteria_criteriaset_change", args=[smart_set.pk]))
    assert b'name="_save"' in provincial.content


def test_who_may_read_and_who_may_change_a_set(official_a, leader_a1, model_set, smart_set):
    """Everyone with a role reads the national set and their province's; only officials
    change a set, and only their province's (national catalogues are law)."""
    from tests.factories import CommuneFactory, UserFactory
    from villages.roles import make_official

    elsewhere = UserFactory(username="official_hanoi")
    make_official(elsewhere, CommuneFactory(code="00004", province_code="01"))
    for user in (official_a, leader_a1):
        assert {model_set, smart_set} <= set(CriteriaSet.objects.for_user(user))
    assert smart_set not in CriteriaSet.objects.for_user(elsewhere)
    editable = set(CriteriaSet.objects.editable_by(official_a))
    assert smart_set in editable and model_set not in editable
    assert all(criteria_set.province_code == "22" for criteria_set in editable)
    assert not CriteriaSet.objects.editable_by(leader_a1).exists()
    assert not CriteriaSet.objects.editable_by(elsewhere).exists()


def test_unknown_indicator_key_is_refused(smart_set):
    from django.core.exceptions import ValidationError

    criterion = Criterion(criteria_set=smart_set, code="X", title="X", indicator_key="nope",
                          target=Decimal(1))  # fmt: skip
    with pytest.raises(ValidationError):
        criterion.full_clean()


def _formdata(response):
    """The admin change form's current values, as a browser would post them back."""
    import re
    from html import unescape

    html = response.content.decode()
    data = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        kind = re.search(r'type="([^"]+)"', tag)
        kind = kind.group(1) if kind else "text"
        value = re.search(r'value="([^"]*)"', tag)
        if kind == "checkbox":
            if "checked" in tag:
                data[name.group(1)] = "on"
            continue
        if kind in ("submit", "file"):
            continue
        data[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = unescape(body).lstrip("\n")
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        selected = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        data[name] = unescape(selected.group(1)) if selected else ""
    return data
