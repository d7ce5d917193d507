"""Batched and incremental roll-ups give exactly the snapshot a full roll-up gives."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from criteria.batch import changed_villages, rollup_commune_incremental, rollup_communes
from criteria.models import Assessment
from criteria.services import rollup_commune
from households.models import Resident
from tests.digital_teams.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def _people(village, n, *, offset=0):
    for i in range(n):
        household = HouseholdFactory(village=village, has_fibre=i % 2 == 0)
        ResidentFactory(
            household=household,
            relation="head",
            birth_date=dt.date(1970 + i, 1, 1),
            vneid_level=2 if (i + offset) % 3 else 1,
            has_smartphone=i % 2 == 0,
            has_epayment=(i + offset) % 4 == 0,
        )
        ResidentFactory(  # a child: outside the adults' population, inside 14+ when old enough
            household=household, relation="child", birth_date=dt.date(2010 + i % 8, 6, 1)
        )


@pytest.fixture
def data(village_a1, village_a2, village_b1):
    _people(village_a1, 6)
    _people(village_a2, 4, offset=1)
    _people(village_b1, 3, offset=2)


def snapshot(commune):
    return {
        (a.criterion.criteria_set.code, a.criterion.code, a.village_id): (
            a.value,
            a.numerator,
            a.denominator,
            a.status,
        )
        for a in Assessment.objects.filter(commune=commune, latest=True).select_related(
            "criterion__criteria_set"
        )
    }


def test_all_communes_at_once_equal_one_by_one(data, commune_a, commune_b):
    rollup_commune(commune=commune_a)
    rollup_commune(commune=commune_b)
    one_by_one = snapshot(commune_a), snapshot(commune_b)
    assert len(one_by_one[0]) > 20
    rollup_communes([commune_a, commune_b])
    assert (snapshot(commune_a), snapshot(commune_b)) == one_by_one


def test_batched_queries_do_not_grow_with_communes(data, commune_a, commune_b):
    with CaptureQueriesContext(connection) as one:
        rollup_communes([commune_a])
    with CaptureQueriesContext(connection) as two:
        rollup_communes([commune_a, commune_b])
    # The second commune adds its writes and its sets, not one query per indicator.
    per_commune_writes = len(two.captured_queries) - len(one.captured_queries)
    assert per_commune_writes < len(one.captured_queries)


def test_incremental_recomputes_only_the_changed_village(
    data, commune_a, village_a1, village_a2, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        rollup_communes([commune_a])
    assert changed_villages(commune_a) == []
    resident = Resident.objects.filter(household__village=village_a2, relation="head").first()
    resident.has_smartphone = not resident.has_smartphone
    resident.vneid_level = 1 if resident.vneid_level == 2 else 2
    resident.save()
    assert changed_villages(commune_a) == [village_a2]
    with django_capture_on_commit_callbacks(execute=True):
        run, recomputed = rollup_commune_incremental(commune_a)
    assert recomputed == 1
    incremental = snapshot(commune_a)
    assert Assessment.objects.filter(run=run).count() == len(incremental)  # a whole snapshot
    rollup_commune(commune=commune_a)
    assert snapshot(commune_a) == incremental
    assert changed_villages(commune_a) == []


def test_incremental_is_a_full_run_on_another_date_or_without_records(
    data, commune_a, django_capture_on_commit_callbacks
):
    _run, recomputed = rollup_commune_incremental(commune_a)  # never rolled up: full
    assert recomputed is None
    with django_capture_on_commit_callbacks(execute=True):
        rollup_communes([commune_a], on=dt.date(2026, 1, 10))
    assert changed_villages(commune_a, on=dt.date(2026, 1, 10)) == []
    assert changed_villages(commune_a, on=dt.date(2026, 1, 11)) is None  # ages move


def test_criteria_change_forces_a_full_run(data, commune_a, django_capture_on_commit_callbacks):
    from criteria.models import Criterion

    with django_capture_on_commit_callbacks(execute=True):
        rollup_communes([commune_a])
    criterion = Criterion.objects.filter(criteria_set__is_active=True).first()
    criterion.save()  # a threshold edited in the admin
    assert changed_villages(commune_a) is None


def test_a_write_while_the_batch_computes_is_in_its_snapshot_as_one_by_one(
    data, commune_a, commune_b, village_b1, monkeypatch, django_capture_on_commit_callbacks
):
    """The batch computes every commune first; a resident saved meanwhile (another user's
    edit) in a commune not yet written moves its village's version: that commune is computed
    again in its turn, so the batch writes what a plain run after the edit writes."""
    from criteria import batch

    real = batch.precompute

    def precompute_with_a_write(*args, **kwargs):
        out = real(*args, **kwargs)
        resident = Resident.objects.get(
            household__village=village_b1,
            relation="head",
            household__number=village_b1.households.first().number,
        )
        resident.has_epayment = not resident.has_epayment  # an adult: adults_epayment moves
        resident.save()
        return out

    rollup_commune(commune=commune_b)
    before_the_edit = snapshot(commune_b)
    monkeypatch.setattr(batch, "precompute", precompute_with_a_write)
    with django_capture_on_commit_callbacks(execute=True):
        rollup_communes([commune_a, commune_b])
    batched = snapshot(commune_b)
    assert batched != before_the_edit
    rollup_commune(commune=commune_b)
    assert batched == snapshot(commune_b)


def test_a_write_while_a_commune_is_written_is_seen_by_the_next_incremental_run(
    data, commune_a, village_a1, monkeypatch, django_capture_on_commit_callbacks
):
    """The versions are read before a commune's figures are computed: a resident saved after
    that (while its rows are written) leaves the village marked as changed, never as up to
    date."""
    from criteria import services

    real = services._insert_assessments

    def insert_with_a_write(rows):
        resident = Resident.objects.filter(household__village=village_a1).first()
        resident.has_epayment = not resident.has_epayment
        resident.save()
        real(rows)

    monkeypatch.setattr(services, "_insert_assessments", insert_with_a_write)
    with django_capture_on_commit_callbacks(execute=True):
        rollup_communes([commune_a])
    assert changed_villages(commune_a) == [village_a1]


@pytest.mark.parametrize("how", ["--batched", "--incremental"])
def test_command_batched_or_incremental_writes_what_a_plain_run_writes(
    data, commune_a, commune_b, how
):
    from django.core.management import call_command

    call_command("rollup_criteria", stdout=None)
    plain = snapshot(commune_a), snapshot(commune_b)
    Resident.objects.filter(household__village__commune=commune_a).update(vneid_level=2)
    call_command("rollup_criteria", "--commune", commune_a.code)
    changed = snapshot(commune_a)
    assert changed != plain[0]  # the update shows (a plain run after it)
    call_command("rollup_criteria", how)
    assert (snapshot(commune_a), snapshot(commune_b)) == (changed, plain[1])


# --- Commune groups in a batch, the nightly beat on the batched path ------------------------------

# The same catalogue as tests/criteria/test_commune_groups.py (one copy).
from tests.criteria.test_commune_groups import GROUPED  # noqa: E402


@pytest.fixture
def grouped(tmp_path, commune_a, commune_b, village_a1, village_b1):
    """A set with a target per commune group; commune A in group 2 (70 %), B in none (90 %),
    both with 3 households of 4 on fibre (75 %)."""
    from io import StringIO

    from django.core.management import call_command

    from criteria.models import CommuneGroup

    path = tmp_path / "groups.yaml"
    path.write_text(GROUPED, encoding="utf-8")
    call_command("load_catalogue", str(path), stdout=StringIO())
    for village in (village_a1, village_b1):
        HouseholdFactory.create_batch(3, village=village, has_fibre=True)
        HouseholdFactory(village=village, has_fibre=False)
    CommuneGroup.objects.create(
        commune=commune_a, period="2026-2030", group=2,
        decision_number="12/QĐ-UBND", decision_date=dt.date(2026, 3, 1),
    )  # fmt: skip


def _grouped_status(commune):
    return snapshot(commune)[("TEST-GROUPS", "G.1", None)][3]


@pytest.mark.parametrize("order", ["ab", "ba"])
def test_a_batch_gives_each_commune_its_own_groups_target(grouped, commune_a, commune_b, order):
    """The batch shares the criteria between its communes: one commune's group target never
    leaks into another's (the same statuses as one by one, whatever the order)."""
    on = dt.date(2026, 6, 15)
    rollup_commune(commune=commune_a, on=on)
    rollup_commune(commune=commune_b, on=on)
    one_by_one = snapshot(commune_a), snapshot(commune_b)
    assert (_grouped_status(commune_a), _grouped_status(commune_b)) == ("met", "not_met")
    communes = [commune_a, commune_b] if order == "ab" else [commune_b, commune_a]
    rollup_communes(communes, on=on)
    assert (snapshot(commune_a), snapshot(commune_b)) == one_by_one


