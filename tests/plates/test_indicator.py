"""The smart-village indicator "verified and plated" (criteria registry key), for a catalogue
that asks for it: counts households whose verified address has an installed plate."""

from __future__ import annotations

import datetime as dt

import pytest

from criteria.indicators import REGISTRY
from plates.services import plate_install

pytestmark = pytest.mark.django_db


def test_verified_and_plated(plated, village_a1, official_a, member_a1, order):
    item = REGISTRY["households_digital_address_plated"]
    on = dt.date(2026, 6, 1)
    assert item.compute(village_a1, on=on).numerator == 0
    batch = order(village=village_a1, user=official_a)
    plate_install(plate=batch.plates.get(household=plated.h1), user=member_a1)
    result = item.compute(village_a1, on=on)
    assert (result.numerator, result.denominator) == (1, 5)
    gap = set(item.gap(village_a1, on=on).values_list("number", flat=True))
    assert gap == {"2", "3", "4", "5"}
