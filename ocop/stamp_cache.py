"""The stamp page at cache speed (issue 21): a cached body per serial, scans buffered in Redis.

Body. The page of a valid stamp is rendered once with two markers (the scan count and the
first-scan notice) and kept in the cache per serial and language for the day (the page shows
"certificate expired" and "best before passed" against today). Every entry carries the stamp
pages' generation; any write that can change a stamp page (product, producer, village, commune,
batch, stamp: saves and deletes through signals, revocations, thumbnails and renders through the
services that write them with `.update()`) sets a new generation, so the next request re-renders:
a revocation shows on the very next request. Unknown and revoked serials are never cached: they
cost the same single read as before, so the time does not tell them apart.

Scans. With a Redis cache, a scan is one Lua call: the stamp's running state (`n` = scans
counted, `first` = exact time of the first scan) is a Redis hash initialised from the database,
and the scan row is appended to a buffer list; the beat task `ocop.tasks.flush_stamp_scans`
(every STAMP_SCAN_FLUSH_EVERY seconds) moves the buffer into the scan table and adds the counts,
first and last scan times to the stamps in one transaction. The state hash and the buffer live in
the same Redis, so they are lost together: after a loss the state is read again from the
database, which then holds every flushed scan.

Bound on what a Redis loss costs: the scans still in the buffer or in the batch being flushed,
at most STAMP_SCAN_BUFFER_MAX (the Lua call refuses to buffer beyond it and the request writes
its row synchronously instead), and in time at most the scans of the last flush interval plus
the flush's own duration. A flush that dies after its commit but before deleting its batch
writes that batch again on the next run (at least once, never lost). Without Redis (locmem
cache, Redis down) every scan is written synchronously, as before.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

GENERATION_KEY = "stamp-page:generation"
SCANS_MARK = "<!--sv:scans-->"
NOTICE_MARK = "<!--sv:first-scan-->"
BUFFER_KEY = "stamp-scan:buffer"
PROCESSING_KEY = "stamp-scan:processing"
STATE_TTL = 7 * 24 * 3600  # a stamp's Redis state outlives any buffered scan of it by far


def buffer_max() -> int:
    return int(getattr(settings, "STAMP_SCAN_BUFFER_MAX", 50_000))


# --- Body ----------------------------------------------------------------------------------


def page_key(serial: str, language: str) -> str:
    return f"stamp-page:{language}:{serial}"


def _set_new_generation() -> None:
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def bump_generation(**_ignored) -> None:
    """Every cached stamp page is stale from now on (signals, queryset updates): a new
    generation now, and again once the current transaction commits (a request in between may
    have cached the old data under the first new generation)."""
    _set_new_generation()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_set_new_generation)


def _row_changed(created=False, **_ignored) -> None:
    if not created:  # a new row is on no cached page yet
        bump_generation()


def connect_signals() -> None:
    """Saves and deletes of everything a stamp page shows make the cached pages stale."""
    from django.db.models.signals import post_delete, post_save

    from villages.models import Commune, Village

    from .models import Producer, Product, Stamp, StampBatch

    for model in (Product, Producer, StampBatch, Stamp, Village, Commune):
        for signal in (post_save, post_delete):
            signal.connect(_row_changed, sender=model, dispatch_uid=f"stamp-page-{model}")


def read(serial: str, language: str) -> tuple[str, dict | None]:
    """(current generation, the cached entry if still valid) in one cache round trip."""
    key = page_key(serial, language)
    found = cache.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY)
    if generation is None:  # never set, or evicted: a new one, so no old entry can match
        generation = uuid.uuid4().hex
        if not cache.add(GENERATION_KEY, generation, None):
            generation = cache.get(GENERATION_KEY) or generation
        return generation, None
    entry = found.get(key)
    if (
        entry is None
        or entry.get("generation") != generation
        or entry.get("day") != timezone.localdate().isoformat()
    ):
        return generation, None
    return generation, entry


def store(serial: str, language: str, generation: str, stamp_id: int, body: bytes) -> dict:
    entry = {
        "generation": generation,
        "day": timezone.localdate().isoformat(),
        "stamp_id": stamp_id,
        "body": body,
    }
    cache.set(
        page_key(serial, language), entry, getattr(settings, "STAMP_PAGE_CACHE_SECONDS", 3600)
    )
    return entry


# --- Scans ---------------------------------------------------------------------------------

SCAN_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, ''} end
local buffered = 1
if redis.call('LLEN', KEYS[2]) + redis.call('LLEN', KEYS[3]) >= tonumber(ARGV[4]) then
  buffered = 0
end
local first = redis.call('HGET', KEYS[1], 'first')
if (not first) or first == '' then
  first = ''
  redis.call('HSET', KEYS[1], 'first', ARGV[1])
end
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
if buffered == 1 then redis.call('RPUSH', KEYS[2], ARGV[2]) end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {n, first, buffered}
"""


