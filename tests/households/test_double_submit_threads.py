"""Simultaneous posts of the same new household (a double tap, a resend racing the first
attempt) on real PostgreSQL: one row, no server error (issue 14)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from households.models import Household
from tests.households.test_field_forms import create_payload, resident_fields

THREADS = 8

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs real concurrent transactions (PostgreSQL)"
)


def _fire(user, payload) -> list[tuple[int, str]]:
    barrier = threading.Barrier(THREADS)
    statuses: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def post():
        try:
            client = Client(raise_request_exception=False)
            client.force_login(user)
            barrier.wait()
            response = client.post(reverse("households:household_create"), payload)
            statuses.append((response.status_code, response.get("Location", "")))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return statuses


@pytest.mark.django_db(transaction=True)
def test_simultaneous_posts_without_key_make_one_household_and_no_500(leader_a1, village_a1):
    payload = create_payload(village_a1, resident_fields(0, full_name="Vũ Văn Đồng"))
    statuses = [code for code, _location in _fire(leader_a1, payload)]
    assert len(statuses) == THREADS
    assert 500 not in statuses
    assert statuses.count(302) == 1  # the others: the form again, naming the saved household
    assert Household.objects.filter(village=village_a1, number="101").count() == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_posts_with_one_key_all_answer_like_the_first(leader_a1, village_a1):
    payload = {
        **create_payload(village_a1, resident_fields(0, full_name="Vũ Văn Đồng")),
        "_idempotency_key": "double-tap-0001",
    }
    answers = _fire(leader_a1, payload)
    household = Household.objects.get(village=village_a1, number="101")
    detail = reverse("households:household_detail", args=[household.pk])
    assert answers == [(302, detail)] * THREADS
    assert household.residents.count() == 1
