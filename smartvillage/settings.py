"""Settings for smartvillage, read from the environment (django-environ).

Defaults give the embedded demo: SQLite file, Celery tasks run eagerly, local-memory cache.
Every production switch is an environment variable listed in .env.example.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")


def _fail(sentence: str):
    """Stop start-up with one clear sentence instead of a traceback."""
    raise ImproperlyConfigured(sentence)


_debug_raw = env.str("DEBUG", default="false").strip().lower()
if _debug_raw not in {"true", "false", "1", "0", "yes", "no", "on", "off", ""}:
    _fail("DEBUG must be true or false.")
DEBUG = _debug_raw in {"true", "1", "yes", "on"}

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "django-insecure-dev-only-key-do-not-use-in-production"
    else:
        _fail("SECRET_KEY must be set when DEBUG is off (set DEBUG=true for local development).")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "import_export",
    "simple_history",
    "django_htmx",
    "axes",
    "csp",
    "core",
    "villages",
    "households",
    "digital_teams",
    "payments",
    "ocop",
    "criteria",
    "dashboards",
    "provinces",
    "plates",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.offline.OfflineIdempotencyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # After a one-time code from an official: only the password change page (core.accounts).
    "core.accounts.OneTimePasswordMiddleware",
    # Failed logins per client address, slowed after LOGIN_ADDRESS_RATE_LIMIT (finding 3).
    "core.login_throttle.LoginAddressThrottleMiddleware",
    # Last, so that it sees authentication results (django-axes documentation).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "smartvillage.urls"
WSGI_APPLICATION = "smartvillage.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "villages.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
try:
    DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
except (ValueError, KeyError, ImproperlyConfigured):
    _fail(
        "DATABASE_URL is malformed: expected e.g. postgres://user:password@host:5432/name "
        "or sqlite:////absolute/path.sqlite3."
    )
if DATABASES["default"].get("ENGINE") not in (
    "django.db.backends.postgresql",
    "django.db.backends.sqlite3",
):
    _fail("DATABASE_URL must start with postgres:// or sqlite:// (PostgreSQL or SQLite).")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A field team and a worker writing at once must wait, not fail with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
# Read replica for read-only pages (smartvillage/db_router.py, docs/scaling.md); off unless set.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"].get("CONN_MAX_AGE", 0)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["smartvillage.db_router.ReadReplicaRouter"]
    MIDDLEWARE.insert(0, "smartvillage.db_router.ReadOnlyPagesMiddleware")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, Celery and cache ----------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    _fail("REDIS_URL is malformed: expected e.g. redis://127.0.0.1:6379/0.")

CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
# A task is acknowledged only when it finished, so a killed worker's task is delivered again.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A stopped Redis must not hang a web request that enqueues (core/jobs.py): one connection
# attempt of at most 1 s, no retry, no result-backend round trip; the job is recorded as waiting.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Backstop only: an unacknowledged task (its worker was killed) is delivered again after
    # this many seconds. Dead workers are noticed sooner by the jobs' heartbeats (below).
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "socket_connect_timeout": 1,
    "socket_timeout": 1,  # a frozen Redis (SIGSTOP, network loss) also costs at most ~1 s
    "max_retries": 0,
}
# Results are never read by the portal (jobs write their state to their own rows); only the
# smoke test's ping keeps its result. The result store gets the same short timeouts.
CELERY_TASK_IGNORE_RESULT = True
# One queue per job kind (docs/scaling.md): label rendering (minutes of CPU per batch) and
# roll-ups (database-heavy) never hold up imports, page warming, scan flushes and the requeue
# beat, which stay on the default queue "celery". A worker started without -Q (make worker,
# .ci/run, scripts/smoke.sh) consumes every queue of CELERY_TASK_QUEUES; in production each
# kind gets its own pool (`celery worker -Q render`, docs/scaling.md).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [Queue("celery"), Queue("render"), Queue("rollup")]
CELERY_TASK_ROUTES = {
    "ocop.tasks.render_stamp_batch": {"queue": "render"},
    "plates.tasks.*": {"queue": "render"},
    "criteria.tasks.*": {"queue": "rollup"},
    "provinces.tasks.province_rollup_task": {"queue": "rollup"},
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1
CELERY_REDIS_SOCKET_TIMEOUT = 2
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": {"max_retries": 1, "timeout": 1.0}}
# Heartbeats of running jobs (stamp batches, imports, roll-ups): renewed every quarter of
# JOBS_HEARTBEAT_STALE; a job whose heartbeat is older is taken over and sent again by the
# requeue beat, which runs every JOBS_REQUEUE_EVERY seconds. A job still waiting
# JOBS_LOST_AFTER seconds after it was sent is sent again (its message was lost).
JOBS_HEARTBEAT_STALE = env.int("JOBS_HEARTBEAT_STALE", default=60)
JOBS_REQUEUE_EVERY = env.int("JOBS_REQUEUE_EVERY", default=15)
JOBS_LOST_AFTER = env.int("JOBS_LOST_AFTER", default=300)
# The nightly roll-up sends its communes to the workers by batches of this many (criteria.batch:
# a batch's indicators are computed together; each commune is still its own run and transaction).
ROLLUP_BATCH_SIZE = env.int("ROLLUP_BATCH_SIZE", default=50)
STAMP_SCAN_FLUSH_EVERY = env.int("STAMP_SCAN_FLUSH_EVERY", default=5)
STAMP_SCAN_BUFFER_MAX = env.int("STAMP_SCAN_BUFFER_MAX", default=50_000)
# Each web process's own layer (ocop/stamp_cache.py): a write in another process shows on the
# stamp page within STAMP_LOCAL_RECHECK s; a killed process loses at most STAMP_LOCAL_BATCH scans.
STAMP_LOCAL_RECHECK = env.float("STAMP_LOCAL_RECHECK", default=1.0)
STAMP_LOCAL_BATCH = env.int("STAMP_LOCAL_BATCH", default=200)
STAMP_LOCAL_PAGES = env.int("STAMP_LOCAL_PAGES", default=5000)
# Anonymous public pages (core.local_cache): bodies kept per process, their data-version token
# re-read at most every PUBLIC_LOCAL_RECHECK s (another process's write shows within it; 0: off).
PUBLIC_LOCAL_RECHECK = env.float("PUBLIC_LOCAL_RECHECK", default=1.0)
PUBLIC_LOCAL_PAGES = env.int("PUBLIC_LOCAL_PAGES", default=2000)
CELERY_BEAT_SCHEDULE = {
    # Nightly roll-up of every commune's criteria (criteria/tasks.py), 01:30 local time.
    "criteria-nightly-rollup": {
        "task": "criteria.tasks.rollup_all_communes",
        "schedule": crontab(hour=1, minute=30),
    },
    # Jobs that could not be sent while Redis was down (core.jobs.PendingTask), lost ones and
    # those whose worker died (stale heartbeat) are sent again.
    "core-requeue-pending": {
        "task": "core.tasks.requeue_pending",
        "schedule": float(JOBS_REQUEUE_EVERY),
        "options": {"expires": JOBS_REQUEUE_EVERY},
    },
    # Stamp scans buffered in Redis go into the scan table (ocop/stamp_cache.py: what a Redis
    # loss can cost is at most STAMP_SCAN_BUFFER_MAX scans, in time this interval's scans).
    "ocop-flush-stamp-scans": {
        "task": "ocop.tasks.flush_stamp_scans",
        "schedule": float(STAMP_SCAN_FLUSH_EVERY),
        "options": {"expires": STAMP_SCAN_FLUSH_EVERY},
    },
    # Import files of abandoned previews (IMPORT_PREVIEW_MAX_AGE_HOURS) are deleted.
    "households-purge-import-files": {
        "task": "households.tasks.purge_import_files",
        "schedule": 3600.0,
    },
}

if REDIS_URL:
    CACHES = {
        "default": {
            # Redis cache whose errors are misses: a stopped Redis must not break pages.
            "BACKEND": "core.cache.SafeRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "sv",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth -----------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:after_login"
LOGOUT_REDIRECT_URL = "villages:home"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
# Lock a user-and-address pair, never a user everywhere or an address for everyone (finding 3,
# docs/security.md); an address failing often is slowed by core.login_throttle instead.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
LOGIN_ADDRESS_RATE_LIMIT = env.int("LOGIN_ADDRESS_RATE_LIMIT", default=30)
LOGIN_ADDRESS_RATE_WINDOW = env.int("LOGIN_ADDRESS_RATE_WINDOW", default=900)
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.ratelimit.client_ip"
# Behind the nginx of deploy/ set 1: the client address is then read from X-Forwarded-For.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Public stamp page: requests per client address per window (anti-enumeration; 0 = no limit).
STAMP_RATE_LIMIT = env.int("STAMP_RATE_LIMIT", default=60)
STAMP_RATE_WINDOW = env.int("STAMP_RATE_WINDOW", default=60)
# Residents who moved away or died: personal fields anonymised after this many years.
PERSONAL_DATA_RETENTION_YEARS = env.int("PERSONAL_DATA_RETENTION_YEARS", default=5)

# --- Email (docs/security.md: password recovery) --------------------------------------------
# With EMAIL_HOST set, Django's "forgot password" (/accounts/password_reset/) mails a reset link
# to users who have an email address; without it mail goes to the console (development) or
# nowhere, and an official resets a team member's password in the portal instead.
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="no-reply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.dummy.EmailBackend",
)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60 * 24)
# A password an official sets for a team member (a one-time code) must be changed at the first
# login, and stops working after this many hours if unused.
ONE_TIME_CODE_HOURS = env.int("ONE_TIME_CODE_HOURS", default=72)
# ID numbers registered outside the user's area that one user may hit per window (finding 4).
ID_LOOKUP_RATE_LIMIT = env.int("ID_LOOKUP_RATE_LIMIT", default=20)
ID_LOOKUP_RATE_WINDOW = env.int("ID_LOOKUP_RATE_WINDOW", default=24 * 3600)

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365  # the switch (core.views.switch_language) is remembered
TIME_ZONE = "Asia/Ho_Chi_Minh"
# Day-first dates (05/11/2026 = 5 November) and 72.000.000 grouping in both languages.
FORMAT_MODULE_PATH = ["smartvillage.formats"]
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
# collectstatic writes here; tests and the CI smoke test point it at a temporary folder.
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Private files (household imports, evidence, label sheets): outside MEDIA_ROOT, never by URL;
# only permission-checked views hand them out (core/files.py). See docs/security.md.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private_media")))
_media, _private = MEDIA_ROOT.resolve(), PRIVATE_MEDIA_ROOT.resolve()
if _media == _private or _media in _private.parents or _private in _media.parents:
    _fail("PRIVATE_MEDIA_ROOT must be a folder outside MEDIA_ROOT (and MEDIA_ROOT outside it).")
# nginx in front (deploy/nginx.conf.example): private downloads go through its internal
# location with X-Accel-Redirect, e.g. "/_private/". Empty = Django streams the file.
PRIVATE_MEDIA_ACCEL_PREFIX = env.str("PRIVATE_MEDIA_ACCEL_PREFIX", default="")
# An import preview nobody confirmed: its file (ID numbers in clear) is deleted after this.
IMPORT_PREVIEW_MAX_AGE_HOURS = env.int("IMPORT_PREVIEW_MAX_AGE_HOURS", default=24)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "core.files.PrivateFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Excel imports (households, payments): caps checked while the sheet streams (core/spreadsheets.py,
# docs/security.md finding 2). Files over IMPORT_INLINE_MAX_SIZE are checked and applied by the
# worker, never in the web request; a user has at most IMPORT_MAX_CONCURRENT_PER_USER imports
# waiting or running at once.
IMPORT_MAX_FILE_SIZE = env.int("IMPORT_MAX_FILE_SIZE", default=10 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=20_000)
IMPORT_MAX_UNPACKED_SIZE = env.int("IMPORT_MAX_UNPACKED_SIZE", default=50 * 1024 * 1024)
IMPORT_INLINE_MAX_SIZE = env.int("IMPORT_INLINE_MAX_SIZE", default=256 * 1024)
IMPORT_MAX_CONCURRENT_PER_USER = env.int("IMPORT_MAX_CONCURRENT_PER_USER", default=2)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Encrypting ID numbers at rest: see docs/decisions.md. Empty = derived from SECRET_KEY.
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default="")

# Map tiles for the officials' map; empty = plain background (offline villages).
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")

# --- Security -------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
USE_HTTPS = env.bool("USE_HTTPS", default=not DEBUG and SITE_URL.startswith("https://"))
if USE_HTTPS:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# The officials' map loads tiles from MAP_TILE_URL's origin: allow it (and only it) for images.
_tiles = urlsplit(MAP_TILE_URL.replace("{s}.", "")) if MAP_TILE_URL else None
MAP_TILE_ORIGINS = (
    [f"{_tiles.scheme}://{'*.' if '{s}' in MAP_TILE_URL else ''}{_tiles.netloc}"]
    if _tiles and _tiles.netloc
    else []
)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": [
            "'self'",
            "data:",
            "blob:",
            *MAP_TILE_ORIGINS,
            *env.list("CSP_IMG_EXTRA", default=[]),
        ],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        # No string ever becomes HTML or a script address (docs/security.md, finding 1): DOM
        # sinks take trusted types only. Policies: "default" + its parser "sv-inert"
        # (static/js/trusted-types.js: the HTML Leaflet and Django admin's jQuery write, active
        # content refused) and "sv-worker" (the field portal's service worker address).
        "require-trusted-types-for": ["'script'"],
        "trusted-types": ["default", "sv-inert", "sv-worker"],
    }
}

# --- Logging: personal data never goes to logs (see core.logging) ---------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "core.logging.RedactPersonalDataFilter"}},
    "formatters": {
        "redacting": {
            "()": "core.logging.RedactingFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": sys.stderr,
            "filters": ["redact"],
            "formatter": "redacting",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # runserver's request log ("GET /field/?q=<ID number>"): Django gives it a handler of
        # its own, without our masking; route it through the redacting console handler.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
# Where an official lands after login (the dashboard issue points it at its dashboard).
OFFICIAL_HOME_URL = "/dashboard/"

# Read API /api/v1/ (api/, issue 17): system accounts authenticate with a DRF token (created and
# revoked in the admin by a superuser); officials may also use their session. Read-only, paged.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's token, refusing revoked system accounts and noting their last use (api).
        "api.authentication.SystemTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Smart village read API",
    "DESCRIPTION": "Figures of communes, villages, criteria roll-ups, cashless payments and "
    "OCOP products. No personal data.",
    "VERSION": "1",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
