"""Anti-enumeration on /s/<serial>: per-client rate limit, unknown and revoked look alike."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import ratelimit
from ocop.models import SERIAL_ALPHABET, Stamp


def page(client, serial, ip="203.0.113.7"):
    return client.get(reverse("ocop:stamp_public", args=[serial]), REMOTE_ADDR=ip)


def test_rate_limit_per_client_with_a_friendly_vietnamese_429(world, client, settings):
    settings.STAMP_RATE_LIMIT = 5
    serial = world.a.stamp.serial
    for _ in range(5):
        assert page(client, serial).status_code == 200
    refused = page(client, serial)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    html = refused.content.decode()
    assert "Quá nhiều lần kiểm tra" in html and "Mật ong" not in html
    # Another client is not affected; the refused request recorded no scan.
    assert page(client, serial, ip="198.51.100.9").status_code == 200
    assert Stamp.objects.get(pk=world.a.stamp.pk).scan_count == 6


def test_rate_limit_window_resets_and_zero_switches_it_off(rf, settings):
    request = rf.get("/s/X", REMOTE_ADDR="192.0.2.1")
    assert all(ratelimit.hit("t", request, limit=2, window=60, now=120.0) for _ in range(2))
    assert not ratelimit.hit("t", request, limit=2, window=60, now=121.0)
    assert ratelimit.hit("t", request, limit=2, window=60, now=181.0)  # next window
    assert all(ratelimit.hit("t", request, limit=0, window=60) for _ in range(100))


def test_client_behind_the_proxy_is_the_forwarded_address(rf, settings):
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    assert ratelimit.client_ip(request) == "127.0.0.1"  # no proxy trusted: never the header
    settings.TRUSTED_PROXY_COUNT = 1
    assert ratelimit.client_ip(request) == "203.0.113.5"  # what nginx appended, not forgeable
    # The counter key never contains the address itself.
    assert "203.0.113.5" not in ratelimit.client_key(request)


def test_rate_limit_fails_open_when_the_cache_is_down(rf, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(ratelimit.cache, "add", broken)
    request = rf.get("/s/X", REMOTE_ADDR="192.0.2.1")
    assert ratelimit.hit("t", request, limit=1, window=60)


def _normalised(response, serial):
    html = response.content.decode()
    html = html.replace(serial, "SERIAL")
    html = re.sub(r'<p class="mb-0">.*?</p>', "<p>MESSAGE</p>", html, flags=re.S)
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)
    return html


@pytest.mark.parametrize("how", ["stamp", "batch"])
def test_unknown_and_revoked_differ_only_by_the_message(world, client, how):
    stamp = world.a.stamp
    if how == "stamp":
        Stamp.objects.filter(pk=stamp.pk).update(revoked=True)
    else:
        world.a.batch.__class__.objects.filter(pk=world.a.batch.pk).update(
            revoked_at="2026-01-01T00:00:00Z"
        )
    unknown_serial = "".join(reversed(stamp.serial))
    if Stamp.objects.filter(serial=unknown_serial).exists():  # pragma: no cover
        unknown_serial = SERIAL_ALPHABET[0] * len(stamp.serial)
    with CaptureQueriesContext(connection) as revoked_queries:
        revoked = page(client, stamp.serial)
    with CaptureQueriesContext(connection) as unknown_queries:
        unknown = page(client, unknown_serial)
    with CaptureQueriesContext(connection) as malformed_queries:
        malformed = page(client, "NOT-A-SERIAL!")
    assert revoked.status_code == 410 and unknown.status_code == 404
    assert "thu hồi" in revoked.content.decode()
    # Same template, same statements: nothing but the message tells them apart.
    assert _normalised(revoked, stamp.serial) == _normalised(unknown, unknown_serial)
    assert len(revoked_queries) == len(unknown_queries) == len(malformed_queries) == 1
    assert malformed.status_code == 404
    # A revoked stamp's scan is not recorded (it would cost two more statements).
    assert Stamp.objects.get(pk=stamp.pk).scan_count == 0
    for response in (revoked, unknown):
        assert response["X-Robots-Tag"] == "noindex"
        assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
