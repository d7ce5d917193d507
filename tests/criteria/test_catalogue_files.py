"""Catalogues as files: the shipped files load identically to the shipped sets, round-trip
through export, load as new versions without touching older assessments, refuse bad files
atomically with Vietnamese messages, and a new file rolls up with no code change."""

import importlib
from decimal import Decimal
from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command

from criteria.catalogue import (
    SHIPPED_DIR,
    catalogue_dict,
    catalogue_export,
    catalogue_read,
    catalogue_to_dict,
    shipped_files,
)
from criteria.models import Assessment, CriteriaSet, Criterion
from criteria.services import rollup_commune
from tests.criteria.conftest import ON
from tests.criteria.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db

SHIPPED_BY_MIGRATION = {"qd319-2021-2025.yaml": "QD319-2021-2025", "ttm-qn.yaml": "TTM-QN"}
MIGRATION_SETS = importlib.import_module("criteria.migrations.0002_shipped_catalogues").SETS


def _criteria_rows(criteria_set):
    fields = ["code", "title", "indicator_key", "comparator", "target", "unit", "weight",
              "requires_evidence", "options", "help_text", "order"]  # fmt: skip
    return list(criteria_set.criteria.order_by("order").values(*fields))


@pytest.mark.parametrize("name", sorted(SHIPPED_BY_MIGRATION))
def test_shipped_file_loads_identically_to_the_migration(name):
    code = SHIPPED_BY_MIGRATION[name]
    shipped = CriteriaSet.objects.get(code=code, version=1)
    expected_rows = _criteria_rows(shipped)
    expected_set = {
        f: getattr(shipped, f)
        for f in [
            "title",
            "level",
            "tier",
            "legal_basis",
            "valid_from",
            "valid_to",
            "province_code",
        ]
    }
    # A fresh database without the shipped set: the file alone recreates it.
    shipped.delete()
    out = StringIO()
    call_command("load_catalogue", str(SHIPPED_DIR / name), stdout=out)
    loaded = CriteriaSet.objects.get(code=code, is_active=True)
    assert loaded.version == 1
    assert {f: getattr(loaded, f) for f in expected_set} == expected_set
    rows, expected = _criteria_rows(loaded), list(expected_rows)
    if code == "QD319-2021-2025":
        # The one intended change: condition 1 is computed from the advanced (318) set.
        first, expected_first = rows.pop(0), expected.pop(0)
        assert (expected_first["indicator_key"], expected_first["requires_evidence"]) == ("", True)
        assert (first["indicator_key"], first["requires_evidence"]) == ("advanced_set_met", False)
        assert first["title"] == expected_first["title"]
    assert rows == expected
    # And what the migration wrote, field by field (319 condition 2 is now a "ratio" unit).
    data = next(s for s in MIGRATION_SETS if s["code"] == code)
    assert [r["title"] for r in expected_rows] == [c["title"] for c in data["criteria"]]
    assert [r["target"] for r in expected_rows] == [c["target"] for c in data["criteria"]]


@pytest.mark.parametrize("path", shipped_files(), ids=lambda p: p.name)
def test_every_shipped_file_round_trips_through_export(path):
    CriteriaSet.objects.all().delete()  # a fresh database
    call_command("load_catalogue", str(path), stdout=StringIO())
    original = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = StringIO()
    call_command("export_catalogue", original["code"], stdout=out)
    exported = yaml.safe_load(out.getvalue())
    assert exported == catalogue_dict(catalogue_read(path.read_text(encoding="utf-8")))
    # Loading the export again changes nothing.
    again = StringIO()
    call_command("load_catalogue", str(path), stdout=again)
    assert "không đổi" in again.getvalue()
    assert CriteriaSet.objects.filter(code=original["code"]).count() == 1


def test_migration_sets_equal_their_files():
    for name, code in SHIPPED_BY_MIGRATION.items():
        text = (SHIPPED_DIR / name).read_text(encoding="utf-8")
        shipped = catalogue_to_dict(CriteriaSet.objects.get(code=code, version=1))
        in_file = catalogue_dict(catalogue_read(text))
        if code == "QD319-2021-2025":  # condition 1 computed (see the test above)
            assert in_file["criteria"].pop(0)["indicator"] == "advanced_set_met"
            shipped["criteria"].pop(0)
        assert shipped == in_file


def test_loading_a_changed_file_makes_a_new_version_and_keeps_old_assessments(
    tmp_path, commune_a, village_a1, smart_set
):
    hh = HouseholdFactory(village=village_a1)
    ResidentFactory.create_batch(3, household=hh, has_epayment=True)
    ResidentFactory(household=hh, has_epayment=False)  # 75 %: below 77 %
    rollup_commune(commune=commune_a, on=ON)
    old = Assessment.objects.get(latest=True, village=village_a1, criterion__code="TTM.06")
    assert old.status == "not_met"

    data = yaml.safe_load(catalogue_export(smart_set))
    next(c for c in data["criteria"] if c["code"] == "TTM.06")["target"] = 70
    path = tmp_path / "ttm.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    call_command("load_catalogue", str(path), stdout=StringIO())

    smart_set.refresh_from_db()
    new = CriteriaSet.objects.get(code="TTM-QN", is_active=True)
    assert (new.version, new.previous, smart_set.is_active) == (2, smart_set, False)
    assert smart_set.criteria.get(code="TTM.06").target == 77  # the old version is untouched
    old.refresh_from_db()
    assert old.criterion.criteria_set == smart_set and old.status == "not_met"
    rollup_commune(commune=commune_a, on=ON)
    now = Assessment.objects.get(latest=True, village=village_a1, criterion__code="TTM.06")
    assert now.criterion.criteria_set == new and now.status == "met"


