"""Thresholds as people read them: the commune group's target (Decision 51/2025 gives one per
group) on the checklist, the village checklist and the dossier, as the roll-up compared; and a
smart-village threshold that no provincial text sets is labelled as the commune's own choice
wherever it is shown, driven by the catalogue file's `threshold_basis`."""

import datetime as dt
from io import BytesIO, StringIO

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from criteria.catalogue import CatalogueError, catalogue_read, shipped_files
from criteria.models import Assessment, CommuneGroup, CriteriaSet
from criteria.services import rollup_commune
from tests.criteria.conftest import ON
from tests.criteria.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

# Hand-made: a general target and a different one for each commune group, at commune and
# village level (one threshold each, so the pages show exactly the numbers below).
GROUPED = """
code: TEST-GROUPS-123
title: Bộ thử ngưỡng theo nhóm xã
level: commune
tier: ntm
valid_from: 2026-02-15
valid_to: 2030-12-31
criteria:
  - code: G.1
    title: Hộ có cáp quang (thử)
    indicator: households_fibre
    comparator: gte
    target: 85
    group_targets: {1: 95, 2: 72, 3: 55}
    unit: percent
"""
GROUPED_VILLAGE = """
code: TEST-GROUPS-VILLAGE
title: Bộ thử cấp thôn theo nhóm xã
level: village
tier: smart_village
valid_from: 2026-02-15
valid_to: 2030-12-31
criteria:
  - code: GV.1
    title: Hộ thôn có cáp quang (thử)
    indicator: households_fibre
    comparator: gte
    target: 85
    group_targets: {1: 96, 2: 73, 3: 56}
    unit: percent
"""
CHOICE_NOTE = "Ngưỡng do xã tự chọn"


