"""A bounded Python load loop, used by bench/run.py when `wrk` is not installed.

N threads, each with its own keep-alive connection (http.client), cycle through the paths for a
fixed number of seconds. Slower than wrk (the client competes for the same 2 cores), so figures
are lower than with wrk but still comparable *within* one run: every case uses the same loop.
"""

from __future__ import annotations

import http.client
import threading
import time
from urllib.parse import urlparse


def run_load(base: str, paths: list[str], seconds: float, connections: int) -> dict:
    parts = urlparse(base)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        mine, bad, i = [], 0, offset
        while time.perf_counter() < stop_at:
            path = paths[i % len(paths)]
            i += connections
            started = time.perf_counter()
            try:
                # Many buyers: one client address per request (bench/settings.py).
                conn.request(
                    "GET",
                    path,
                    headers={"X-Forwarded-For": f"10.{offset}.{i >> 8 & 255}.{i & 255}"},
                )
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    bad += 1
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] if latencies else 0

    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed if elapsed else 0,
        "p50": pct(50),
        "p95": pct(95),
        "p99": pct(99),
        "errors": errors[0],
    }
