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


def test_a_write_during_the_batched_computing_is_seen_by_the_next_incremental_run(
    data, commune_a, village_a1, monkeypatch, django_capture_on_commit_callbacks
):
    """The versions are read before the indicators are computed: a resident saved while they
    are (another user's edit) leaves the village marked as changed, never as up to date."""
    from criteria import batch

    real = batch.precompute

    def precompute_with_a_write(*args, **kwargs):
        out = real(*args, **kwargs)
        resident = Resident.objects.filter(household__village=village_a1).first()
        resident.has_epayment = not resident.has_epayment
        resident.save()
        return out

    monkeypatch.setattr(batch, "precompute", precompute_with_a_write)
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