def _load(tmp_path, text, name="catalogue.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    call_command("load_catalogue", str(path), stdout=StringIO())


def _group(commune, group):
    return CommuneGroup.objects.create(
        commune=commune, period="2026-2030", group=group,
        decision_number=f"{group}/QĐ-UBND", decision_date=dt.date(2026, 3, 2),
    )  # fmt: skip


def _fibre(village, yes, no):
    HouseholdFactory.create_batch(yes, village=village, has_fibre=True)
    HouseholdFactory.create_batch(no, village=village, has_fibre=False)


def _xlsx_text(response) -> str:
    book = load_workbook(BytesIO(response.content))
    return " ".join(
        str(c.value) for sheet in book.worksheets for row in sheet for c in row if c.value
    )


@pytest.fixture
def two_groups(tmp_path, commune_a, village_a1, commune_b, village_b1):
    """Only the hand-made sets apply (the shipped ones are switched off), commune A in group 1,
    commune B in group 3, both with 3 of 4 households on fibre (75 %)."""
    CriteriaSet.objects.update(is_active=False)
    _load(tmp_path, GROUPED, "g.yaml")
    _load(tmp_path, GROUPED_VILLAGE, "gv.yaml")
    _group(commune_a, 1)
    _group(commune_b, 3)
    for village in (village_a1, village_b1):
        _fibre(village, 3, 1)
    for commune in (commune_a, commune_b):
        rollup_commune(commune=commune, on=ON)
    return commune_a, commune_b


def test_checklist_shows_the_threshold_of_the_communes_group(
    two_groups, official_a, official_b, login
):
    commune_a, commune_b = two_groups
    status = {
        (a.commune_id, a.criterion.code): a.status
        for a in Assessment.objects.filter(latest=True, village=None)
    }
    # The roll-up compared 75 % with group 1's 95 % and group 3's 55 %.
    assert status[(commune_a.pk, "G.1")] == "not_met"
    assert status[(commune_b.pk, "G.1")] == "met"

    page_a = login(official_a).get(reverse("criteria:commune_checklist", args=[commune_a.code]))
    text_a = page_a.content.decode()
    assert "≥ 95%" in text_a and "≥ 96%" in text_a  # commune set and village matrix
    assert "nhóm 1" in text_a
    for other in ("≥ 85%", "≥ 72%", "≥ 55%", "≥ 73%", "≥ 56%"):
        assert other not in text_a  # neither the general target nor another group's

    page_b = login(official_b).get(reverse("criteria:commune_checklist", args=[commune_b.code]))
    text_b = page_b.content.decode()
    assert "≥ 55%" in text_b and "≥ 56%" in text_b
    assert "≥ 95%" not in text_b and "≥ 85%" not in text_b


def test_village_checklist_dossier_and_public_page_follow_the_group(
    two_groups, official_b, login, client
):
    _, commune_b = two_groups
    village = commune_b.villages.get()
    public = client.get(reverse("criteria:commune_public", args=[commune_b.code])).content.decode()
    assert "≥ 55%" in public and "≥ 85%" not in public
    official = login(official_b)
    page = official.get(reverse("criteria:village_checklist", args=[village.code]))
    assert "≥ 56%" in page.content.decode() and "≥ 85%" not in page.content.decode()
    dossier = _xlsx_text(official.get(reverse("criteria:dossier_xlsx", args=[commune_b.code])))
    assert "≥ 55%" in dossier and "≥ 56%" in dossier and "nhóm 3" in dossier
    assert "≥ 85%" not in dossier and "≥ 95%" not in dossier
    printed = official.get(reverse("criteria:dossier_print", args=[commune_b.code]))
    assert "≥ 55%" in printed.content.decode()


def test_without_a_group_the_general_target_shows(
    tmp_path, commune_a, village_a1, official_a, login
):
    CriteriaSet.objects.update(is_active=False)
    _load(tmp_path, GROUPED)
    _fibre(village_a1, 3, 1)
    rollup_commune(commune=commune_a, on=ON)
    text = (
        login(official_a)
        .get(reverse("criteria:commune_checklist", args=[commune_a.code]))
        .content.decode()
    )
    assert "≥ 85%" in text and "nhóm" not in text.split("≥ 85%")[1][:200]


def test_commune_choice_thresholds_are_labelled_on_every_page(
    commune_a, village_a1, official_a, login, client
):
    """The shipped Quảng Ninh smart-village set: no provincial decision found, every threshold
    is the commune's choice (its file says threshold_basis: commune_choice)."""
    smart = CriteriaSet.objects.get(code="TTM-QN", is_active=True)
    assert set(smart.criteria.values_list("threshold_basis", flat=True)) == {"commune_choice"}
    _fibre(village_a1, 3, 1)
    rollup_commune(commune=commune_a, on=ON)
    official = login(official_a)
    checklist = official.get(reverse("criteria:commune_checklist", args=[commune_a.code]))
    village_page = official.get(reverse("criteria:village_checklist", args=[village_a1.code]))
    printed = official.get(reverse("criteria:dossier_print", args=[commune_a.code]))
    for response in (checklist, village_page, printed):
        assert CHOICE_NOTE in response.content.decode(), response.request["PATH_INFO"]
    # The village matrix's narrow headers say it in two words, explained once above the table.
    matrix = checklist.content.decode()
    assert matrix.count(f'title="{CHOICE_NOTE}') == 10 and "«xã tự chọn»" in matrix
    assert CHOICE_NOTE in _xlsx_text(
        official.get(reverse("criteria:dossier_xlsx", args=[commune_a.code]))
    )
    public_village = client.get(reverse("dashboards:village_public", args=[village_a1.code]))
    assert CHOICE_NOTE in public_village.content.decode()
    # The 319 conditions' thresholds are the decision's: not labelled.
    model = next(
        a
        for a in Assessment.objects.filter(
            latest=True, criterion__criteria_set__code="QD319-2021-2025"
        )
    )
    assert model.criterion.requirement_note() == ""


def test_threshold_basis_comes_from_the_file_and_round_trips(tmp_path):
    text = GROUPED.replace(
        "    unit: percent\n", "    unit: percent\n    threshold_basis: commune_choice\n"
    )
    catalogue = catalogue_read(text)
    assert catalogue.criteria[0]["threshold_basis"] == "commune_choice"
    _load(tmp_path, text)
    out = StringIO()
    call_command("export_catalogue", "TEST-GROUPS-123", stdout=out)
    exported = yaml.safe_load(out.getvalue())
    assert exported["criteria"][0]["threshold_basis"] == "commune_choice"
    # Not given = the legal text's threshold, and the export leaves the default out.
    assert catalogue_read(GROUPED).criteria[0]["threshold_basis"] == "official"
    with pytest.raises(CatalogueError) as bad:
        catalogue_read(text.replace("commune_choice", "guess"))
    assert any("threshold_basis" in e for e in bad.value.errors)


def test_shipped_files_say_whose_thresholds_they_are():
    for path in shipped_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        bases = {c.get("threshold_basis", "official") for c in data["criteria"]}
        if data["tier"] == "smart_village":
            assert bases == {"commune_choice"}, path.name
        else:
            assert bases == {"official"}, path.name
