import pytest

from ocop.models import StampBatch
from ocop.rendering import stamp_batch_render

from .factories import ProducerFactory, ProductFactory, StampBatchFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    settings.SITE_URL = "https://thon.example.vn"


@pytest.fixture
def product_a(village_a1):
    producer = ProducerFactory(village=village_a1, name="HTX Ong Thôn Một")
    return ProductFactory(producer=producer, name="Mật ong hoa rừng", score=78)


@pytest.fixture
def product_b(village_b1):
    producer = ProducerFactory(village=village_b1, name="HTX Bê Một")
    return ProductFactory(producer=producer, name="Nước mắm Bê Một", score=92)


@pytest.fixture
def make_ready_batch():
    def _make(product, quantity=5, **kwargs):
        batch = StampBatchFactory(product=product, quantity=quantity, **kwargs)
        assert stamp_batch_render(batch_id=batch.pk) == "ready"
        batch.refresh_from_db()
        assert batch.status == StampBatch.Status.READY
        return batch

    return _make