def test_the_nightly_beat_runs_batched_and_writes_what_one_by_one_writes(
    data, commune_a, commune_b, django_capture_on_commit_callbacks
):
    from criteria.models import RollupRun
    from criteria.tasks import rollup_all_communes

    rollup_commune(commune=commune_a)
    rollup_commune(commune=commune_b)
    one_by_one = snapshot(commune_a), snapshot(commune_b)
    with CaptureQueriesContext(connection) as ctx:
        with django_capture_on_commit_callbacks(execute=True):
            assert rollup_all_communes() == 2
    beat = RollupRun.objects.filter(trigger="beat")
    assert sorted(beat.values_list("commune__code", "status")) == [
        (commune_a.code, "done"),
        (commune_b.code, "done"),
    ]
    assert (snapshot(commune_a), snapshot(commune_b)) == one_by_one
    for run in beat:  # each run holds its commune's whole snapshot
        assert Assessment.objects.filter(run=run).count() == len(
            one_by_one[0 if run.commune_id == commune_a.pk else 1]
        )
    # One batch: the indicators are read once for both communes, not once per commune.
    resident_passes = [q for q in ctx.captured_queries if 'FROM "households_resident"' in q["sql"]]
    assert len(resident_passes) == 1  # every population's ratios in one pass
    # The batch recorded the villages' versions: the next incremental run has nothing to do.
    assert changed_villages(commune_a) == []


