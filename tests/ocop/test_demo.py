"""Demo data: 6-8 products across groups, ready batches for village 01; idempotent."""

import pytest

from ocop import demo
from ocop.models import Producer, Product, Stamp, StampBatch
from tests.factories import VillageFactory


@pytest.mark.django_db
def test_demo_is_idempotent_with_a_ready_batch(commune_a):
    for number in range(1, 11):
        VillageFactory(commune=commune_a, number=number)
    demo.seed_demo(commune_a, password="x")
    counts = (Producer.objects.count(), Product.objects.count(), Stamp.objects.count())
    demo.seed_demo(commune_a, password="x")
    assert (Producer.objects.count(), Product.objects.count(), Stamp.objects.count()) == counts
    assert 6 <= counts[1] <= 8
    assert Product.objects.values("group").distinct().count() >= 3
    batch = StampBatch.objects.get(lot_code=demo.DEMO_LOT)
    assert batch.status == "ready" and batch.stamps.count() == demo.DEMO_QUANTITY
    # Every product of village 01 carries e-stamps (the smart-village criterion can be met).
    village_products = Product.objects.filter(producer__village__number=1)
    assert all(p.batches.filter(status="ready").exists() for p in village_products)
    assert Product.objects.filter(name__startswith="Mật ong").exists()


@pytest.mark.django_db
def test_demo_products_have_photos_and_read_right(commune_a, settings, tmp_path):
    from PIL import Image

    settings.MEDIA_ROOT = str(tmp_path)
    for number in range(1, 11):
        VillageFactory(commune=commune_a, number=number)
    demo.seed_demo(commune_a, password="x")
    names = {p.pk: p.photo.name for p in Product.objects.all()}
    for product in Product.objects.all():
        assert product.photo and product.thumbnail, product.name
        with Image.open(product.thumbnail.path) as image:
            assert max(image.size) <= 480
        # commune.name already says "Xã": never "của xã Xã An Phú".
        assert f"của {commune_a.name}." in product.description
        assert "xã Xã" not in product.description
    demo.seed_demo(commune_a, password="x")  # photos are made once
    assert {p.pk: p.photo.name for p in Product.objects.all()} == names
