"""Settings for the benchmarks: the project's settings plus a trivial reference view.

- ROOT_URLCONF = bench.urls: every real URL, plus /bench/trivial/ (a tiny template rendered through
  the same middleware and context processors), the reference every page is compared with.
- Static files: plain StaticFilesStorage, so that no `collectstatic` manifest is needed (the
  manifest lookup of production is one dict lookup per {% static %}; negligible here).
"""

import os

from smartvillage.settings import *  # noqa: F403
from smartvillage.settings import BASE_DIR, CACHES, STORAGES, TEMPLATES

ROOT_URLCONF = "bench.urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The HTTP case models many buyers scanning from different networks: the load generator sends
# X-Forwarded-For (one address per request), read as nginx would pass it in production. The
# stamp page's per-client rate limit (core.ratelimit) stays on and is paid on every request.
TRUSTED_PROXY_COUNT = 1

# The warm job of a data-version bump (dashboards.warm) is run by bench/warm_pages.py itself:
# no task is sent to a broker nobody consumes during a run.
DATAVERSION_WARM = False

# The runner's own cache keys (bench/run.py --key-prefix): it deletes only these, never a
# whole Redis database.
CACHES["default"]["KEY_PREFIX"] = os.environ.get("BENCH_KEY_PREFIX", "bench")
