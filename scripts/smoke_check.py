"""Checks a running portal (scripts/smoke.sh): pages, headers, static files, worker, beat."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

BASE = sys.argv[1].rstrip("/")
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
failures: list[str] = []


def get(path: str, data: dict | None = None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(BASE + path, data=body, headers={"Referer": BASE + path})
    try:
        with opener.open(request, timeout=20) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def check(name: str, condition: bool) -> None:
    print(("ok   " if condition else "FAIL ") + name)
    if not condition:
        failures.append(name)


for _ in range(40):
    try:
        status, headers, body = get("/healthz")
        break
    except (urllib.error.URLError, ConnectionError):
        time.sleep(0.5)
check(
    "healthz 200 with database and broker ok", status == 200 and json.loads(body)["broker"] == "ok"
)

status, headers, body = get("/")
check("home page 200", status == 200 and "Quảng Tân" in body)
check(
    "Content-Security-Policy without inline scripts",
    "'unsafe-inline'" not in headers.get("Content-Security-Policy", "x")
    and "script-src 'self'" in headers.get("Content-Security-Policy", ""),
)
check("X-Frame-Options DENY", headers.get("X-Frame-Options") == "DENY")
css = re.search(r'href="(/static/css/portal\.[0-9a-f]+\.css)"', body)
check("hashed static file names (manifest storage)", css is not None)
if css:
    check("static file served by whitenoise", get(css.group(1))[0] == 200)
check("Vietnamese 404 page", get("/khong-co-trang-nay/")[0] == 404)

status, headers, body = get("/accounts/login/")
token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
status, headers, body = get(
    "/accounts/login/",
    {"username": "official", "password": "Smoke-Test-2026", "csrfmiddlewaretoken": token},
)
check("official logs in", status == 200 and any(c.name == "sessionid" for c in jar))
check("admin reachable after login", get("/admin/")[0] == 200)

# The worker answers a task sent through Redis.
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartvillage.settings")
import django  # noqa: E402

django.setup()
from villages.tasks import ping  # noqa: E402

check("task round-trips through the worker", ping.delay("06913-01").get(timeout=60)["pong"] is True)

if failures:
    print(f"{len(failures)} smoke check(s) failed")
    sys.exit(1)
print("smoke test passed")
