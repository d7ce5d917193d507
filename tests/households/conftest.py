import pytest

from tests.households.factories import DigitalAddressFactory, HouseholdFactory, ResidentFactory


@pytest.fixture
def household_a1(village_a1):
    household = HouseholdFactory(village=village_a1, number="7")
    ResidentFactory(household=household, full_name="Trần Văn Chủ", relation="head")
    return household


@pytest.fixture
def household_a2(village_a2):
    household = HouseholdFactory(village=village_a2, number="9")
    ResidentFactory(household=household, full_name="Lê Thị Hai", relation="head", sex="F")
    DigitalAddressFactory(household=household)
    return household