def test_a_village_with_residents_14_to_17_only_as_one_by_one(data, commune_a, commune_b):
    """One pass for both populations: a village with nobody of 18+ has no adults' figures
    (the indicator's empty result, as a plain run gives), and its 14+ figures are computed."""
    from tests.factories import VillageFactory

    young = VillageFactory(commune=commune_b, number=2, name="Thôn Trẻ")
    household = HouseholdFactory(village=young)
    ResidentFactory(
        household=household, relation="head", birth_date=dt.date.today().replace(year=2010),
        vneid_level=2,
    )  # fmt: skip
    rollup_commune(commune=commune_a)
    rollup_commune(commune=commune_b)
    one_by_one = snapshot(commune_a), snapshot(commune_b)
    young_rows = {k: v for k, v in one_by_one[1].items() if k[2] == young.pk}
    assert {v[3] for v in young_rows.values()} >= {"met", "no_data"}
    rollup_communes([commune_a, commune_b])
    assert (snapshot(commune_a), snapshot(commune_b)) == one_by_one


def _requested(*communes):
    from django.utils import timezone

    from criteria.models import RollupRun

    now = timezone.now()
    return [
        RollupRun.objects.create(
            commune=c, on=timezone.localdate(), started_at=now, heartbeat_at=now,
            status=RollupRun.Status.QUEUED, trigger="beat",
        )
        for c in communes
    ]  # fmt: skip


def test_a_batch_claims_only_what_is_free_as_one_run_does(data, commune_a, commune_b):
    from django.utils import timezone

    from criteria.batch import rollup_runs_execute
    from criteria.models import RollupRun

    free, elsewhere = _requested(commune_a, commune_b)
    RollupRun.objects.filter(pk=elsewhere.pk).update(
        status=RollupRun.Status.RUNNING, claim_token="other", heartbeat_at=timezone.now()
    )  # alive in another worker
    counts = rollup_runs_execute(run_ids=[free.pk, elsewhere.pk])
    assert counts == {"done": 1, "superseded": 0, "failed": 0, "skipped": 1}
    elsewhere.refresh_from_db()
    assert (elsewhere.status, elsewhere.claim_token) == ("running", "other")
    assert not Assessment.objects.filter(run=elsewhere).exists()
    # Sent twice (a duplicate delivery): nothing is done again.
    assert rollup_runs_execute(run_ids=[free.pk])["skipped"] == 1
    assert Assessment.objects.filter(run=free).count() == len(snapshot(commune_a))


