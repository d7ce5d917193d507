"""Roll-ups: snapshots, the 319 'at least one smart village' rule, manual evidence, idempotence."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from criteria.models import Assessment, ManualEvidence, RollupRun
from criteria.services import rollup_commune
from criteria.tasks import rollup_all_communes, rollup_commune_task
from tests.criteria.conftest import ON
from tests.criteria.factories import (
    AssetFactory,
    DigitalAddressFactory,
    HouseholdFactory,
    ResidentFactory,
)
from tests.factories import CommuneFactory, VillageFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


def make_smart(village, *, residents=4):
    """A village that meets every computable criterion of the shipped set (by real rows)."""
    from django.apps import apps

    for _i in range(2):
        hh = HouseholdFactory(village=village, has_fibre=True)
        DigitalAddressFactory(household=hh)
        ResidentFactory.create_batch(
            residents // 2,
            household=hh,
            has_smartphone=True,
            vneid_level=2,
            has_epayment=True,
        )
    AssetFactory(village=village, kind="wifi", at_cultural_house=True)
    AssetFactory(village=village, kind="camera", connected=True)
    DigitalTeam = apps.get_model("digital_teams.DigitalTeam")
    SupportActivity = apps.get_model("digital_teams.SupportActivity")
    team = DigitalTeam.objects.create(
        village=village, decision_number="1/QĐ", decision_date=dt.date(2022, 1, 1),
        founded_on=dt.date(2022, 1, 1),
    )  # fmt: skip
    SupportActivity.objects.create(team=team, date=ON - dt.timedelta(days=3), kind="home_visit")
    CashlessReport = apps.get_model("payments.CashlessReport")
    CashlessReport.objects.create(
        commune=village.commune, village=village, period=dt.date(2026, 5, 1),
        category="electricity", payers_total=10, payers_cashless=9,
    )  # fmt: skip


def latest(commune, code, village=None):
    return Assessment.objects.get(
        commune=commune, latest=True, criterion__code=code, village=village
    )


def test_rollup_writes_a_snapshot_per_criterion_and_village(
    commune_a, village_a1, village_a2, smart_set, model_set
):
    make_smart(village_a1)
    run = rollup_commune(commune=commune_a, on=ON)
    assert run.status == RollupRun.Status.DONE and run.finished_at
    rows = Assessment.objects.filter(run=run)
    # 10 village criteria x 2 villages + 4 commune criteria.
    assert rows.count() == 10 * 2 + 4
    assert {a.status for a in rows.filter(village=village_a1)} <= {"met", "na"}
    assert latest(commune_a, "TTM.09", village_a1).status == "na"  # no OCOP product
    empty = rows.filter(village=village_a2)
    assert latest(commune_a, "TTM.04", village_a2).status == "no_data"
    assert latest(commune_a, "TTM.02", village_a2).status == "not_met"
    assert not any(a.met for a in empty)
    # 319 condition 3: one village meets the smart-village set.
    smart = latest(commune_a, "3")
    assert (smart.value, smart.numerator, smart.denominator, smart.met) == (1, 1, 2, True)
    # Manual conditions without evidence: no data.
    assert latest(commune_a, "1").status == "no_data"


def test_no_smart_village_means_condition_3_not_met(commune_a, village_a1, village_a2):
    make_smart(village_a1)
    AssetFactory(village=village_a1, kind="camera", connected=False)  # still 1 connected
    village_a1.assets.filter(kind="wifi").update(status="broken")
    rollup_commune(commune=commune_a, on=ON)
    assert latest(commune_a, "TTM.02", village_a1).status == "not_met"
    condition = latest(commune_a, "3")
    assert (condition.value, condition.met) == (0, False)


def test_two_runs_are_two_snapshots_with_the_same_values(commune_a, village_a1, village_a2):
    make_smart(village_a1)
    first = rollup_commune(commune=commune_a, on=ON)
    second = rollup_commune(commune=commune_a, on=ON)
    fields = ("criterion_id", "village_id", "value", "numerator", "status")
    a = list(Assessment.objects.filter(run=first).order_by(*fields[:2]).values_list(*fields))
    b = list(Assessment.objects.filter(run=second).order_by(*fields[:2]).values_list(*fields))
    assert a == b
    assert not Assessment.objects.filter(run=first, latest=True).exists()
    assert Assessment.objects.filter(latest=True).count() == len(b)
    assert set(Assessment.objects.filter(latest=True).values_list("run", flat=True)) == {second.pk}


def test_latest_flags_are_per_commune(commune_a, village_a1, commune_b, village_b1):
    rollup_commune(commune=commune_a, on=ON)
    rollup_commune(commune=commune_b, on=ON)
    rollup_commune(commune=commune_a, on=ON)
    assert Assessment.objects.filter(commune=commune_b, latest=True).count() == 14


def test_manual_income_is_compared_from_the_two_numbers(commune_a, village_a1, model_set):
    income = model_set.criteria.get(code="2")
    ManualEvidence.objects.create(
        criterion=income, commune=commune_a,
        numerator=Decimal(72_000_000), denominator=Decimal(63_000_000), reference="BC 12/2025",
    )  # fmt: skip
    rollup_commune(commune=commune_a, on=ON)
    a = latest(commune_a, "2")
    assert (a.value, a.met) == (Decimal("114.29"), True)
    assert a.evidence.reference == "BC 12/2025"
    # Newer evidence wins: 66 vs 63 million is 104.76% < 110%.
    ManualEvidence.objects.create(
        criterion=income, commune=commune_a,
        numerator=Decimal(66_000_000), denominator=Decimal(63_000_000),
    )  # fmt: skip
    rollup_commune(commune=commune_a, on=ON)
    assert latest(commune_a, "2").met is False


def test_manual_criterion_needs_its_evidence_file(commune_a, village_a1, model_set):
    advanced = model_set.criteria.get(code="1")
    ManualEvidence.objects.create(criterion=advanced, commune=commune_a, value=1)
    rollup_commune(commune=commune_a, on=ON)
    assert latest(commune_a, "1").status == "no_data"
    ManualEvidence.objects.create(
        criterion=advanced, commune=commune_a, value=1, reference="123/QĐ-UBND",
        file=SimpleUploadedFile("qd.pdf", PDF),
    )  # fmt: skip
    rollup_commune(commune=commune_a, on=ON)
    assert latest(commune_a, "1").status == "met"


def test_outstanding_field_needs_an_option(commune_a, model_set):
    from django.core.exceptions import ValidationError

    field = model_set.criteria.get(code="4")
    evidence = ManualEvidence(
        criterion=field, commune=commune_a, value=1, option="Bóng đá",
        file=SimpleUploadedFile("x.pdf", PDF),
    )  # fmt: skip
    with pytest.raises(ValidationError) as err:
        evidence.full_clean()
    assert "option" in err.value.message_dict
    evidence.option = "Chuyển đổi số"
    evidence.full_clean()


def _queries(commune):
    with CaptureQueriesContext(connection) as ctx:
        rollup_commune(commune=commune, on=ON)
    return len(ctx.captured_queries)


def test_rollup_queries_do_not_grow_with_residents():
    small = CommuneFactory(code="91001")
    large = CommuneFactory(code="91002")
    for commune, size in ((small, 2), (large, 30)):
        for n in (1, 2, 3):
            village = VillageFactory(commune=commune, number=n)
            make_smart(village, residents=size)
    rollup_commune(commune=small, on=ON)  # warm caches (content types etc.)
    assert _queries(small) == _queries(large)
    assert _queries(large) <= 25


def test_command_task_and_beat_task(commune_a, village_a1, commune_b, village_b1, capsys):
    call_command("rollup_criteria", "--commune", commune_a.code, "--on", "2026-06-15")
    assert RollupRun.objects.filter(commune=commune_a, trigger="command").count() == 1
    assert "06" not in capsys.readouterr().err
    run_id = rollup_commune_task(commune_a.pk)
    assert RollupRun.objects.get(pk=run_id).status == "done"
    assert rollup_commune_task(999999) is None
    assert rollup_all_communes() == 2
    assert RollupRun.objects.filter(commune=commune_b).count() == 1


def test_command_rejects_unknown_commune(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("rollup_criteria", "--commune", "00000")
