"""The production profile: security headers, secure cookies, CSP, no inline script or style."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import json, django
django.setup()
from django.conf import settings
from django.test import Client
client = Client()
login = client.get("/accounts/login/", secure=True, HTTP_HOST="thon.example.vn")
plain = client.get("/accounts/login/", HTTP_HOST="thon.example.vn")
csrf = login.cookies.get(settings.CSRF_COOKIE_NAME)
print(json.dumps({
    "status": login.status_code,
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
    "hsts": login.get("Strict-Transport-Security", ""),
    "xfo": login.get("X-Frame-Options", ""),
    "nosniff": login.get("X-Content-Type-Options", ""),
    "referrer": login.get("Referrer-Policy", ""),
    "csp": login.get("Content-Security-Policy", ""),
    "csrf_secure": bool(csrf and csrf["secure"]),
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "session_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "debug": settings.DEBUG,
}))
"""


def test_security_headers_and_cookies_with_debug_off_and_https(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "smartvillage.settings",
        "DEBUG": "false",
        "SECRET_KEY": "x" * 60,
        "SITE_URL": "https://thon.example.vn",
        "ALLOWED_HOSTS": "thon.example.vn",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        # The manifest storage needs collected files: build them here, never rely on a
        # staticfiles/ folder some earlier command happened to leave in the tree.
        "STATIC_ROOT": str(tmp_path / "static"),
        "USE_HTTPS": "",
    }
    env.pop("USE_HTTPS")
    env.pop("REDIS_URL", None)
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert collect.returncode == 0, collect.stderr[-2000:]
    assert (tmp_path / "static" / "staticfiles.json").exists()
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-2000:]
    facts = json.loads(out.stdout.strip().splitlines()[-1])
    assert facts["debug"] is False and facts["status"] == 200
    assert facts["plain_status"] == 301 and facts["plain_location"].startswith("https://")
    assert "max-age=31536000" in facts["hsts"] and "includeSubDomains" in facts["hsts"]
    assert facts["xfo"] == "DENY" and facts["nosniff"] == "nosniff"
    assert facts["referrer"] == "same-origin"
    assert facts["csrf_secure"] and facts["session_secure"] and facts["session_httponly"]
    csp = facts["csp"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp


def _templates():
    dirs = [ROOT / "templates", *ROOT.glob("*/templates")]
    for base in dirs:
        if ".venv" in base.parts:
            continue
        yield from (p for p in base.rglob("*") if p.is_file() and p.suffix in {".html", ".txt"})


SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)


def test_no_inline_script_or_style_in_any_template():
    problems = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(ROOT)
        for match in SCRIPT_TAG.finditer(text):
            attrs = match.group(1)
            if "src=" not in attrs and 'type="application/json"' not in attrs:
                problems.append(f"{rel}: inline <script{attrs}>")
        if ' style="' in text or " style='" in text:
            problems.append(f"{rel}: style attribute")
        if re.search(r"<style\b", text, re.I):
            problems.append(f"{rel}: <style> element")
        if re.search(r"\son[a-z]+=\"", text):
            problems.append(f"{rel}: inline event handler")
    assert not problems, "\n".join(problems)


def test_vietnamese_error_pages_hold_no_data(client, settings):
    settings.DEBUG = False
    missing = client.get("/field/households/999999/")
    assert missing.status_code in (302, 404)
    page = client.get("/this-does-not-exist/")
    assert page.status_code == 404 and "Không tìm thấy" in page.content.decode()
