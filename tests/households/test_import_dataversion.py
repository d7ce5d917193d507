"""The import's data-version bumps (issue 21): the save signals of the households and residents
an import updates are collected and move each touched village's tokens once, at the end of the
import, now and again on commit (core.dataversion.deferred), instead of two cache round trips
per row; nothing a reader sees goes stale."""

import datetime as dt

import pytest
from django.urls import reverse

from core import dataversion
from households.models import Household
from tests.households.factories import make_id
from tests.households.test_import import row, upload


def _village_token(village):
    return dataversion.village_tokens([village.pk])[village.pk]


def _commune_token(village):
    return dataversion.commune_token(village.commune_id)


@pytest.mark.django_db
def test_an_import_updating_households_moves_their_tokens_once(
    login, leader_a1, village_a1, monkeypatch, django_capture_on_commit_callbacks
):
    client = login(leader_a1)
    head = make_id(dt.date(1980, 9, 5), "M")
    rows = [row("Thôn Một", n, f"Chủ Hộ {n}", id_number=head if n == 1 else "") for n in (1, 2, 3)]
    job, _ = upload(client, rows)
    client.post(reverse("households:import_confirm", args=[job.pk]))
    assert Household.objects.count() == 3
    village_before, commune_before = _village_token(village_a1), _commune_token(village_a1)

    moves = []
    real_move = dataversion._move
    monkeypatch.setattr(dataversion, "_move", lambda keys: (moves.append(keys), real_move(keys)))
    rows = [
        row("Thôn Một", n, f"Chủ Hộ {n}", id_number=head if n == 1 else "", house_no="77")
        for n in (1, 2, 3)
    ]
    rows.append(row("Thôn Một", 1, "Con Mới", relation="Con", birth="01/01/2010"))
    job, _ = upload(client, rows)
    assert job.result["counts"]["households_updated"] == 3
    moves.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("households:import_confirm", args=[job.pk]))

    assert set(Household.objects.values_list("house_no", flat=True)) == {"77"}
    # 3 households and 4 residents saved through the services: one move now, one on commit.
    assert len(moves) == 2
    assert set(moves[0]) == {f"dv:c:{village_a1.commune_id}", f"dv:v:{village_a1.pk}"}
    assert _village_token(village_a1) != village_before
    assert _commune_token(village_a1) != commune_before


@pytest.mark.django_db
def test_deferred_bumps_move_at_the_end_of_the_block_even_after_an_error(village_a1):
    before = _village_token(village_a1)
    with dataversion.deferred():
        dataversion.bump(communes=[village_a1.commune_id], villages=[village_a1.pk])
        with dataversion.deferred():  # nested: joins the outer block
            dataversion.bump(communes=[village_a1.commune_id], villages=[village_a1.pk])
        assert _village_token(village_a1) == before  # collected, not moved yet
    after = _village_token(village_a1)
    assert after != before

    with pytest.raises(RuntimeError), dataversion.deferred():
        dataversion.bump(communes=[village_a1.commune_id], villages=[village_a1.pk])
        raise RuntimeError
    assert _village_token(village_a1) != after  # a failed block never leaves a stale part
