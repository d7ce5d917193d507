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
import time
from dataclasses import dataclass

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


def _hash_key(serial: str, language: str) -> str:
    """The page as a Redis hash (gen, day, id, body), readable by the Lua lookup."""
    return cache.make_key(f"stamp-page-hash:{language}:{serial}")


def _set_new_generation() -> None:
    # An integer: Django's Redis cache stores it unpickled, so the Lua lookup can compare it.
    cache.set(GENERATION_KEY, time.time_ns(), None)


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

    from .models import Producer, Product, Stamp, StampBatch, shown_rows_updated

    for model in (Product, Producer, StampBatch, Stamp, Village, Commune):
        for signal in (post_save, post_delete):
            signal.connect(_row_changed, sender=model, dispatch_uid=f"stamp-page-{model}")
    # Queryset updates of shown fields (ocop.models.StampPageUpdates).
    shown_rows_updated.connect(bump_generation, dispatch_uid="stamp-page-updates")


def _generation(found) -> int:
    generation = found
    if generation in (None, "", b""):  # never set, or evicted: a new one, no old entry matches
        generation = time.time_ns()
        if not cache.add(GENERATION_KEY, generation, None):
            generation = cache.get(GENERATION_KEY) or generation
    return int(generation)


def read(serial: str, language: str) -> tuple[int, dict | None]:
    """Without Redis: (current generation, the cached entry if still valid), one round trip."""
    key = page_key(serial, language)
    found = cache.get_many([GENERATION_KEY, key])
    generation = _generation(found.get(GENERATION_KEY))
    entry = found.get(key)
    if (
        entry is None
        or entry.get("generation") != generation
        or entry.get("day") != timezone.localdate().isoformat()
    ):
        return generation, None
    return generation, entry


@dataclass
class Page:
    generation: int
    body: bytes | None = None  # None: not cached (or stale), render it
    scans: int = 0
    first_scan: dt.datetime | None = None
    limited: bool = False  # over the client's rate limit (counted in the same Lua call)


def lookup(serial: str, language: str, *, ip, user_agent, rate=("", 0, 60)) -> Page:
    """The cached page of a valid stamp with this request's scan counted, or a miss.

    Redis: one Lua call counts the client's request against its rate limit (`rate`: the key of
    core.ratelimit, limit, window), reads the generation and the page and counts the scan.
    Otherwise the Django cache and a synchronous scan row (the caller checks the limit)."""
    client = redis_client()
    if client is not None:
        try:
            return _lookup_redis(client, serial, language, ip, user_agent, rate)
        except Exception:  # Redis unreachable: the page is read and written as without it
            logger.warning("stamp page cache unavailable: serving without it", exc_info=True)
            return Page(generation=0)
    generation, entry = read(serial, language)
    if entry is None:
        return Page(generation=generation)
    scans, first = _record_now(stamp_id=entry["stamp_id"], ip=ip, user_agent=user_agent)
    return Page(generation, entry["body"], scans, first)


def store_and_count(serial: str, language: str, page: Page, stamp, body: bytes, *, ip, user_agent):
    """After a miss: keep the rendered body, count the scan; the Page to serve."""
    day = timezone.localdate().isoformat()
    timeout = int(getattr(settings, "STAMP_PAGE_CACHE_SECONDS", 3600))
    client = redis_client()
    if client is not None and page.generation:
        try:
            key = _hash_key(serial, language)
            with client.pipeline() as pipe:
                pipe.hset(
                    key,
                    mapping={"gen": page.generation, "day": day, "id": stamp.pk, "body": body},
                )
                pipe.expire(key, timeout)
                pipe.execute()
            scans, first = _count_redis(client, serial, stamp.pk, ip, user_agent)
            return Page(page.generation, body, scans, first)
        except Exception:
            logger.warning("stamp page cache unavailable: writing the scan synchronously")
    elif client is None:
        entry = {"generation": page.generation, "day": day, "stamp_id": stamp.pk, "body": body}
        cache.set(page_key(serial, language), entry, timeout)
    scans, first = _record_now(stamp_id=stamp.pk, ip=ip, user_agent=user_agent, stamp=stamp)
    return Page(page.generation, body, scans, first)


# --- Scans ---------------------------------------------------------------------------------

