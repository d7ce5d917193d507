"""Where does a page spend its time? Its queries, slowest first, with EXPLAIN ANALYZE.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/smartvillage_bench \\
        .venv/bin/python bench/explain.py /field/ --user scale-06652-official [--explain 3]

Runs on the benchmark database (bench.settings); the request goes through the test client, so a
page that writes (the stamp page) writes once more.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
# An in-process cache of its own: the cold request below empties it, never somebody's Redis.
os.environ["REDIS_URL"] = ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--user", help="username (default: anonymous)")
    parser.add_argument("--explain", type=int, default=3, help="EXPLAIN ANALYZE the N slowest")
    args = parser.parse_args()
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    if args.user:
        client.force_login(get_user_model().objects.get(username=args.user))
    client.get(args.url)
    cache.clear()  # locmem (REDIS_URL is emptied above): the page is measured cold
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(args.url, HTTP_X_FORWARDED_FOR="10.9.9.9")
    total = time.perf_counter() - started
    queries = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))
    sql_time = sum(float(q["time"]) for q in queries)
    print(f"{args.url}: HTTP {response.status_code}, {total * 1000:.1f} ms, "
          f"{len(queries)} queries, {sql_time * 1000:.1f} ms in SQL")  # fmt: skip
    for q in queries:
        print(f"  {float(q['time']) * 1000:7.1f} ms  {q['sql'][:300]}")
    for q in queries[: args.explain]:
        sql = q["sql"]
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        print(f"\nEXPLAIN ANALYZE ({float(q['time']) * 1000:.1f} ms): {sql[:200]}")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            for (line,) in cursor.fetchall():
                print("   ", line)


if __name__ == "__main__":
    main()
