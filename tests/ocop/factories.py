import datetime as dt

import factory

from ocop.models import Producer, Product, ProductGroup, StampBatch
from tests.factories import VillageFactory


class ProducerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Producer

    kind = Producer.Kind.COOPERATIVE
    name = factory.Sequence(lambda n: f"HTX Thử {n}")
    representative = "Nguyễn Văn Đại"
    village = factory.SubFactory(VillageFactory)
    phone = "0203 3888 999"
    address = "Thôn Một"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    producer = factory.SubFactory(ProducerFactory)
    name = factory.Sequence(lambda n: f"Mật ong {n}")
    group = ProductGroup.FOOD
    score = 75
    certificate_number = factory.Sequence(lambda n: f"OCOP-{n:04d}")
    certificate_issued_on = dt.date(2025, 1, 10)


class StampBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StampBatch

    product = factory.SubFactory(ProductFactory)
    lot_code = factory.Sequence(lambda n: f"LOT-{n:03d}")
    produced_on = dt.date(2025, 3, 1)
    best_before = dt.date(2027, 3, 1)
    quantity = 5
