"""Test settings: the real settings plus fast hashing, plain static storage, private media."""

import os
import tempfile

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "core.files.PrivateFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# .ci/run shares one MEDIA_ROOT between pytest and the real worker; alone, a private temp dir.
MEDIA_ROOT = os.environ.get("MEDIA_ROOT") or tempfile.mkdtemp(prefix="smartvillage-test-media-")
PRIVATE_MEDIA_ROOT = os.environ.get("PRIVATE_MEDIA_ROOT") or (
    f"{os.environ['MEDIA_ROOT'].rstrip('/')}-private"
    if os.environ.get("MEDIA_ROOT")
    else tempfile.mkdtemp(prefix="smartvillage-test-private-")
)
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SECURE_SSL_REDIRECT = False
AXES_ENABLED = os.environ.get("AXES_ENABLED_IN_TESTS", "true") == "true"
# whitenoise warns when STATIC_ROOT is missing; tests serve static files through the finders.
WHITENOISE_USE_FINDERS = True
os.makedirs(STATIC_ROOT, exist_ok=True)  # noqa: F405
# Tests run tasks in-process even when REDIS_URL is set (CI): each test sees its task's effect at
# once. Tests marked `worker` switch the Celery app to the real broker and worker (tests/conftest).
CELERY_TASK_ALWAYS_EAGER = True
# The stamp page's rate limit shares the cache between tests; its own tests set a limit.
STAMP_RATE_LIMIT = 0
# One in-process cache per test run, emptied before each test (tests/conftest.py): cached
# public pages never leak from one test into another, and Redis keeps only the broker's data.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
