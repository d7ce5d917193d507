"""Eligibility by age at the assessment date: 14+ for VNeID, 18+ (adults) for e-payment."""

import datetime

import pytest

from digital_teams.selectors import missing_residents

from .factories import ResidentFactory

pytestmark = pytest.mark.django_db
ON = datetime.date(2025, 6, 15)


def test_age_boundaries(household_a1, village_a1):
    turns_14_today = ResidentFactory(household=household_a1, birth_date=datetime.date(2011, 6, 15))
    turns_14_tomorrow = ResidentFactory(
        household=household_a1, birth_date=datetime.date(2011, 6, 16)
    )
    is_17 = ResidentFactory(household=household_a1, birth_date=datetime.date(2008, 1, 1))
    vneid = set(missing_residents(village_a1, "vneid2", ON))
    assert turns_14_today in vneid and turns_14_tomorrow not in vneid and is_17 in vneid
    assert is_17 not in set(missing_residents(village_a1, "epayment", ON))
