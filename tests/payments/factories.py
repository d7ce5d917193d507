import datetime as dt

import factory

from payments.models import CashlessReport, Category
from tests.factories import CommuneFactory


class CashlessReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CashlessReport

    commune = factory.SubFactory(CommuneFactory)
    village = None
    period = dt.date(2024, 6, 1)
    category = Category.ELECTRICITY
    payers_total = 200
    payers_cashless = 150
    amount_total = 90_000_000
    amount_cashless = 81_000_000
    source = "power_company"