def test_a_run_taken_over_during_a_batch_is_rolled_back_alone(
    data, commune_a, commune_b, monkeypatch
):
    """Another worker takes commune B's run over while the batch computes (its heartbeat
    looked stale): B's snapshot is not written by the batch, A's is."""
    from criteria import batch
    from criteria.batch import rollup_runs_execute
    from criteria.models import RollupRun

    run_a, run_b = _requested(commune_a, commune_b)
    real = batch.precompute

    def precompute_then_taken_over(*args, **kwargs):
        out = real(*args, **kwargs)
        RollupRun.objects.filter(pk=run_b.pk).update(claim_token="other")
        return out

    monkeypatch.setattr(batch, "precompute", precompute_then_taken_over)
    counts = rollup_runs_execute(run_ids=[run_a.pk, run_b.pk])
    assert counts == {"done": 1, "superseded": 1, "failed": 0, "skipped": 0}
    assert Assessment.objects.filter(run=run_a, latest=True).exists()
    assert not Assessment.objects.filter(run=run_b).exists()
    run_b.refresh_from_db()
    assert run_b.status == "running"  # the other worker's to finish


def test_a_failing_commune_is_recorded_and_the_batch_goes_on(
    data, commune_a, commune_b, monkeypatch
):
    from criteria import services
    from criteria.batch import rollup_runs_execute

    run_a, run_b = _requested(commune_a, commune_b)
    real = services._insert_assessments

    def insert_failing_for_b(rows):
        if rows and rows[0][1] == commune_b.pk:
            raise RuntimeError("disk full")
        real(rows)

    monkeypatch.setattr(services, "_insert_assessments", insert_failing_for_b)
    counts = rollup_runs_execute(run_ids=[run_b.pk, run_a.pk])
    assert counts == {"done": 1, "superseded": 0, "failed": 1, "skipped": 0}
    run_a.refresh_from_db()
    run_b.refresh_from_db()
    assert (run_a.status, run_b.status, run_b.error) == ("done", "failed", "RuntimeError")
    assert not Assessment.objects.filter(commune=commune_b).exists()


def test_when_the_batch_cannot_compute_its_runs_are_done_one_by_one(
    data, commune_a, commune_b, monkeypatch
):
    from criteria import batch
    from criteria.batch import rollup_runs_execute

    rollup_commune(commune=commune_a)
    rollup_commune(commune=commune_b)
    one_by_one = snapshot(commune_a), snapshot(commune_b)
    runs = _requested(commune_a, commune_b)

    def broken(*args, **kwargs):
        raise RuntimeError("indicator source down")

    monkeypatch.setattr(batch, "precompute", broken)
    counts = rollup_runs_execute(run_ids=[r.pk for r in runs])
    assert counts == {"done": 2, "superseded": 0, "failed": 0, "skipped": 0}
    assert (snapshot(commune_a), snapshot(commune_b)) == one_by_one


def test_a_set_deactivated_in_the_admin_is_left_out_of_the_next_incremental_run(
    data, commune_a, model_set, admin_client, django_capture_on_commit_callbacks
):
    """The roll-ups keep the sets they read under the global data version: deactivating a set
    in place (an update(), no signal) moves it, so the next run reads the sets again."""
    from django.urls import reverse

    from tests.criteria.test_versioning import _formdata

    with django_capture_on_commit_callbacks(execute=True):
        rollup_communes([commune_a])
    with django_capture_on_commit_callbacks(execute=True):
        _run, recomputed = rollup_commune_incremental(commune_a)
    assert recomputed == 0 and any(k[0] == model_set.code for k in snapshot(commune_a))
    url = reverse("admin:criteria_criteriaset_change", args=[model_set.pk])
    data = _formdata(admin_client.get(url))
    data.pop("is_active", None)
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(url, data).status_code == 302
    assert changed_villages(commune_a) is None  # a full run: the criteria changed
    with django_capture_on_commit_callbacks(execute=True):
        rollup_commune_incremental(commune_a)
    assert not any(k[0] == model_set.code for k in snapshot(commune_a))
