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

In front of all this, each process keeps a local layer (below, "Process-local layer"): bodies
served from memory under the generation it re-reads at most every STAMP_LOCAL_RECHECK seconds,
scans pushed to the Redis buffer every STAMP_LOCAL_BATCH scans or STAMP_LOCAL_RECHECK seconds.
What can be lost, in all: a process killed without its exit hook loses at most
STAMP_LOCAL_BATCH scans (and at most its last STAMP_LOCAL_RECHECK seconds of them); Redis dying
loses at most STAMP_SCAN_BUFFER_MAX scans (the last flush interval's); the local rows of a live
process are not lost with Redis (its push writes them to the database instead).
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import logging
import os
import re
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from core.local_cache import LRU, Recheck

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
    if _local is not None:  # this process sees its own writes on its next request
        _local.forget_generation()


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
            layer = local(client)
            page = layer.hit(serial, language, rate, ip, user_agent)
            if page is not None:
                return page
            return _lookup_redis(client, serial, language, ip, user_agent, rate, layer)
        except Exception:  # Redis unreachable: the page is read and written as without it
            logger.warning("stamp page cache unavailable: serving without it", exc_info=True)
            return Page(generation=0)
    generation, entry = read(serial, language)
    if entry is None:
        return Page(generation=generation)
    scans, first = _record_now(
        stamp_id=entry["stamp_id"], ip=ip, user_agent=user_agent, commune_id=entry.get("commune_id")
    )
    return Page(generation, entry["body"], scans, first)


def store_and_count(serial: str, language: str, page: Page, stamp, body: bytes, *, ip, user_agent):
    """After a miss: keep the rendered body, count the scan; the Page to serve."""
    day = timezone.localdate().isoformat()
    commune_id = stamp.batch.product.producer.village.commune_id  # read with the stamp
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
            scans, first, now = _count_redis(client, serial, stamp.pk, ip, user_agent)
            local(client).learn(serial, language, page.generation, stamp.pk, body, scans, first,
                                now, None, 0)  # fmt: skip
            return Page(page.generation, body, scans, first)
        except Exception:
            logger.warning("stamp page cache unavailable: writing the scan synchronously")
    elif client is None:
        entry = {"generation": page.generation, "day": day, "stamp_id": stamp.pk, "body": body,
                 "commune_id": commune_id}  # fmt: skip
        cache.set(page_key(serial, language), entry, timeout)
    scans, first = _record_now(
        stamp_id=stamp.pk, ip=ip, user_agent=user_agent, stamp=stamp, commune_id=commune_id
    )
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
# "|hash|browser", ttl, max, limit (0: none), window + 1. Answers {2, c} (over the limit),
# {0, generation, c} (miss), {-1, generation, id, c} (no scan state yet) or {1, body, n, first,
# buffered, generation, id, c}, c = the client's rate counter (0: not counted). The counter
# is core.ratelimit's (same key, INCR, expiry set when created).
LOOKUP_SCRIPT = (
    "local st, bf, pr, now, ttl, mx = 3, 4, 5, 2, 4, 5\n"
    "local c = 0\n"
    "if tonumber(ARGV[6]) > 0 then\n"
    "  c = redis.call('INCR', KEYS[6])\n"
    "  if c == 1 then redis.call('EXPIRE', KEYS[6], ARGV[7]) end\n"
    "  if c > tonumber(ARGV[6]) then return {2, c} end\n"
    "end\n"
    "local gen = redis.call('GET', KEYS[1])\n"
    "if not gen then return {0, '', c} end\n"
    "local page = redis.call('HMGET', KEYS[2], 'gen', 'day', 'id', 'body')\n"
    "if page[1] ~= gen or page[2] ~= ARGV[1] then return {0, gen, c} end\n"
    "if redis.call('EXISTS', KEYS[st]) == 0 then return {-1, gen, page[3], c} end\n"
    "local row = page[3] .. '|' .. ARGV[now] .. ARGV[3]\n"
    + _COUNT
    + "return {1, page[4], n, first, buffered, gen, page[3], c}"
)


def redis_client():
    """The raw client of the default cache when it is Redis, else None (synchronous scans)."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    if not isinstance(backend, RedisCache) or not getattr(settings, "STAMP_SCAN_BUFFER", True):
        return None
    client = getattr(backend, "_stamp_client", None)  # one per cache object (per thread)
    if client is None:
        client = backend._stamp_client = backend._cache.get_client(write=True)
    return client


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


_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?:{_OCTET}\.){{3}}{_OCTET}")


@functools.lru_cache(maxsize=4096)
def _network_hash(network: str, ip: str, _secret: str) -> str:
    from .services import client_hash

    return client_hash(ip)


@functools.lru_cache(maxsize=256)
def _family(user_agent: str | None) -> str:
    from .services import ua_family

    return str(ua_family(user_agent))


def _suffix(ip, user_agent) -> str:
    """ "|client hash|browser" of a scan row. The hash is of the client's /24 network
    (core.scans.coarse_origin): kept per network for a valid IPv4 address, else computed."""
    from .services import client_hash

    if ip and _IPV4.fullmatch(ip):
        hashed = _network_hash(ip.rpartition(".")[0], ip, settings.SECRET_KEY)
    else:
        hashed = client_hash(ip)
    return f"|{hashed}|{_family(user_agent)}"


def _lookup_redis(client, serial: str, language: str, ip, user_agent, rate, layer) -> Page:
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
    counted = int(result[-1])  # the client's rate counter after this request
    if counted:
        layer.learn(serial, language, 0, 0, None, 0, None, now, rate_key, counted)
    if int(result[0]) == 2:
        return Page(generation=0, limited=True)
    if int(result[0]) == -1:
        _init_state(client, serial, int(result[2]))
        result = script(keys=keys, args=[*argv, 0, 0])  # this request is counted already
    if int(result[0]) != 1:
        return Page(generation=_generation(result[1]))
    _, body, scans, first, buffered, generation, stamp_id, _ = result
    if not int(buffered):  # buffer full (the flush is behind): this row is written now
        _write_rows([(int(stamp_id), now, *suffix[1:].split("|"))])
    first = _from_micros(first)
    layer.learn(serial, language, int(generation), int(stamp_id), body, int(scans), first, now,
                None, 0)  # fmt: skip
    return Page(0, body, int(scans), first)


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
    return int(result[0]), _from_micros(result[1]), now


def _record_now(
    *, stamp_id: int, ip: str | None, user_agent: str | None, stamp=None, commune_id=None
):
    """The scan row and counters written at once: (scans, first scan before this one)."""
    from .models import Stamp
    from .services import stamp_scan_record

    if stamp is None:
        stamp = Stamp.objects.only("pk", "scan_count", "first_scan_at").get(pk=stamp_id)
    previous = stamp.first_scan_at
    stamp_scan_record(stamp=stamp, ip=ip, user_agent=user_agent, commune_id=commune_id)
    return stamp.scan_count + 1, previous


def _write_rows(rows) -> int:
    """Scan rows (stamp_id, time, client hash, browser) into the table, counters onto stamps."""
    from .models import Stamp, StampScan
    from .services import scans_written

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
        if alive:
            scans_written(alive)
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
    local_push()  # this process's own scans first (a worker has none)
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
    """Scans counted but not yet in the scan table: in Redis (what a Redis loss would cost
    now) plus this process's not yet pushed (what its crash would cost, local_pending())."""
    client = client or redis_client()
    if client is None:
        return 0
    in_redis = client.llen(cache.make_key(BUFFER_KEY)) + client.llen(cache.make_key(PROCESSING_KEY))
    return in_redis + local_pending()


def local_pending() -> int:
    layer = _local
    return layer.pending() if layer is not None and layer.pid == os.getpid() else 0


# --- Process-local layer (issue 21.1, second step) ------------------------------------------
#
# With Redis, a hit used to cost one Lua call; now a process serves the pages it has seen from
# its own memory and talks to Redis about once a second ("sync"):
# - Bodies: kept per serial+language with the generation they were rendered under (an LRU of
#   STAMP_LOCAL_PAGES; the LRU and the recheck timing are core.local_cache's). The process
#   re-reads the generation from Redis at most every STAMP_LOCAL_RECHECK seconds (default 1):
#   a write in another process (a revocation in the admin) shows there within that bound; a write
#   in this process shows on its next request (bump_generation forgets the local generation).
# - Scans: the first scan of a serial seen by this process goes through the Lua call as before
#   (so "this is the first scan" is decided by Redis, once, and the first-scan time is exact);
#   later scans of that serial (its first scan is known and never changes) are counted here and
#   their rows pushed to the Redis buffer every STAMP_LOCAL_BATCH scans or STAMP_LOCAL_RECHECK
#   seconds (at the next request, by a timer thread, and at process exit). The count shown may
#   miss the scans of other processes of the last interval; the counts written are exact.
# - Rate limit: the same counter keys as core.ratelimit; each process adds its own requests to
#   the value Redis had at its last sync and pushes its increments at every sync. Exact within a
#   process; across P processes a client can get up to (P - 1) x what it sends within one sync
#   interval beyond the limit (at most P x limit in a window if it hammers every process at once).
#
# Loss bound of the local buffer: a process that dies without running its exit hook (SIGKILL,
# OOM) loses its unpushed scans: at most STAMP_LOCAL_BATCH scans and at most the last
# STAMP_LOCAL_RECHECK seconds of them. A push that meets a dead Redis writes its rows to the
# database at once, so a Redis loss costs only what was already in the Redis buffer (above).


clock = time.monotonic  # tests replace it: no sleeps
RATE_KEEP = 120  # seconds a rate counter's last value is kept (> any stamp rate window + 1)


def local_recheck() -> float:
    return float(getattr(settings, "STAMP_LOCAL_RECHECK", 1.0))


def local_batch() -> int:
    return int(getattr(settings, "STAMP_LOCAL_BATCH", 200))


def local_pages_max() -> int:
    return int(getattr(settings, "STAMP_LOCAL_PAGES", 5000))


# KEYS: buffer, processing, state keys (S of them), rate keys (R). ARGV: max, ttl, S, R, then S
# scan deltas, R (delta, window + 1) pairs, then the rows. Answers {rows buffered, n1, first1,
# ..., nS, firstS (n = -1: state lost), c1, ..., cR}.
PUSH_SCRIPT = """
local mx, ttl, s, r = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local out = {0}
local first_row = 5 + s + 2 * r
local room = mx - redis.call('LLEN', KEYS[1]) - redis.call('LLEN', KEYS[2])
local pushed = 0
for i = first_row, #ARGV do
  if pushed >= room then break end
  redis.call('RPUSH', KEYS[1], ARGV[i])
  pushed = pushed + 1
end
out[1] = pushed
for i = 1, s do
  local key = KEYS[2 + i]
  if redis.call('EXISTS', key) == 1 then
    out[#out + 1] = redis.call('HINCRBY', key, 'n', tonumber(ARGV[4 + i]))
    out[#out + 1] = redis.call('HGET', key, 'first') or ''
    redis.call('EXPIRE', key, ttl)
  else
    out[#out + 1] = -1
    out[#out + 1] = ''
  end
end
for j = 1, r do
  local key = KEYS[2 + s + j]
  local delta = tonumber(ARGV[3 + s + 2 * j])
  local c = redis.call('INCRBY', key, delta)
  if c == delta then redis.call('EXPIRE', key, ARGV[4 + s + 2 * j]) end
  out[#out + 1] = c
end
return out
"""


@dataclass
class _State:
    stamp_id: int
    base: int  # the count Redis had at the last sync
    first: dt.datetime
    delta: int = 0  # counted here since


class Local:
    """One process's pages, scan counts and rate counters (see above)."""

    def __init__(self, client):
        self.client = client
        self.pid = os.getpid()
        self.lock = threading.RLock()
        self.generation = None  # as last read from Redis
        self.recheck = Recheck(local_recheck, lambda: clock())  # when that read is due again
        self.pages = LRU(local_pages_max)  # (serial, language) -> (generation, day, id, body)
        self.states: dict[str, _State] = {}
        self.rows: list[str] = []  # "stamp id|µs|client hash|browser", not yet pushed
        self.rate_seen: dict[str, tuple[int, float]] = {}  # key -> (value in Redis, expiry)
        self.rate_delta: dict[str, tuple[int, int]] = {}  # key -> (count, window + 1)
        self.pushed_at = clock()
        self.thread = None

    # The generation

    def current_generation(self):
        if self.recheck.due():
            self.sync()
        return self.generation

    def forget_generation(self):
        self.recheck.forget()

    # Serving

    def hit(self, serial, language, rate, ip, user_agent) -> Page | None:
        """This request served from memory, or None (ask Redis)."""
        with self.lock:
            generation = self.current_generation()
            entry = self.pages.get((serial, language))
            state = self.states.get(serial)
            if (
                generation is None
                or entry is None
                or state is None
                or entry[0] != generation
                or entry[1] != timezone.localdate().isoformat()
            ):
                return None
            rate_key, limit, window = rate
            if rate_key and limit > 0:
                count, _ = self.rate_delta.get(rate_key, (0, window + 1))
                self.rate_delta[rate_key] = (count + 1, window + 1)
                if self.rate_seen.get(rate_key, (0, 0))[0] + count + 1 > limit:
                    return Page(generation=0, limited=True)
            self.rows.append(f"{state.stamp_id}|{_micros(timezone.now())}{_suffix(ip, user_agent)}")
            state.delta += 1
            page = Page(generation, entry[3], state.base + state.delta, state.first)
            if len(self.rows) >= local_batch() or clock() - self.pushed_at >= local_recheck():
                self.sync()
            self._start_timer()
            return page

    def learn(self, serial, language, generation, stamp_id, body, scans, first, now, rate_key, c):
        """After a Redis lookup (hit or miss): keep what the next requests need."""
        with self.lock:
            if generation and generation != self.generation:  # Redis's, read by this request
                self.generation = generation
                self.recheck.mark()
                self.pages.clear()
            if generation:
                self.pages[(serial, language)] = (generation, timezone.localdate().isoformat(),
                                                  stamp_id, body)  # fmt: skip
            if stamp_id and scans:
                if len(self.states) >= 2 * local_pages_max():  # bounded: forget pushed ones
                    for key in [k for k, st in self.states.items() if not st.delta]:
                        del self.states[key]
                state = self.states.get(serial)
                if state is None or state.delta == 0:
                    self.states[serial] = _State(stamp_id, scans, first or now)
            if rate_key and c:
                seen = self.rate_seen.get(rate_key, (0, 0))[0]
                self.rate_seen[rate_key] = (max(c, seen), clock() + RATE_KEEP)

    # Sync

    def pending(self) -> int:
        return len(self.rows)

    def sync(self) -> None:
        """Push the scans and rate counts, read the generation: one round trip."""
        with self.lock:
            rows, self.rows = self.rows, []
            states = [(s, st) for s, st in self.states.items() if st.delta]
            rates = list(self.rate_delta.items())
            self.rate_delta = {}
            keys = [cache.make_key(BUFFER_KEY), cache.make_key(PROCESSING_KEY)]
            keys += [_state_key(serial) for serial, _ in states]
            keys += [cache.make_key(key) for key, _ in rates]
            argv = [buffer_max(), STATE_TTL, len(states), len(rates)]
            argv += [st.delta for _, st in states]
            for _, (count, expiry) in rates:
                argv += [count, expiry]
            argv += rows
            self.pushed_at = clock()
            try:
                with self.client.pipeline(transaction=False) as pipe:
                    if rows or states or rates:
                        _script(self.client, PUSH_SCRIPT)(keys=keys, args=argv, client=pipe)
                    pipe.get(cache.make_key(GENERATION_KEY))
                    answers = pipe.execute()
            except Exception:  # Redis down: the rows go to the database now, nothing is lost
                logger.warning("stamp page cache unavailable: writing local scans", exc_info=True)
                self.generation, self.states = None, {}
                self.pages.clear()
                self.recheck.mark()
                self.rate_seen = {}
                if rows:
                    _write_rows([_parse_row(row) for row in rows])
                return
            generation = answers[-1]
            self.generation = int(generation) if generation not in (None, b"") else None
            moment = self.recheck.mark()
            self.rate_seen = {k: v for k, v in self.rate_seen.items() if v[1] > moment}
            if not (rows or states or rates):
                return
            out = answers[0]
            pushed = int(out[0])
            if pushed < len(rows):  # the Redis buffer is full (the flush is behind)
                _write_rows([_parse_row(row) for row in rows[pushed:]])
            lost = []
            for i, (serial, state) in enumerate(states):
                n = int(out[1 + 2 * i])
                if n == -1:  # Redis lost the state: the database's count, then ours
                    lost.append((serial, state))
                    continue
                state.base, state.delta = n, 0
            for j, (key, _) in enumerate(rates):
                self.rate_seen[key] = (int(out[1 + 2 * len(states) + j]), moment + RATE_KEEP)
            for serial, state in lost:
                _init_state(self.client, serial, state.stamp_id)
                state.base = self.client.hincrby(_state_key(serial), "n", state.delta)
                state.delta = 0

    def _start_timer(self) -> None:
        if self.thread is not None or not getattr(settings, "STAMP_LOCAL_TIMER", True):
            return
        interval = local_recheck()

        def run():
            while _local is self:
                time.sleep(interval)
                if self.rows or any(st.delta for st in self.states.values()):
                    try:
                        self.sync()
                    except Exception:
                        logger.warning("stamp scan sync failed", exc_info=True)

        self.thread = threading.Thread(target=run, name="stamp-scan-sync", daemon=True)
        self.thread.start()


def _parse_row(raw: str):
    stamp_id, micros, hash_, family = raw.split("|")
    return int(stamp_id), _from_micros(micros), hash_, family


_local: Local | None = None
_local_ident = None


def local(client=None) -> Local | None:
    """This process's local layer for the Redis of the default cache (None without Redis)."""
    global _local, _local_ident
    client = client or redis_client()
    if client is None:
        return None
    ident = (os.getpid(), repr(client.connection_pool.connection_kwargs), cache.key_prefix)
    if _local is None or _local_ident != ident:
        _local, _local_ident = Local(client), ident
    return _local


def reset_local() -> None:
    """Forget this process's local layer (tests: a crashed process loses it like this)."""
    global _local, _local_ident
    _local, _local_ident = None, None


def local_push() -> int:
    """Push this process's local scans now (exit hook, tests); the number pushed."""
    layer = _local
    if layer is None or layer.pid != os.getpid():
        return 0
    count = layer.pending()
    if count or any(state.delta for state in layer.states.values()):
        layer.sync()
    return count


@atexit.register
def _push_at_exit() -> None:  # gunicorn workers exit through SystemExit: atexit runs
    try:
        local_push()
    except Exception:
        logger.warning("stamp scans of this process could not be pushed at exit", exc_info=True)
