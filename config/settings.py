"""Settings for the precision-supply application, read from the environment.

With no environment set, the app runs on an embedded SQLite file under ``var/`` and
runs Celery tasks eagerly in-process, so a newcomer needs no server. Production sets:

* ``DJANGO_DEBUG=0``, ``DJANGO_HTTPS=1``, ``DJANGO_SECRET_KEY``, ``DJANGO_ALLOWED_HOSTS``
* ``DATABASE_URL=postgres://...`` (PostgreSQL through psycopg 3)
* ``CELERY_BROKER_URL=redis://...`` (a real broker and worker)
* ``FIELD_ENCRYPTION_KEYS`` (comma-separated Fernet keys, newest first, for key rotation)

See ``docs/deployment.md``.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()


def _local_secret(name: str, make: callable) -> str:
    """A secret kept in ``var/`` for the embedded path, made once on first use.

    Production passes its secrets through the environment; this only spares a newcomer
    from inventing keys, without shipping a fixed key in the source.
    """
    path = VAR_DIR / name
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env.bool("DJANGO_DEBUG", default=False)
HTTPS = env.bool("DJANGO_HTTPS", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or _local_secret(
    "secret_key", lambda: secrets.token_urlsafe(64)
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Personal identifiers are encrypted with these Fernet keys (the first encrypts, all decrypt).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[]) or [
    _local_secret("field_encryption_key", lambda: Fernet.generate_key().decode())
]
# Keyed hash for exact lookup of identifiers (phone, national ID). Kept apart from the
# encryption keys so that rotating those does not break lookups.
FIELD_LOOKUP_HASH_KEY = env.str("FIELD_LOOKUP_HASH_KEY", default="") or _local_secret(
    "field_lookup_hash_key", lambda: secrets.token_hex(32)
)

INSTALLED_APPS = [
    "django.contrib.admin",
    # Before django.contrib.auth: its ``changepassword`` command is the one manage.py runs
    # (through the password action, which ends the login's tokens and keys; Django's does not).
    "residents",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "corsheaders",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # django-axes, with a name and texts in our languages (residents.login_attempts).
    "residents.login_attempts.LoginAttemptsConfig",
    "core",
    "notifications",
    "services",
    "analytics",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # CORS headers for Open311's public reads only (services/open311/cors.py); before any
    # middleware that may answer, so its answers carry them too.
    "services.open311.cors.Open311ReadCorsMiddleware",
    "core.api_guards.NullCharacterMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Unprefixed URLs are English; a visitor whose cookie or browser prefers Chinese is sent
    # to the /zh-hans/ address of the page.
    "core.middleware.PreferredLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: it turns a lockout into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "demo.context_processors.synthetic_data",
                "notifications.context_processors.unread_notifications",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # SQLite waits for a writer instead of failing at once when a worker and a request write
    # together; in WAL mode pages read while the demo's worker writes a run's progress.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL;"
# A read replica (streaming replication of the primary): the analysis runs' input reads go
# there when it is set (core/db_routing.py); everything else, and every write, to the primary.
# In tests it is the primary's mirror, as the real replica is a copy of it.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    DATABASES["replica"].setdefault("CONN_MAX_AGE", DATABASES["default"].get("CONN_MAX_AGE", 0))
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["core.db_routing.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "residents.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "residents.login_protection.DemoPasswordRefusal",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Failed logins lock one user name from one address after AXES_FAILURE_LIMIT, and one user
# name from everywhere after LOGIN_FAILURES_PER_USERNAME; nothing ever locks an address, so
# nobody can lock everyone behind a proxy out (residents/login_protection.py).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
LOGIN_FAILURES_PER_USERNAME = env.int("LOGIN_FAILURES_PER_USERNAME", default=20)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_HANDLER = "residents.login_protection.LoginAttemptHandler"
AXES_CLIENT_IP_CALLABLE = "residents.login_protection.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Addresses or networks of the reverse proxies in front of the app (comma-separated, e.g.
# 10.0.0.5,10.1.0.0/16). Only a connection from one of them may name the client in
# X-Forwarded-For; with none set the header is ignored.
TRUSTED_PROXIES = env.list("DJANGO_TRUSTED_PROXIES", default=[])

LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
# The language of pages for a visitor who has not chosen one, and of the management
# commands' output (a Chinese city's operators read zh-hans).
LANGUAGE_CODE = env.str("DJANGO_LANGUAGE_CODE", default="en")
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(
        f"DJANGO_LANGUAGE_CODE must be one of {', '.join(dict(LANGUAGES))}, got {LANGUAGE_CODE!r}"
    )
# Chinese pages group amounts by thousands like the engine's texts (config/formats/zh_Hans).
FORMAT_MODULE_PATH = ["config.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every start otherwise
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

# HTTPS hardening: on whenever the site is served over TLS (always in production).
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("DJANGO_BEHIND_PROXY", default=False) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# The language cookie like the others: only over HTTPS when the site is, never sent by
# another site's links or forms, never read by a script (the language menu is a form).
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
# Content-Security-Policy (django-csp): scripts and styles only from our own files, never
# inline (every template keeps them in static/; a test checks). The API documentation pages
# relax styles for their vendored viewers only (config/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an unauthenticated call is told 401 with a challenge, not 403.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "core.api_guards.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Precision supply of community public services API",
    "DESCRIPTION": (
        "Resident profiles, service requests, supply capacities and analysis runs. "
        "Personal identifiers are masked unless the caller may see them."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and ReDoc are served from the installed sidecar package, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two fields named preferred_channel: a resident's contact channel and the notification
    # channel of the preferences.
    "ENUM_NAME_OVERRIDES": {
        "NotificationChannelEnum": "notifications.models.Channel",
        "PreferredChannelEnum": "residents.models.Resident.Channel",
        # A capacity's source: every one a row holds, and the ones a client writes.
        "CapacitySourceEnum": "services.models.SupplyCapacity.Source",
        "CapacityWrittenSourceEnum": "services.serializers.capacity_written_source_choices",
    },
    # Every error status an operation can answer is in the schema (core/api_schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api_schema.document_error_responses",
        "core.api_schema.decimals_need_a_digit",
        "core.api_schema.empty_query_values_are_unset",
        "core.api_schema.bodies_as_each_media_type_carries_them",
        "core.api_schema.bodies_with_required_fields_are_required",
        "core.api_schema.links_follow_each_resource",
    ],
}

# Celery: no broker configured means the embedded path, where tasks run eagerly in-process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# No lost work: a task is acknowledged only after it finished, is redelivered if its worker
# dies, and a worker takes one task at a time so a crash strands nothing else.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker keeps the site's logging (LOGGING, with its redaction of identifiers) instead of
# replacing the root logger's handlers with its own, unfiltered ones.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# ``filesystem://``: a broker that needs no server (messages are files under var/broker),
# what ``make demo`` uses so runs execute in a background worker as in production.
if CELERY_BROKER_URL.startswith("filesystem://"):
    BROKER_DIR = Path(env.str("CELERY_BROKER_DIR", default=str(VAR_DIR / "broker")))
    for folder in ("processed", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR),
        "data_folder_out": str(BROKER_DIR),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.2,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# Two queues, so a province run never delays a worker's page: "interactive" (notifications,
# the sweepers, small scheduled tasks: the default) and "heavy" (analysis runs, their parts
# and merge steps). Production runs a worker pool per queue (docs/deployment.md, "Queues");
# `make demo`'s one worker serves both.
CELERY_TASK_DEFAULT_QUEUE = "interactive"
HEAVY_QUEUE = "heavy"
CELERY_TASK_ROUTES = {
    "analytics.analysis_run_execute": {"queue": HEAVY_QUEUE},
    "analytics.analysis_run_part_execute": {"queue": HEAVY_QUEUE},
    "analytics.analysis_run_merge": {"queue": HEAVY_QUEUE},
}
# A province run is one Celery chord (its parts, then the merge step), which counts its
# parts in a result backend: the broker's Redis by default, files beside the filesystem
# broker in `make demo`. Only the chord's parts store a result (CELERY_TASK_IGNORE_RESULT).
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="")
if not CELERY_RESULT_BACKEND and CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_RESULT_BACKEND = CELERY_BROKER_URL
elif not CELERY_RESULT_BACKEND and CELERY_BROKER_URL.startswith("filesystem://"):
    RESULTS_DIR = VAR_DIR / "results"
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    CELERY_RESULT_BACKEND = f"file://{RESULTS_DIR}"
CELERY_RESULT_EXPIRES = 86400
# Handing a task to the broker gives up after about a second when the broker is unreachable:
# the request that started the run answers 503 instead of hanging (analytics.actions).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)

# Runs that cannot hang (analytics.actions.analysis_runs_sweep, every RUN_SWEEP_SECONDS):
# a worker computing a run says it is alive every RUN_HEARTBEAT_SECONDS; a running run
# silent for RUN_STALE_AFTER_SECONDS lost its worker and is failed; a queued run not picked
# up for RUN_STALE_AFTER_SECONDS is queued again (its message may have been lost with a
# broker restart); one never started within RUN_QUEUED_TIMEOUT_SECONDS is failed.
RUN_SWEEP_SECONDS = env.float("RUN_SWEEP_SECONDS", default=120.0)
RUN_HEARTBEAT_SECONDS = env.float("RUN_HEARTBEAT_SECONDS", default=10.0)
RUN_STALE_AFTER_SECONDS = env.float("RUN_STALE_AFTER_SECONDS", default=60.0)
RUN_QUEUED_TIMEOUT_SECONDS = env.float("RUN_QUEUED_TIMEOUT_SECONDS", default=3600.0)
# A part of a province run whose worker died, or that failed with an internal error, is
# tried again alone by the sweeper, up to this many attempts in all; then its run fails.
RUN_PART_ATTEMPTS = env.int("RUN_PART_ATTEMPTS", default=3)

CELERY_BEAT_SCHEDULE = {
    "daily-idempotency-key-expiry": {
        "task": "services.idempotency_records_prune",
        "schedule": crontab(minute=10, hour=3),
    },
    # The coming months' partitions of requests and their history (PostgreSQL), made well
    # ahead; daily, so a missed day or a new deployment is caught up the next night.
    "daily-request-partitions": {
        "task": "services.request_partitions_ensure",
        "schedule": crontab(minute=20, hour=2),
    },
    # The overview's kept counts (services.request_counts): each closed month rolled up
    # once; nightly, so a month a back-dated import reopened is counted again the next night.
    "daily-request-month-counts": {
        "task": "services.request_months_count",
        "schedule": crontab(minute=30, hour=2),
    },
    "daily-retention-purge": {
        "task": "services.requests_free_text_purge",
        "schedule": crontab(minute=40, hour=3),
    },
    # Retrain portraits and re-forecast demand once a month: checked every hour, so a run that
    # failed (or could not be queued) is tried again (analytics.actions).
    "monthly-portraits-and-forecast": {
        "task": "analytics.monthly_refresh",
        "schedule": crontab(minute=30),
    },
    "analysis-runs-sweep": {
        "task": "analytics.runs_sweep",
        "schedule": RUN_SWEEP_SECONDS,
    },
    # Notifications (notifications.actions): deadline alerts, the administrators' digest, and
    # the sweeper that queues lost events again and settles deliveries whose sender died.
    "notification-sla-alerts": {
        "task": "notifications.sla_alerts",
        "schedule": crontab(minute="*/15"),
    },
    "notification-daily-digest": {
        "task": "notifications.daily_digest",
        "schedule": crontab(minute=0, hour=7),
    },
    "notification-sweep": {
        "task": "notifications.sweep",
        "schedule": 60.0,
    },
}

# Notifications. Email goes through Django's mail backends: EMAIL_URL (django-environ's
# form, e.g. smtp+tls://user:password@smtp.example.org:587) or the console (the default, what
# `make demo` uses); tests use locmem. Text messages go through SMS_BACKEND: the recording
# backend (sends nothing) by default, or notifications.sms.HttpJsonSmsBackend with the
# provider's address, key and timeouts (docs/notifications.md).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@localhost")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SMS_BACKEND = env.str("SMS_BACKEND", default="notifications.sms.RecordingSmsBackend")
SMS_HTTP_URL = env.str("SMS_HTTP_URL", default="")
SMS_HTTP_API_KEY = env.str("SMS_HTTP_API_KEY", default="")
SMS_HTTP_CONNECT_TIMEOUT = env.float("SMS_HTTP_CONNECT_TIMEOUT", default=5.0)
SMS_HTTP_READ_TIMEOUT = env.float("SMS_HTTP_READ_TIMEOUT", default=10.0)
# Alert workers this many hours before a request's deadline, and about deadlines passed
# within the lookback (older breaches are in the digest, not alerted one by one).
NOTIFICATIONS_SLA_WARNING_HOURS = env.float("NOTIFICATIONS_SLA_WARNING_HOURS", default=24.0)
NOTIFICATIONS_SLA_LOOKBACK_HOURS = env.float("NOTIFICATIONS_SLA_LOOKBACK_HOURS", default=24.0)
# An event unprocessed, or a delivery still "sending", this long after: its worker is gone.
NOTIFICATIONS_STALE_SECONDS = env.float("NOTIFICATIONS_STALE_SECONDS", default=300.0)

# Counters every server process must share (the identifier-lookup allowance): Redis in
# production (CACHE_URL=redis://host:6379/1); this process's memory on the embedded path.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# Lookups of residents by national ID or phone per user and clock hour (residents.actions).
IDENTIFIER_LOOKUPS_PER_HOUR = env.int("IDENTIFIER_LOOKUPS_PER_HOUR", default=120)
# Residents entering an ID number on their own profile, and anonymous sign-ups with one per
# client address: each such entry is checked against the registered numbers, so it is
# metered too (residents.actions).
SELF_SERVICE_IDENTIFIER_CHECKS_PER_HOUR = env.int(
    "SELF_SERVICE_IDENTIFIER_CHECKS_PER_HOUR", default=10
)
# What-ifs one user may have queued or running at once: each refits the forecaster, and the
# workers are shared with the scheduled runs.
WHAT_IF_RUNS_IN_FLIGHT = env.int("WHAT_IF_RUNS_IN_FLIGHT", default=2)

# How long a request's Idempotency-Key is remembered: a retry within it replays the first
# answer; after it, the key is forgotten (docs/api.md). Days, not hours, because a worker's
# phone may queue submissions offline for that long.
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=7 * 24)

# Retention (docs/security.md): the free text, answers typed in, addresses and photos of
# requests closed or rejected more than this many months ago are erased every night (the
# statistics stay), and each purge is counted in the personal-data audit log.
REQUEST_FREE_TEXT_RETENTION_MONTHS = env.int("REQUEST_FREE_TEXT_RETENTION_MONTHS", default=24)

# Open311 GeoReport v2 (docs/open311.md).
OPEN311_JURISDICTION_ID = env.str("OPEN311_JURISDICTION_ID", default="precision-supply.local")
# Request descriptions are free text a resident typed: public only where a city decides so.
OPEN311_PUBLIC_DESCRIPTION = env.bool("OPEN311_PUBLIC_DESCRIPTION", default=False)
# k of the public feed: a request is placed at its community only if at least this many
# residents are registered there; otherwise at its district or city, timed to the day
# (docs/open311.md).
OPEN311_MIN_RESIDENTS = env.int("OPEN311_MIN_RESIDENTS", default=10)
# How long those places are cached: deciding them counts every community's residents.
OPEN311_PLACES_CACHE_SECONDS = env.int("OPEN311_PLACES_CACHE_SECONDS", default=300)
# Browser apps on other sites may read Open311's public GETs (never its POST, never any other
# path): origins such as https://map.example.org, comma-separated, or * for any. None by
# default: a server only reachable inside a network would otherwise let any web page its
# users open read its feed (docs/open311.md, "Browser clients"; docs/deployment.md).
OPEN311_CORS_ALLOWED_ORIGINS = env.list("OPEN311_CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/open311/v2/"
CORS_ALLOW_ALL_ORIGINS = OPEN311_CORS_ALLOWED_ORIGINS == ["*"]
CORS_ALLOWED_ORIGINS = [] if CORS_ALLOW_ALL_ORIGINS else OPEN311_CORS_ALLOWED_ORIGINS
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOW_HEADERS = ("accept", "accept-language")
CORS_ALLOW_CREDENTIALS = False
CORS_EXPOSE_HEADERS = ("Link",)  # the next page of GET requests
CORS_PREFLIGHT_MAX_AGE = 86400

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_pii": {"()": "core.logging.RedactPersonalDataFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_pii"]},
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

# The request map (docs/map.md). No tile source by default: the map then draws the
# communities and requests on a plain background and asks no other host for anything. A tile
# source is a URL template ({z}/{x}/{y}, optionally {s}); its origin is added to the map
# page's img-src. Tile services licensed in mainland China draw in GCJ-02: say so, and the
# points (stored in WGS-84) are shifted before they are drawn (geography/gcj02.py).
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="")
MAP_TILE_COORDINATES = env.str("MAP_TILE_COORDINATES", default="wgs84")  # or "gcj02"
MAP_MAX_POINTS = env.int("MAP_MAX_POINTS", default=5000)
# How far a request's own point may be from its community's centre (docs/map.md).
REQUEST_LOCATION_MAX_KM = env.float("REQUEST_LOCATION_MAX_KM", default=25.0)
# Above this many communities in a user's scope, pages stop listing every community in a
# picker and ask for an area first (residents.community_picker; docs/deployment.md).
COMMUNITY_PICKER_MAX_OPTIONS = env.int("COMMUNITY_PICKER_MAX_OPTIONS", default=500)
