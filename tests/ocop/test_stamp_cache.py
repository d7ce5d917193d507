"""The stamp page at cache speed (issue 21, ocop/stamp_cache.py): every write that changes a
stamp page shows on the next request of the process that wrote it and within
STAMP_LOCAL_RECHECK seconds in any other; scans buffered in process memory and in Redis are
counted, their first-scan time stays exact, a Redis loss costs at most STAMP_SCAN_BUFFER_MAX
scans and a process crash at most STAMP_LOCAL_BATCH."""

import datetime as dt
import shutil
import signal
import socket
import subprocess
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from ocop import stamp_cache
from ocop.models import Stamp, StampScan
from ocop.services import stamp_batch_revoke, stamps_set_revoked


@pytest.fixture
def stamp(product_a, make_ready_batch):
    return make_ready_batch(product_a, quantity=3).stamps.get(sequence=1)


def page(client, serial, **extra):
    return client.get(reverse("ocop:stamp_public", args=[serial]), **extra)


def cached(serial) -> bool:
    generation, entry = stamp_cache.read(serial, "vi")
    return entry is not None


@pytest.mark.django_db
def test_second_request_is_served_from_the_cache_with_its_scan_counted(
    client, stamp, django_assert_max_num_queries
):
    first = page(client, stamp.serial).content.decode()
    assert cached(stamp.serial)
    assert "Đây là lần quét đầu tiên" in first
    # A hit: no read of the product, batch, producer or village (locmem cache: the scan is
    # written synchronously, 3 queries: the counters' read, the scan row, the counters; the
    # stamp's commune, whose scan token moves, is kept in the cached entry).
    with django_assert_max_num_queries(3):
        second = page(client, stamp.serial).content.decode()
    assert "Đây là lần quét đầu tiên" not in second and "được quét lần đầu" in second
    assert "<!--sv:" not in second
    stamp.refresh_from_db()
    assert stamp.scan_count == 2 and StampScan.objects.count() == 2


def _change_product(stamp):
    product = stamp.batch.product
    product.name = "Mật ong bạc hà"
    product.save()
    return "Mật ong bạc hà"


def _change_certificate(stamp):
    product = stamp.batch.product
    product.certificate_number = "QN-2099-777"
    product.save()
    return "QN-2099-777"


def _change_batch(stamp):
    batch = stamp.batch
    batch.lot_code = "LO-MOI-42"
    batch.save()
    return "LO-MOI-42"


def _change_batch_by_update(stamp):
    type(stamp.batch).objects.filter(pk=stamp.batch_id).update(best_before=dt.date(2031, 5, 7))
    return "07/05/2031"


def _change_producer(stamp):
    producer = stamp.batch.product.producer
    producer.name = "HTX Ong Mới"
    producer.save()
    return "HTX Ong Mới"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "write",
    [
        _change_product,
        _change_certificate,
        _change_batch,
        _change_batch_by_update,
        _change_producer,
    ],
)
def test_every_write_to_what_the_page_shows_is_on_the_next_request(client, stamp, write):
    page(client, stamp.serial)
    assert cached(stamp.serial)
    expected = write(Stamp.objects.select_related("batch__product__producer").get(pk=stamp.pk))
    assert expected in page(client, stamp.serial).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "revoke",
    [
        lambda stamp: stamps_set_revoked(stamps=Stamp.objects.filter(pk=stamp.pk), revoked=True),
        lambda stamp: stamp_batch_revoke(batch=stamp.batch),
        lambda stamp: Stamp.objects.filter(pk=stamp.pk).update(revoked=True),
    ],
    ids=["stamp revoked", "batch revoked", "queryset update"],
)
def test_revocation_shows_on_the_next_request_and_is_not_counted(client, stamp, revoke):
    assert page(client, stamp.serial).status_code == 200
    assert cached(stamp.serial)
    revoke(stamp)
    response = page(client, stamp.serial)
    assert response.status_code == 410 and "thu hồi" in response.content.decode()
    assert StampScan.objects.count() == 1  # the revoked request recorded nothing


