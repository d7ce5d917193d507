"""Commune groups (Decision 51/2025/QĐ-TTg): a threshold per group 1/2/3, the commune's group
for the period recorded by an official with the assigning decision, used by the roll-up."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from criteria.models import Assessment, CommuneGroup, CriteriaSet
from criteria.services import rollup_commune
from tests.criteria.conftest import ON
from tests.criteria.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

GROUPED = """
code: TEST-GROUPS
title: Bộ thử ngưỡng theo nhóm xã
level: commune
tier: ntm
valid_from: 2026-02-15
valid_to: 2030-12-31
criteria:
  - code: G.1
    title: Hộ có cáp quang
    indicator: households_fibre
    comparator: gte
    target: 90
    group_targets: {1: 90, 2: 70, 3: 50}
    unit: percent
"""


@pytest.fixture
def grouped_set(tmp_path):
    path = tmp_path / "groups.yaml"
    path.write_text(GROUPED, encoding="utf-8")
    call_command("load_catalogue", str(path), stdout=StringIO())
    return CriteriaSet.objects.get(code="TEST-GROUPS")


def _status(commune):
    rollup_commune(commune=commune, on=ON)
    return Assessment.objects.get(latest=True, village=None, criterion__code="G.1").status


def test_the_commune_groups_threshold_decides(grouped_set, commune_a, village_a1):
    HouseholdFactory.create_batch(3, village=village_a1, has_fibre=True)
    HouseholdFactory(village=village_a1, has_fibre=False)  # 3 of 4 = 75 %
    assert _status(commune_a) == "not_met"  # no group recorded: the general target 90 %
    group = CommuneGroup.objects.create(
        commune=commune_a, period="2026-2030", group=2,
        decision_number="12/QĐ-UBND", decision_date=dt.date(2026, 3, 1),
    )  # fmt: skip
    assert _status(commune_a) == "met"  # group 2: 70 %
    group.group = 1
    group.save()
    assert _status(commune_a) == "not_met"  # group 1: 90 %
    # A group for another period does not apply to the 2026-2030 set.
    group.period = "2021-2025"
    group.save()
    assert _status(commune_a) == "not_met"


def test_official_records_the_group_of_their_commune_only(official_a, commune_b, client):
    client.force_login(official_a)
    url = reverse("admin:criteria_communegroup_add")
    page = client.get(url)
    assert page.status_code == 200
    assert commune_b.name not in page.content.decode()  # not offered
    data = {"period": "2026-2030", "group": "3", "decision_number": "5/QĐ-UBND",
            "decision_date": "02/03/2026", "issued_by": "UBND tỉnh"}  # fmt: skip
    refused = client.post(url, {**data, "commune": commune_b.pk})
    assert refused.status_code == 200 and not CommuneGroup.objects.exists()
    commune_a = official_a.memberships.first().commune
    saved = client.post(url, {**data, "commune": commune_a.pk})
    assert saved.status_code == 302, saved.content[-2000:]
    group = CommuneGroup.objects.get()
    assert (group.commune, group.group, group.entered_by) == (commune_a, 3, official_a)