# Shared by both scripts: count the scan in the state hash KEYS[st], buffer the row unless the
# buffer (KEYS[bf] + the list being flushed, KEYS[pr]) holds STAMP_SCAN_BUFFER_MAX already.
_COUNT = """
local buffered = 1
if redis.call('LLEN', KEYS[bf]) + redis.call('LLEN', KEYS[pr]) >= tonumber(ARGV[mx]) then
  buffered = 0
end
local first = redis.call('HGET', KEYS[st], 'first')
if (not first) or first == '' then
  first = ''
  redis.call('HSET', KEYS[st], 'first', ARGV[now])
end
local n = redis.call('HINCRBY', KEYS[st], 'n', 1)
if buffered == 1 then redis.call('RPUSH', KEYS[bf], row) end
redis.call('EXPIRE', KEYS[st], ARGV[ttl])
"""
# KEYS: state, buffer, processing. ARGV: now (µs), row, ttl, max.
SCAN_SCRIPT = (
    "local st, bf, pr, now, ttl, mx = 1, 2, 3, 1, 3, 4\nlocal row = ARGV[2]\n"
    "if redis.call('EXISTS', KEYS[st]) == 0 then return {-1, ''} end\n"
    + _COUNT
    + "return {n, first, buffered}"
)
# KEYS: generation, page, state, buffer, processing, rate-limit counter. ARGV: day, now (µs),
# "|hash|browser", ttl, max, limit (0: none), window + 1. Answers {2} (over the limit),
# {0, generation} (miss), {-1, generation, id} (no scan state yet) or {1, body, n, first,
# buffered}. The counter is core.ratelimit's (same key, INCR, expiry set when created).
LOOKUP_SCRIPT = (
    "local st, bf, pr, now, ttl, mx = 3, 4, 5, 2, 4, 5\n"
    "if tonumber(ARGV[6]) > 0 then\n"
    "  local c = redis.call('INCR', KEYS[6])\n"
    "  if c == 1 then redis.call('EXPIRE', KEYS[6], ARGV[7]) end\n"
    "  if c > tonumber(ARGV[6]) then return {2} end\n"
    "end\n"
    "local gen = redis.call('GET', KEYS[1])\n"
    "if not gen then return {0, ''} end\n"
    "local page = redis.call('HMGET', KEYS[2], 'gen', 'day', 'id', 'body')\n"
    "if page[1] ~= gen or page[2] ~= ARGV[1] then return {0, gen} end\n"
    "if redis.call('EXISTS', KEYS[st]) == 0 then return {-1, gen, page[3]} end\n"
    "local row = page[3] .. '|' .. ARGV[now] .. ARGV[3]\n"
    + _COUNT
    + "return {1, page[4], n, first, buffered}"
)


def redis_client():
    """The raw client of the default cache when it is Redis, else None (synchronous scans)."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    if not isinstance(backend, RedisCache) or not getattr(settings, "STAMP_SCAN_BUFFER", True):
        return None
    return backend._cache.get_client(write=True)


def _state_key(serial: str) -> str:
    return cache.make_key(f"stamp-scan:state:{serial}")


def _micros(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def _from_micros(value) -> dt.datetime | None:
    if value in (None, "", b""):
        return None
    return dt.datetime.fromtimestamp(int(value) / 1_000_000, tz=dt.UTC)


_scripts: dict = {}


def _script(client, source: str):
    script = _scripts.get(source)
    if script is None or script.registered_client is not client:
        script = _scripts[source] = client.register_script(source)
    return script


def _init_state(client, serial: str, stamp_id: int) -> None:
    """The scan state of a stamp, read from the database (first scan, or after a Redis loss)."""
    from .models import Stamp

    row = Stamp.objects.filter(pk=stamp_id).values_list("scan_count", "first_scan_at").first()
    count, first = row or (0, None)
    key = _state_key(serial)
    with client.pipeline() as pipe:
        pipe.hsetnx(key, "n", count)
        pipe.hsetnx(key, "first", _micros(first) if first else "")
        pipe.expire(key, STATE_TTL)
        pipe.execute()


def _suffix(ip, user_agent) -> str:
    from .services import client_hash, ua_family

    return f"|{client_hash(ip)}|{ua_family(user_agent)}"


def _lookup_redis(client, serial: str, language: str, ip, user_agent, rate) -> Page:
    now = timezone.now()
    rate_key, limit, window = rate
    keys = [
        cache.make_key(GENERATION_KEY),
        _hash_key(serial, language),
        _state_key(serial),
        cache.make_key(BUFFER_KEY),
        cache.make_key(PROCESSING_KEY),
        cache.make_key(rate_key) if rate_key and limit > 0 else "",
    ]
    suffix = _suffix(ip, user_agent)
    argv = [timezone.localdate().isoformat(), _micros(now), suffix, STATE_TTL, buffer_max()]
    script = _script(client, LOOKUP_SCRIPT)
    result = script(keys=keys, args=[*argv, limit, window + 1])
    if int(result[0]) == 2:
        return Page(generation=0, limited=True)
    if int(result[0]) == -1:
        _init_state(client, serial, int(result[2]))
        result = script(keys=keys, args=[*argv, 0, 0])  # this request is counted already
    if int(result[0]) != 1:
        return Page(generation=_generation(result[1]))
    _, body, scans, first, buffered = result
    if not int(buffered):  # buffer full (the flush is behind): this row is written now
        stamp_id = int(client.hget(keys[1], "id"))
        _write_rows([(stamp_id, now, *suffix[1:].split("|"))])
    return Page(0, body, int(scans), _from_micros(first))


def _count_redis(client, serial: str, stamp_id: int, ip, user_agent):
    now = timezone.now()
    suffix = _suffix(ip, user_agent)
    keys = [_state_key(serial), cache.make_key(BUFFER_KEY), cache.make_key(PROCESSING_KEY)]
    argv = [_micros(now), f"{stamp_id}|{_micros(now)}{suffix}", STATE_TTL, buffer_max()]
    script = _script(client, SCAN_SCRIPT)
    result = script(keys=keys, args=argv)
    if int(result[0]) == -1:
        _init_state(client, serial, stamp_id)
        result = script(keys=keys, args=argv)
    if not int(result[2]):
        _write_rows([(stamp_id, now, *suffix[1:].split("|"))])
    return int(result[0]), _from_micros(result[1])


def _record_now(*, stamp_id: int, ip: str | None, user_agent: str | None, stamp=None):
    """The scan row and counters written at once: (scans, first scan before this one)."""
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
