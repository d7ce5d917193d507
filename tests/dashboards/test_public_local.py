"""The public pages' process-local layer (core.local_cache, issue 21 item 3): a hit served from
this process's memory, another process's write shown within PUBLIC_LOCAL_RECHECK (1 s), this
process's own write on its next request. A private redis-server, a clock moved by hand."""

from __future__ import annotations

import pytest
from django.core.cache import cache, caches
from django.urls import reverse

from core import dataversion, local_cache
from tests.ocop.test_stamp_cache import Clock, redis_cache  # noqa: F401 (fixture)
from villages.models import Village

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(local_cache, "clock", fake)
    return fake


@pytest.fixture
def layer(redis_cache):  # noqa: F811
    local_cache.reset_public()
    yield local_cache.public_pages()
    local_cache.reset_public()


def village_page(client, village) -> str:
    response = client.get(reverse("dashboards:village_public", args=[village.code]))
    assert response.status_code == 200
    return response.content.decode()


def commune_page(client, commune) -> str:
    response = client.get(reverse("criteria:commune_public", args=[commune.code]))
    assert response.status_code == 200
    return response.content.decode()


def renamed_elsewhere(village, name):
    """Another process's write: the row changes without this process's signals, and that
    process moves the commune's token in Redis."""
    Village.objects.filter(pk=village.pk).update(name=name)
    cache.set(f"dv:c:{village.commune_id}", "elsewhere-token", None)


@pytest.mark.parametrize("show", [village_page, commune_page])
def test_another_process_write_shows_within_one_second(
    client, world, commune_a, village_a1, layer, clock, show
):
    target = village_a1 if show is village_page else commune_a
    assert layer is not None
    assert "Thôn Một" in show(client, target)
    clock.advance(0.5)
    assert "Thôn Một" in show(client, target)  # the token read 0.5 s ago: from memory
    renamed_elsewhere(village_a1, "Thôn Đổi Tên")
    clock.advance(0.4)  # 0.9 s after the last read of the token: still the old body
    html = show(client, target)
    assert "Thôn Một" in html and "Thôn Đổi Tên" not in html
    clock.advance(0.1)  # PUBLIC_LOCAL_RECHECK after it: the token re-read, the new body
    html = show(client, target)
    assert "Thôn Đổi Tên" in html and "Thôn Một" not in html


def test_a_write_in_this_process_shows_on_the_next_request(client, world, village_a1, layer, clock):
    assert "Thôn Một" in village_page(client, village_a1)
    village_a1.name = "Thôn Mới Sửa"
    village_a1.save()  # the data-version signals of this process
    html = village_page(client, village_a1)  # no clock move
    assert "Thôn Mới Sửa" in html and "Thôn Một" not in html


def test_a_local_hit_reads_nothing_from_redis(
    client, world, village_a1, layer, clock, monkeypatch, django_assert_num_queries
):
    first = village_page(client, village_a1)
    calls = []
    backend = caches["default"]  # the Redis cache object itself (not the proxy)
    real_get, real_get_many = backend.get, backend.get_many
    monkeypatch.setattr(backend, "get", lambda *a, **k: calls.append(a) or real_get(*a, **k))
    monkeypatch.setattr(
        backend, "get_many", lambda *a, **k: calls.append(a) or real_get_many(*a, **k)
    )
    with django_assert_num_queries(0):
        assert village_page(client, village_a1) == first
    assert calls == []
    clock.advance(1.0)
    village_page(client, village_a1)
    assert calls  # the token re-read once the second is over


def test_logged_in_users_never_get_the_local_body(
    client, world, village_a1, layer, clock, django_user_model
):
    village_page(client, village_a1)
    Village.objects.filter(pk=village_a1.pk).update(name="Thôn Riêng")
    user = django_user_model.objects.create_user(username="reader", password="x-long-pass-1")
    client.force_login(user)
    assert "Thôn Riêng" in village_page(client, village_a1)  # rendered for them, not cached


def test_without_redis_there_is_no_local_layer(world):
    local_cache.reset_public()
    assert local_cache.public_pages() is None  # the test settings' LocMemCache
    dataversion.bump(communes=[1])  # and forgetting is harmless