def redis_client():
    """The raw client of the default cache when it is Redis, else None (synchronous scans)."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    if not isinstance(backend, RedisCache) or not getattr(settings, "STAMP_SCAN_BUFFER", True):
        return None
    return backend._cache.get_client(write=True)


def _state_key(stamp_id: int) -> str:
    return cache.make_key(f"stamp-scan:state:{stamp_id}")


def _micros(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def _from_micros(value) -> dt.datetime | None:
    if value in (None, "", b""):
        return None
    return dt.datetime.fromtimestamp(int(value) / 1_000_000, tz=dt.UTC)


_script = None


def _scan_script(client):
    global _script
    if _script is None or _script.registered_client is not client:
        _script = client.register_script(SCAN_SCRIPT)
    return _script


def record_scan(*, stamp_id: int, ip: str | None, user_agent: str | None, stamp=None):
    """Count one scan: (scans including this one, time of the first scan before this one).

    Buffered in Redis when the cache is Redis (see the module's text), else written at once
    (`stamp`: the row just read, if any, saves reading it again).
    """
    from .services import client_hash, ua_family

    client = redis_client()
    if client is not None:
        now = timezone.now()
        entry = f"{stamp_id}|{_micros(now)}|{client_hash(ip)}|{ua_family(user_agent)}"
        try:
            return _record_buffered(client, stamp_id, now, entry)
        except Exception:  # Redis unreachable or refusing: the row is written synchronously
            logger.warning("stamp scan buffer unavailable: writing the scan synchronously")
    return _record_now(stamp_id=stamp_id, ip=ip, user_agent=user_agent, stamp=stamp)


def _record_buffered(client, stamp_id: int, now: dt.datetime, entry: str):
    from .models import Stamp

    script = _scan_script(client)
    keys = [_state_key(stamp_id), cache.make_key(BUFFER_KEY), cache.make_key(PROCESSING_KEY)]
    argv = [_micros(now), entry, STATE_TTL, buffer_max()]
    result = script(keys=keys, args=argv)
    if int(result[0]) == -1:  # no state yet (or lost with Redis): read it from the database
        row = Stamp.objects.filter(pk=stamp_id).values_list("scan_count", "first_scan_at").first()
        count, first = row or (0, None)
        with client.pipeline() as pipe:
            pipe.hsetnx(keys[0], "n", count)
            pipe.hsetnx(keys[0], "first", _micros(first) if first else "")
            pipe.expire(keys[0], STATE_TTL)
            pipe.execute()
        result = script(keys=keys, args=argv)
    scans, first, buffered = int(result[0]), _from_micros(result[1]), int(result[2])
    if not buffered:  # buffer full (the flush is behind): this row is written now
        _, _, client_hash_, family = entry.split("|")
        _write_rows([(stamp_id, now, client_hash_, family)])
    return scans, first


def _record_now(*, stamp_id: int, ip: str | None, user_agent: str | None, stamp=None):
    from .models import Stamp
    from .services import stamp_scan_record

    if stamp is None:
        stamp = Stamp.objects.only("pk", "scan_count", "first_scan_at").get(pk=stamp_id)
    previous = stamp.first_scan_at
    stamp_scan_record(stamp=stamp, ip=ip, user_agent=user_agent)
    return stamp.scan_count + 1, previous


def _write_rows(rows) -> int:
    """Scan rows (stamp_id, time, client hash, browser) into the table, counters onto stamps."""
    from .models import Stamp, StampScan

    per_stamp: dict[int, list] = {}
    for stamp_id, moment, _hash, _family in rows:
        seen = per_stamp.setdefault(stamp_id, [0, moment, moment])
        seen[0] += 1
        seen[1] = min(seen[1], moment)
        seen[2] = max(seen[2], moment)
    with transaction.atomic():
        stamps = list(
            Stamp.objects.select_for_update()
            .filter(pk__in=list(per_stamp))
            .only("pk", "scan_count", "first_scan_at", "last_scan_at")
        )
        alive = {s.pk for s in stamps}  # a stamp deleted meanwhile loses its pending scans
        StampScan.objects.bulk_create(
            [
                StampScan(stamp_id=s, scanned_at=m, client_hash=h, ua_family=f)
                for s, m, h, f in rows
                if s in alive
            ],
            batch_size=1000,
        )
        for stamp in stamps:
            count, first, last = per_stamp[stamp.pk]
            stamp.scan_count += count
            stamp.first_scan_at = min(filter(None, [stamp.first_scan_at, first]))
            stamp.last_scan_at = max(filter(None, [stamp.last_scan_at, last]))
        Stamp.objects.bulk_update(
            stamps, ["scan_count", "first_scan_at", "last_scan_at"], batch_size=500
        )
    return sum(per_stamp[pk][0] for pk in alive)


def flush(client=None) -> int:
    """Move the buffered scans into the scan table; the number of scans written.

    The buffer is renamed to a processing list (atomic: new scans go to a new buffer), written in
    one transaction and then deleted; a processing list left by a dead flush is written first.
    """
    import redis

    client = client or redis_client()
    if client is None:
        return 0
    buffer, processing = cache.make_key(BUFFER_KEY), cache.make_key(PROCESSING_KEY)
    if not client.exists(processing):
        try:
            client.rename(buffer, processing)
        except redis.ResponseError:  # no buffer: nothing was scanned since the last flush
            return 0
    rows = []
    for raw in client.lrange(processing, 0, -1):
        stamp_id, micros, hash_, family = raw.decode().split("|")
        rows.append((int(stamp_id), _from_micros(micros), hash_, family))
    written = _write_rows(rows) if rows else 0
    client.delete(processing)
    return written


def pending(client=None) -> int:
    """Scans counted but not yet in the scan table (what a Redis loss would cost now)."""
    client = client or redis_client()
    if client is None:
        return 0
    return client.llen(cache.make_key(BUFFER_KEY)) + client.llen(cache.make_key(PROCESSING_KEY))