@pytest.mark.django_db
def test_scan_counters_are_quiet_writes(client, stamp):
    page(client, stamp.serial)
    generation, _ = stamp_cache.read(stamp.serial, "vi")
    Stamp.objects.filter(pk=stamp.pk).update(scan_count=9)  # what the flush writes
    assert stamp_cache.read(stamp.serial, "vi")[0] == generation


@pytest.mark.django_db
def test_next_day_renders_again(client, stamp, monkeypatch):
    page(client, stamp.serial)
    assert cached(stamp.serial)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: tomorrow)
    assert not cached(stamp.serial)  # "expired" and "best before passed" are against today


# --- Buffered scans on a private Redis --------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Clock:
    """stamp_cache's monotonic clock, moved by hand (no sleeps)."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(stamp_cache, "clock", fake)
    return fake


@pytest.fixture
def redis_cache(settings, clock):
    """The default cache on a private redis-server (started here, killed by its pid); this
    process's local layer starts empty, without its timer thread (the clock is the test's)."""
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed (Debian package redis-server)")
    port = _free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    settings.STAMP_LOCAL_TIMER = False
    stamp_cache.reset_local()
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.SafeRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "KEY_PREFIX": "svtest",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }

    def kill():
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)

    yield kill
    stamp_cache.reset_local()
    kill()


@pytest.mark.django_db(transaction=True)
def test_buffered_scans_are_counted_and_flushed_with_the_exact_first_scan_time(
    client, stamp, redis_cache
):
    assert stamp_cache.redis_client() is not None
    before = timezone.now()
    first = page(client, stamp.serial, HTTP_USER_AGENT="Zalo").content.decode()
    assert "Đây là lần quét đầu tiên" in first
    second = page(client, stamp.serial).content.decode()
    third = page(client, stamp.serial).content.decode()
    assert "được quét lần đầu" in second and "được quét lần đầu" in third
    assert not StampScan.objects.exists()  # no synchronous insert
    assert stamp_cache.pending() == 3
    assert stamp_cache.flush() == 3
    assert stamp_cache.pending() == 0
    stamp.refresh_from_db()
    scans = list(StampScan.objects.order_by("scanned_at"))
    assert stamp.scan_count == 3 and len(scans) == 3
    assert stamp.first_scan_at == scans[0].scanned_at and stamp.first_scan_at >= before
    assert stamp.last_scan_at == scans[-1].scanned_at and scans[0].ua_family == "zalo"
    # The page shows the first scan's time as recorded (dd/mm/yyyy HH:MM, local time).
    when = timezone.localtime(stamp.first_scan_at).strftime("%d/%m/%Y %H:%M")
    fourth = page(client, stamp.serial).content.decode()
    assert when in fourth
    assert stamp_cache.flush() == 1
    stamp.refresh_from_db()
    assert stamp.scan_count == 4


@pytest.mark.django_db(transaction=True)
def test_a_redis_loss_costs_at_most_the_buffer_bound(client, stamp, redis_cache, settings):
    settings.STAMP_SCAN_BUFFER_MAX = 3
    settings.STAMP_LOCAL_BATCH = 1  # every scan pushed to Redis at once: its bound under test
    for _ in range(2):
        page(client, stamp.serial)
    assert stamp_cache.flush() == 2  # flushed: safe in the database
    for _ in range(5):  # 3 buffered, then the buffer is full: 2 written synchronously
        assert page(client, stamp.serial).status_code == 200
    assert stamp_cache.pending() == 3
    assert StampScan.objects.count() == 4
    redis_cache()  # Redis dies between two flushes
    lost = 7 - StampScan.objects.count()
    assert lost == 3 <= settings.STAMP_SCAN_BUFFER_MAX
    # Without Redis the page still answers and counts from the database, synchronously.
    html = page(client, stamp.serial).content.decode()
    assert "được quét lần đầu" in html
    stamp.refresh_from_db()
    assert stamp.scan_count == 5 == StampScan.objects.count()


@pytest.mark.django_db(transaction=True)
def test_flush_skips_scans_of_a_deleted_stamp(client, stamp, redis_cache):
    other = stamp.batch.stamps.get(sequence=2)
    page(client, stamp.serial)
    page(client, other.serial)
    StampScan.objects.filter(stamp=other).delete()
    Stamp.objects.filter(pk=other.pk).delete()
    assert stamp_cache.flush() == 1
    assert list(StampScan.objects.values_list("stamp_id", flat=True)) == [stamp.pk]


@pytest.mark.django_db(transaction=True)
def test_with_redis_a_hit_costs_no_query_and_a_write_shows_on_the_next_request(
    client, stamp, redis_cache, django_assert_num_queries
):
    page(client, stamp.serial)
    with django_assert_num_queries(0):  # page, generation and scan: one Lua call
        html = page(client, stamp.serial).content.decode()
    assert "được quét lần đầu" in html
    assert _change_certificate(stamp) in page(client, stamp.serial).content.decode()
    stamp_batch_revoke(batch=stamp.batch)
    assert page(client, stamp.serial).status_code == 410
    assert stamp_cache.flush() == 3  # the revoked request counted nothing


@pytest.mark.django_db(transaction=True)
def test_with_redis_the_rate_limit_still_holds_and_a_refused_request_counts_no_scan(
    client, stamp, redis_cache, settings
):
    settings.STAMP_RATE_LIMIT = 2
    assert page(client, stamp.serial, REMOTE_ADDR="203.0.113.9").status_code == 200
    assert page(client, stamp.serial, REMOTE_ADDR="203.0.113.9").status_code == 200
    refused = page(client, stamp.serial, REMOTE_ADDR="203.0.113.9")
    assert refused.status_code == 429 and refused["Retry-After"]
    assert page(client, stamp.serial, REMOTE_ADDR="198.51.100.4").status_code == 200
    assert stamp_cache.flush() == 3


# --- The process-local layer ----------------------------------------------------------------


def as_if_written_by_another_process(monkeypatch):
    """This process is not told of the next write (another process made it)."""
    monkeypatch.setattr(stamp_cache.local(), "forget_generation", lambda: None)


@pytest.mark.django_db(transaction=True)
def test_a_revocation_in_another_process_shows_within_the_recheck_bound(
    client, stamp, redis_cache, clock, settings, monkeypatch, django_assert_num_queries
):
    settings.STAMP_LOCAL_RECHECK = 1.0
    page(client, stamp.serial)  # first scan: Redis
    with django_assert_num_queries(0):
        assert page(client, stamp.serial).status_code == 200  # from this process's memory
    as_if_written_by_another_process(monkeypatch)
    stamps_set_revoked(stamps=Stamp.objects.filter(pk=stamp.pk), revoked=True)
    clock.advance(0.9)
    assert page(client, stamp.serial).status_code == 200  # still within the bound
    clock.advance(0.1)  # STAMP_LOCAL_RECHECK after the last look at the generation
    response = page(client, stamp.serial)
    assert response.status_code == 410 and "thu hồi" in response.content.decode()
    assert stamp_cache.flush() == 3  # the refused request counted nothing


@pytest.mark.django_db(transaction=True)
def test_a_write_in_this_process_shows_on_its_next_request(client, stamp, redis_cache):
    page(client, stamp.serial)
    page(client, stamp.serial)
    assert _change_product(stamp) in page(client, stamp.serial).content.decode()


@pytest.mark.django_db(transaction=True)
def test_local_scans_are_pushed_every_batch_and_a_crash_loses_at_most_one_batch(
    client, stamp, redis_cache, settings
):
    settings.STAMP_LOCAL_BATCH = 3
    page(client, stamp.serial)  # first scan of this process: counted in Redis at once
    assert stamp_cache.local_pending() == 0
    for expected in (1, 2, 0, 1, 2):  # the third local scan pushes the batch
        html = page(client, stamp.serial).content.decode()
        assert stamp_cache.local_pending() == expected
    assert "được quét lần đầu" in html
    stamp_cache.reset_local()  # the process dies (SIGKILL): its unpushed scans are gone
    assert stamp_cache.flush() == 4
    lost = 6 - StampScan.objects.count()
    assert lost == 2 < settings.STAMP_LOCAL_BATCH
    stamp.refresh_from_db()
    assert stamp.scan_count == 4
    # The next process reads the count from Redis/the database again, exactly.
    assert "Đây là lần quét đầu tiên" not in page(client, stamp.serial).content.decode()


@pytest.mark.django_db(transaction=True)
def test_local_scans_are_pushed_within_the_recheck_interval_and_at_exit(
    client, stamp, redis_cache, clock, settings
):
    settings.STAMP_LOCAL_RECHECK = 1.0
    page(client, stamp.serial)
    page(client, stamp.serial)
    assert stamp_cache.local_pending() == 1
    clock.advance(1.0)
    page(client, stamp.serial)  # the scan older than the interval is pushed by this request
    assert stamp_cache.local_pending() == 1 and stamp_cache.pending() == 3
    page(client, stamp.serial)
    stamp_cache._push_at_exit()  # what a worker's normal exit runs
    assert stamp_cache.local_pending() == 0 and stamp_cache.pending() == 4
    stamp_cache.reset_local()
    assert stamp_cache.flush() == 4
    stamp.refresh_from_db()
    assert stamp.scan_count == 4 == StampScan.objects.count()


@pytest.mark.django_db(transaction=True)
def test_the_count_shown_includes_other_processes_after_a_sync(client, stamp, redis_cache, clock):
    page(client, stamp.serial)
    page(client, stamp.serial)
    first_process = stamp_cache.local()
    stamp_cache.reset_local()  # a second process (its own memory)
    page(client, stamp.serial)
    page(client, stamp.serial)  # 2 here, 2 there
    second_process = stamp_cache.local()
    stamp_cache.local_push()  # its timer's push
    stamp_cache._local = first_process
    clock.advance(1.0)
    html = page(client, stamp.serial).content.decode()  # syncs: sees the other's scans
    assert "được quét lần đầu" in html
    assert first_process.states[stamp.serial].base + first_process.states[stamp.serial].delta == 5
    assert second_process.pending() == 0
    assert stamp_cache.flush() == 5
    stamp.refresh_from_db()
    assert stamp.scan_count == 5


@pytest.mark.django_db(transaction=True)
def test_the_rate_limit_counts_local_hits_and_other_processes_after_a_sync(
    client, stamp, redis_cache, clock, settings
):
    settings.STAMP_RATE_LIMIT = 3
    ip = {"REMOTE_ADDR": "203.0.113.9"}
    assert page(client, stamp.serial, **ip).status_code == 200  # Redis
    assert page(client, stamp.serial, **ip).status_code == 200  # local
    first_process = stamp_cache.local()
    clock.advance(1.0)
    assert page(client, stamp.serial, **ip).status_code == 200  # local (synced: 2 in Redis)
    stamp_cache.local_push()  # its next sync: 3 in Redis
    stamp_cache.reset_local()  # the same client on another process
    assert page(client, stamp.serial, **ip).status_code == 429  # Redis knows all three
    stamp_cache._local = first_process
    assert page(client, stamp.serial, **ip).status_code == 429


# --- The officials' dashboard counts scans under their own token (core.dataversion.scans_token)

NO_SCANS = "Chưa có lượt quét tem nào trong 12 tháng qua."


def _scans_card(client) -> str:
    response = client.get("/dashboard/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_the_dashboard_counts_a_direct_scan_on_its_next_view(
    client, login, official_a, official_b, stamp
):
    officials = login(official_a)
    assert NO_SCANS in _scans_card(officials)
    page(client, stamp.serial)
    page(client, stamp.serial)
    assert "2 lượt quét trong 12 tháng qua." in _scans_card(officials)
    # The other commune's card is not this commune's.
    assert NO_SCANS in _scans_card(login(official_b))


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_card_is_cached_until_the_buffered_scans_are_flushed(
    client, login, official_a, stamp, redis_cache
):
    officials = login(official_a)
    assert NO_SCANS in _scans_card(officials)
    for _ in range(3):
        page(client, stamp.serial)
    # Not in the scan table yet: the card (cached) still says what the table says.
    assert NO_SCANS in _scans_card(officials)
    assert stamp_cache.flush() == 3
    assert "3 lượt quét trong 12 tháng qua." in _scans_card(officials)
