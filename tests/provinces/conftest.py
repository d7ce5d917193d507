"""The hand-counted province of test_overview (communes A and B of 22, C of 33) for every
test of the province tier."""

from tests.provinces.test_overview import province, world_free_household  # noqa: F401
