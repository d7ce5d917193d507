import io

import pytest

from payments.demo import seed_demo
from payments.models import CashlessReport, current_period, month_start
from payments.services import latest_share
from tests.factories import VillageFactory

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_deterministic_and_ends_on_the_provincial_figures(commune_a):
    for number in range(1, 11):
        VillageFactory(commune=commune_a, number=number)
    seed_demo(commune_a, password="x", stdout=io.StringIO())
    first = list(CashlessReport.objects.order_by("pk").values_list("payers_cashless", flat=True))
    seed_demo(commune_a, password="x", stdout=io.StringIO())
    again = list(CashlessReport.objects.order_by("pk").values_list("payers_cashless", flat=True))
    assert first == again
    assert CashlessReport.objects.count() == 12 * 8 + 12 * 2 * 6
    last = month_start(current_period(), -1)
    electricity = latest_share(commune=commune_a, category="electricity")
    assert electricity.period == last
    assert float(electricity.value) == pytest.approx(85.75, abs=0.1)
    by_value = latest_share(commune=commune_a, category="electricity", by="amount")
    assert float(by_value.value) == pytest.approx(97.2, abs=0.05)
    water = latest_share(commune=commune_a, category="water")
    assert float(water.value) == pytest.approx(77.7, abs=0.1)
    taxes = latest_share(commune=commune_a, category="taxes", by="amount")
    assert float(taxes.value) == pytest.approx(98.4, abs=0.05)
    # The trend rises: a year earlier the share was clearly lower.
    first_month = CashlessReport.objects.get(
        commune=commune_a, village=None, category="electricity", period=month_start(last, -11)
    )
    assert first_month.payers_share * 100 < 75
