"""Eligibility by age at the assessment date: 14+ for VNeID, 18+ (adults) for e-payment."""

import datetime

import pytest

from digital_teams.selectors import born_on_or_before, missing_residents

from .factories import ResidentFactory

pytestmark = pytest.mark.django_db
ON = datetime.date(2025, 6, 15)


def test_born_on_or_before_handles_29_february():
    assert born_on_or_before(datetime.date(2024, 2, 29), 1) == datetime.date(2023, 2, 28)
    assert born_on_or_before(ON, 14) == datetime.date(2011, 6, 15)


def test_age_boundaries(household_a1, village_a1):
    turns_14_today = ResidentFactory(household=household_a1, birth_date=datetime.date(2011, 6, 15))
    turns_14_tomorrow = ResidentFactory(
        household=household_a1, birth_date=datetime.date(2011, 6, 16)
    )
    is_17 = ResidentFactory(household=household_a1, birth_date=datetime.date(2008, 1, 1))
    vneid = set(missing_residents(village_a1, "vneid2", ON))
    assert turns_14_today in vneid and turns_14_tomorrow not in vneid and is_17 in vneid
    assert is_17 not in set(missing_residents(village_a1, "epayment", ON))
