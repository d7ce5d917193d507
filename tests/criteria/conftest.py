import datetime as dt

import pytest

from criteria.models import CriteriaSet

ON = dt.date(2026, 6, 15)


@pytest.fixture
def on():
    return ON


@pytest.fixture
def smart_set(db):
    """The shipped provincial smart-village set (Quảng Ninh, province 22)."""
    return CriteriaSet.objects.get(code="TTM-QN", is_active=True)


@pytest.fixture
def model_set(db):
    return CriteriaSet.objects.get(code="QD319-2021-2025", is_active=True)
