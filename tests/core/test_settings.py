"""Settings load in both modes, and bad configuration stops with one clear sentence."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import django; django.setup(); from django.conf import settings as s;"
    "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER,"
    " s.CACHES['default']['BACKEND'], s.LANGUAGE_CODE, s.TIME_ZONE, s.DEBUG)"
)


def run_python(code: str, **env_overrides):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG"}
    }
    env["DJANGO_SETTINGS_MODULE"] = "smartvillage.settings"
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, *code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_embedded_default_is_sqlite_with_eager_tasks():
    result = run_python(["-c", PROBE], DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "True",
        "django.core.cache.backends.locmem.LocMemCache",
        "vi",
        "Asia/Ho_Chi_Minh",
        "True",
    ]


def test_service_mode_uses_postgresql_and_redis():
    result = run_python(
        ["-c", PROBE],
        SECRET_KEY="x" * 50,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/whatever",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    engine, eager, cache, *_rest, debug = result.stdout.split()
    assert engine == "django.db.backends.postgresql"
    assert eager == "False"
    assert cache == "core.cache.SafeRedisCache"
    assert debug == "False"


@pytest.mark.parametrize(
    ("env", "sentence"),
    [
        ({"DEBUG": "false"}, "SECRET_KEY must be set when DEBUG is off"),
        ({"DEBUG": "true", "DATABASE_URL": "nonsense://x"}, "DATABASE_URL must start with"),
        ({"DEBUG": "true", "REDIS_URL": "localhost:6379"}, "REDIS_URL is malformed"),
        ({"DEBUG": "maybe"}, "DEBUG must be true or false"),
    ],
)
def test_bad_configuration_stops_with_one_sentence(env, sentence):
    result = run_python(["manage.py", "check"], **env)
    assert result.returncode == 2
    assert sentence in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_manage_py_defaults_to_the_development_profile_but_wsgi_does_not():
    assert run_python(["manage.py", "check"]).returncode == 0
    result = run_python(["-c", "import smartvillage.wsgi"])
    assert result.returncode == 2
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
