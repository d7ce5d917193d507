"""Who counts is defined once (households.populations): every page that counts residents 14+
or 18+ finds the same people as the indicators, at the age boundaries and for 29 February."""

import datetime as dt

import pytest
from django.utils import timezone

from criteria.indicators import REGISTRY
from dashboards.selectors import map_points
from digital_teams.selectors import eligible_residents, missing_residents
from households.populations import ADULTS, EPAYMENT, RESIDENTS_14, VNEID_LEVEL2
from households.views import _household_list_queryset
from payments.services import _adults_epayment_live

from .factories import DigitalAddressFactory, HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 2, 28)  # a common year: 29 February birthdays fall on this day

# Each person lives alone in a household named after them: the household sets below are sets
# of people. Nobody has VNeID level 2 or an e-payment account, so "eligible" = "missing".
PEOPLE = {
    "13": dt.date(2012, 3, 1),  # 14 tomorrow
    "14": dt.date(2012, 2, 28),  # 14 today
    "14 born 29 Feb": dt.date(2012, 2, 29),  # 14 today (28 Feb in a common year)
    "17": dt.date(2008, 3, 1),  # 18 tomorrow
    "18": dt.date(2008, 2, 28),  # 18 today
    "18 born 29 Feb": dt.date(2008, 2, 29),  # 18 today
    "moved away, 40": dt.date(1986, 1, 1),
}
AGED_14 = {"14", "14 born 29 Feb", "17", "18", "18 born 29 Feb"}
AGED_18 = {"18", "18 born 29 Feb"}


@pytest.fixture
def people(village_a1, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a: ON)
    for number, (name, born) in enumerate(PEOPLE.items(), start=1):
        household = HouseholdFactory(village=village_a1, number=str(number))
        DigitalAddressFactory(household=household)
        ResidentFactory(
            household=household,
            full_name=name,
            birth_date=born,
            vneid_level=1,
            has_epayment=False,
            has_smartphone=False,
            status="moved" if name.startswith("moved") else "present",
        )
    return {str(n): name for n, name in enumerate(PEOPLE, start=1)}


def names(residents):
    return {r.full_name for r in residents}


def test_the_populations_on_the_boundaries(people):
    assert names(RESIDENTS_14.residents(ON)) == AGED_14
    assert names(ADULTS.residents(ON)) == AGED_18
    assert VNEID_LEVEL2.population is RESIDENTS_14 and EPAYMENT.population is ADULTS


def test_indicators_count_the_populations(people, village_a1):
    for key, expected in (("vneid_level2", AGED_14), ("adults_epayment", AGED_18),
                          ("adults_smartphone", AGED_18)):  # fmt: skip
        item = REGISTRY[key]
        result = item.compute(village_a1, on=ON)
        assert (result.numerator, result.denominator) == (0, len(expected)), key
        assert names(item.gap(village_a1, on=ON)) == expected, key


def test_follow_up_lists_agree_with_the_indicators(people, village_a1):
    for topic, key in (("vneid2", "vneid_level2"), ("epayment", "adults_epayment")):
        gap = names(REGISTRY[key].gap(village_a1, on=ON))
        assert names(eligible_residents(village_a1, topic, ON)) == gap, topic
        assert names(missing_residents(village_a1, topic, ON)) == gap, topic


def test_household_list_filters_agree_with_the_indicators(people, village_a1, leader_a1):
    for flag, key in (("vneid2", "vneid_level2"), ("epayment", "adults_epayment")):
        households = _household_list_queryset(leader_a1, flags=[flag])
        assert {people[h.number] for h in households} == names(
            REGISTRY[key].gap(village_a1, on=ON)
        ), flag
    # The badges ("VNeID 2: 0/1") count the same people.
    counted = {people[h.number]: h for h in _household_list_queryset(leader_a1)}
    assert {n for n, h in counted.items() if h.eligible_vneid2} == AGED_14
    assert {n for n, h in counted.items() if h.eligible_epayment} == AGED_18


def test_map_marks_the_households_of_the_vneid_population(people, village_a1, leader_a1):
    points = map_points(leader_a1, village_a1, today=ON)["households"]
    missing = {people[p["number"]] for p in points if p["status"] == "missing"}
    assert missing == names(REGISTRY["vneid_level2"].gap(village_a1, on=ON)) == AGED_14


def test_payments_adults_share_counts_the_adults(people, village_a1):
    total, per_village = _adults_epayment_live(commune=village_a1.commune, today=ON)
    assert (
        total.adults
        == len(AGED_18)
        == REGISTRY["adults_epayment"].compute(village_a1, on=ON).denominator
    )
    assert per_village[village_a1.pk].with_account == 0