BAD = """
code: TEST-BAD
title: Bộ lỗi
level: village
criteria:
  - code: A
    title: Chỉ tiêu đúng
    indicator: households_fibre
    target: 80
  - code: B
    title: Chỉ số không có
    indicator: no_such_indicator
    target: 50
  - code: C
    title: Phần trăm quá 100
    unit: percent
    target: 150
"""


def test_bad_file_is_refused_whole_with_vietnamese_messages(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(CommandError) as info:
        call_command("load_catalogue", str(path), stdout=StringIO())
    message = str(info.value)
    assert "Chưa nạp bộ tiêu chí" in message
    assert "Tiêu chí B" in message and "no_such_indicator" in message
    assert "Tiêu chí C" in message and "không quá 100" in message
    assert not CriteriaSet.objects.filter(code="TEST-BAD").exists()  # nothing saved, not even A


def test_unreadable_yaml_names_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("code: X\ncriteria: [\n  - a\n", encoding="utf-8")
    with pytest.raises(CommandError, match="YAML"):
        call_command("load_catalogue", str(path), stdout=StringIO())


NEW_SET = """
# A catalogue nobody wrote code for: two computed indicators and one manual item.
format: 1
code: TEST-NEW
title: Bộ tiêu chí thử nghiệm của xã
level: village
tier: smart_village
legal_basis: Tự đặt (thử nghiệm)
valid_from: 2026-01-01
province_code: ''
criteria:
  - code: N.1
    title: Hộ có cáp quang
    indicator: households_fibre
    comparator: gte
    target: 50
    unit: percent
  - code: N.2
    title: Người trưởng thành có tài khoản thanh toán điện tử
    indicator: adults_epayment
    comparator: gte
    target: 90
    unit: percent
  - code: N.3
    title: Có bảng tin mã QR
    comparator: bool
    unit: boolean
    requires_evidence: true
    source: Do xã tự đặt
"""


def test_new_catalogue_file_rolls_up_with_no_code_change(tmp_path, commune_a, village_a1):
    path = tmp_path / "new.yaml"
    path.write_text(NEW_SET, encoding="utf-8")
    call_command("load_catalogue", str(path), stdout=StringIO())
    new = CriteriaSet.objects.get(code="TEST-NEW")
    assert new.criteria.get(code="N.3").is_manual
    HouseholdFactory(village=village_a1, has_fibre=True)
    HouseholdFactory(village=village_a1, has_fibre=False)  # 1 of 2 = 50 %: met
    hh = HouseholdFactory(village=village_a1, has_fibre=True)  # 2 of 3 households
    ResidentFactory(household=hh, has_epayment=True)
    ResidentFactory(household=hh, has_epayment=False)  # 1 of 2 adults = 50 % < 90 %
    rollup_commune(commune=commune_a, on=ON)
    rows = {
        a.criterion.code: a
        for a in Assessment.objects.filter(
            latest=True, village=village_a1, criterion__criteria_set=new
        )
    }
    assert rows["N.1"].status == "met" and (rows["N.1"].numerator, rows["N.1"].denominator) == (
        Decimal(2),
        Decimal(3),
    )
    assert rows["N.2"].status == "not_met" and rows["N.2"].value == Decimal(50)
    assert rows["N.3"].status == "no_data"  # awaits evidence


def test_ratio_unit_allows_more_than_100():
    c = Criterion(code="x", title="x", comparator="gte", target=Decimal(110), unit="ratio")
    c.criteria_set = CriteriaSet.objects.first()
    c.full_clean(exclude=["criteria_set"])
    assert c.requirement_display() == "≥ 110%"
    assert CriteriaSet.objects.get(code="QD319-2021-2025").criteria.get(code="2").unit == "ratio"


def test_319_condition_1_is_computed_from_the_advanced_set(commune_a, village_a1, admin_user):
    from django.core.files.base import ContentFile

    from criteria.demo import DEMO_PDF
    from criteria.models import ManualEvidence

    for name in ("qd318-nc-2021-2025.yaml", "qd319-2021-2025.yaml"):
        call_command("load_catalogue", str(SHIPPED_DIR / name), stdout=StringIO())
    advanced = CriteriaSet.objects.get(code="QD318-NC-2021-2025", is_active=True)
    assert advanced.criteria.count() == 19

    def condition_1():
        rollup_commune(commune=commune_a, on=ON)
        return Assessment.objects.get(
            latest=True, criterion__criteria_set__code="QD319-2021-2025", criterion__code="1"
        ).status

    assert condition_1() == "not_met"  # nothing entered for the 19 criteria yet
    for criterion in advanced.criteria.all():
        ev = ManualEvidence(criterion=criterion, commune=commune_a, value=1, entered_by=admin_user)
        ev.file.save("qd.pdf", ContentFile(DEMO_PDF), save=False)
        ev.save()
    assert condition_1() == "met"
    ev.value = 0  # one criterion of the 19 not met
    ev.save()
    assert condition_1() == "not_met"
