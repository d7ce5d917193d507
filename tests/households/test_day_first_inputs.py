"""Field forms show and read dates day first whatever the phone's language.

The browser's own date input (type=date) prints the device locale's order, so a leader with an
English phone saw "mm/dd/yyyy" in the portal; the portal draws its own dd/mm/yyyy text input.
"""

import datetime as dt

import pytest

from tests.households.factories import HouseholdFactory, ResidentFactory


@pytest.mark.django_db
def test_resident_form_shows_the_birth_date_day_first_and_no_browser_date_input(
    login, leader_a1, village_a1
):
    household = HouseholdFactory(village=village_a1)
    resident = ResidentFactory(household=household, birth_date=dt.date(1980, 9, 5))
    page = login(leader_a1).get(f"/field/residents/{resident.pk}/edit/").content.decode()
    assert 'value="05/09/1980"' in page
    assert 'type="date"' not in page
    assert 'placeholder="dd/mm/yyyy"' in page


@pytest.mark.django_db
def test_new_household_form_has_no_browser_date_input(login, leader_a1):
    page = login(leader_a1).get("/field/households/new/").content.decode()
    assert 'name="residents-0-birth_date"' in page
    assert 'type="date"' not in page
