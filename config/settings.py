"""Settings for Lianban, read strictly from the environment (see README "Configuration").

Defaults give the embedded set-up of `make demo`: SQLite under var/, Celery eager, the console
e-mail backend. Production sets DEBUG=false and the variables the README lists; a bad value stops
start-up with a message that names the variable.
"""

import secrets
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import (
    check_url,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_networks,
    env_str,
    parse_database_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("LIANBAN_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
# The embedded demo as a pilot sees it (`make demo`, README "Two commands"): DEBUG off, so the
# project's own error pages and WhiteNoise's collected static files, yet on one machine over plain
# HTTP at 127.0.0.1, with its keys generated under var/ and the local demo CA signing documents.
# Never for production: `check --deploy` refuses the demo CA (documents.E002), insecure cookies and
# the missing HTTPS redirect.
DEMO = env_bool("LIANBAN_DEMO", False)
# Keys generated and kept under var/ instead of required from the environment (development and demo).
LOCAL_KEYS = DEBUG or DEMO
# Required variables that are missing: a process that serves (gunicorn, Celery, runserver) refuses to
# start and `check --deploy` fails while this is not empty; a malformed value stops everything at once.
MISSING_FOR_SERVING: list[str] = []


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        if not LOCAL_KEYS and len(key) < 50:
            raise ImproperlyConfigured("Environment variable SECRET_KEY must be at least 50 characters")
        return key
    if not LOCAL_KEYS:
        # Offline management commands (makemigrations, compilemessages) may run without it; every
        # serving process refuses to start (config.env.refuse_to_serve_if_incomplete).
        MISSING_FOR_SERVING.append("Environment variable SECRET_KEY is required when DEBUG is false")
        return secrets.token_urlsafe(64)
    # The embedded set-up keeps a generated key under var/ so sessions survive a restart and no
    # secret is ever committed.
    key_file = VAR_DIR / "secret-key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
_LOCAL_HOSTS = ["127.0.0.1", "localhost"]
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [*_LOCAL_HOSTS, "testserver"] if DEBUG else _LOCAL_HOSTS if DEMO else []
)
if not DEBUG and not ALLOWED_HOSTS:
    MISSING_FOR_SERVING.append("Environment variable ALLOWED_HOSTS is required when DEBUG is false")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
for origin in CSRF_TRUSTED_ORIGINS:
    check_url("CSRF_TRUSTED_ORIGINS", origin, {"http", "https"})

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "core",
    "organisation",
    "documents",
    "cases",
    "cases.assistance",
    "jurisdiction",
    "bulletins",
    "meetings",
]

MIDDLEWARE = [
    "core.middleware.RequestIdMiddleware",
    "core.middleware.NoStoreMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.LocaleMiddleware",
    # After the language is chosen (the 413 speaks it), before CSRF reads the form.
    "core.middleware.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A domain error no page handled answers 409/400 with its message, not 500.
    "core.pages.DomainErrorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
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
                "csp.context_processors.nonce",
            ],
        },
    },
]

# Database: SQLite under var/ by default, PostgreSQL in production.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'lianban.sqlite3'}")
DATABASES = {"default": parse_database_url("DATABASE_URL", DATABASE_URL, BASE_DIR)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The test database is a file so that a real Celery worker process can see what a test wrote.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "organisation.User"
AUTHENTICATION_BACKENDS = ["organisation.security.LockoutModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "organisation:login"
LOGIN_REDIRECT_URL = "organisation:home"
LOGOUT_REDIRECT_URL = "organisation:login"

# Lockout after repeated failed logins; counters live in the database, not in Redis.
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
API_TOKEN_TTL_HOURS = env_int("API_TOKEN_TTL_HOURS", 12, minimum=1, maximum=24 * 30)

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Internationalisation: Chinese by default, English on request.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# E-mail: console by default; smtp or file when configured.
EMAIL_BACKEND = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}[env_choice("EMAIL_BACKEND", "console", {"console", "smtp", "file", "locmem"})]
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "lianban@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: with no broker configured, tasks run eagerly in-process (the embedded default).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
if CELERY_BROKER_URL:
    check_url("CELERY_BROKER_URL", CELERY_BROKER_URL, {"redis", "rediss", "amqp"})
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Late acknowledgement: a worker killed mid-task leaves the message to be redelivered, and every
# consumer is idempotent by key, so redelivery never doubles an effect.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The request path never waits on a dead broker: the outbox keeps the work until the sweep.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 0,
}
CELERY_TIMEZONE = TIME_ZONE
OUTBOX_SWEEP_SECONDS = env_int("OUTBOX_SWEEP_SECONDS", 60, minimum=5)
OUTBOX_REDISPATCH_AFTER_SECONDS = env_int("OUTBOX_REDISPATCH_AFTER_SECONDS", 300, minimum=10)
# Legal deadlines are database rows scanned by a periodic job (never a Celery ETA).
DEADLINE_SCAN_SECONDS = env_int("DEADLINE_SCAN_SECONDS", 300, minimum=30)
# Absolute links in e-mails, e.g. https://lianban.police.internal; pages use relative links.
SITE_URL = env_str("SITE_URL", "")
if SITE_URL:
    check_url("SITE_URL", SITE_URL, {"http", "https"})

# The benchmark's floor views (bench/floors.py: raw SQL, no authentication) for `make bench` only;
# `check --deploy` fails while this is on.
BENCH_FLOORS = env_bool("LIANBAN_BENCH_FLOORS", False)

# Cross-province searches a user may make in a minute (issue 7); more get 429 with Retry-After.
SEARCH_RATE_PER_MINUTE = env_int("SEARCH_RATE_PER_MINUTE", 30, minimum=1)

# Joint meetings (issue 6): reminder offsets in days before the start, the scan interval, how early
# a session may open, and the domain that makes calendar UIDs globally unique (RFC 5545 §3.8.4.7).
MEETING_REMINDER_DAYS = tuple(
    sorted({int(days) for days in env_list("MEETING_REMINDER_DAYS", ["7", "1"])}, reverse=True)
)
MEETING_REMINDER_SCAN_SECONDS = env_int("MEETING_REMINDER_SCAN_SECONDS", 300, minimum=30)
MEETING_OPEN_LEEWAY_MINUTES = env_int("MEETING_OPEN_LEEWAY_MINUTES", 60, minimum=0)
# Live briefing figures younger than this are served as stored; older ones are served while the
# worker computes them again (the aggregation takes seconds at a million cases).
MEETING_BRIEFING_FRESH_SECONDS = env_int("MEETING_BRIEFING_FRESH_SECONDS", 600, minimum=0)
MEETING_ICAL_DOMAIN = env_str(
    "MEETING_ICAL_DOMAIN", urlsplit(SITE_URL).hostname if SITE_URL else "lianban.invalid"
)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "config.drf.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "config.drf.schema.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON with a nesting limit (a 400, not a RecursionError), then forms and uploads as DRF has them.
    "DEFAULT_PARSER_CLASSES": [
        "config.drf.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.CursorPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lianban 联办 API",
    "DESCRIPTION": (
        "Cross-region case jurisdiction and joint investigation for the Pan-Southwest police cooperation."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # Ids in paths are bigint ids: beyond the bounds, the lookup finds nothing (a 404).
        "config.drf.schema.bound_path_ids",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "organisation.models.Role",
        "CaseStateEnum": "cases.models.CaseState",
        "HandlingCodeEnum": "cases.models.HandlingCode",
        "BulletinKindEnum": "bulletins.models.BulletinKind",
        "BulletinUrgencyEnum": "bulletins.models.BulletinUrgency",
        "RequestUrgencyEnum": "cases.assistance.models.URGENCY_CHOICES",
        "LiaisonRoleEnum": "organisation.models.LiaisonRole",
        "ProposalStateEnum": "organisation.models.ProposalState",
        "PropertyMeasureStateEnum": "cases.assistance.models.PropertyMeasureState",
        "ScopeEnum": "cases.models.AccessScope",
    },
}

# Security baseline. Production (DEBUG=false) gets secure cookies, HSTS and HTTPS redirects;
# a reverse proxy that terminates TLS sets X-Forwarded-Proto. The demo serves plain HTTP on the
# loopback address, where a secure cookie or an HTTPS redirect would lock everyone out.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
_HTTPS = not (DEBUG or DEMO)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _HTTPS)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", _HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if _HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Reverse proxies whose X-Real-IP, X-Forwarded-For and X-Request-ID are believed (addresses or
# CIDR networks); from any other peer those headers are ignored, so a client cannot choose the
# address and request id that audit events record.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES", [])
# Audit checkpoints (core.audit_checkpoints): the chain head is MACed with a key the database never
# sees and appended to files outside it, so truncating or rewriting the chain is detected.
AUDIT_CHECKPOINT_DIR = Path(env_str("AUDIT_CHECKPOINT_DIR", str(VAR_DIR / "audit-checkpoints")))
AUDIT_CHECKPOINT_SECONDS = env_int("AUDIT_CHECKPOINT_SECONDS", 600, minimum=30)


def _audit_checkpoint_key() -> str:
    key = env_str("AUDIT_CHECKPOINT_KEY")
    if key:
        # The value is never echoed: it is a secret.
        if len(key) < 32:
            raise ImproperlyConfigured(
                "Environment variable AUDIT_CHECKPOINT_KEY must be at least 32 characters"
            )
        if key == SECRET_KEY:
            raise ImproperlyConfigured(
                "Environment variable AUDIT_CHECKPOINT_KEY must differ from SECRET_KEY "
                "(the checkpoint key is kept away from everything the web process signs with)"
            )
        return key
    if LOCAL_KEYS:
        # The demo keeps a generated key under var/, apart from the database; production sets the
        # variable (`check --deploy` fails without it, core.E003).
        key_file = VAR_DIR / "audit-checkpoint-key"
        if not key_file.exists():
            VAR_DIR.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        return key_file.read_text().strip()
    return ""


AUDIT_CHECKPOINT_KEY = _audit_checkpoint_key()
# Digital signatures of issued documents (documents.pki, documents.signing; issue 19 item 5). "pki":
# each issuing unit signs with the key and certificate imported from the police PKI
# (`manage.py import_signing_credentials`), checked against the trust roots in the PEM file
# DOCUMENT_SIGNING_TRUST_ROOTS; a unit without one gets no document rendered until it has one, and
# `check --deploy` fails without trust roots. "demo": a local demo CA under DOCUMENT_SIGNING_DIR
# certifies each unit the first time it signs (refused by `check --deploy`). "off": documents are
# issued unsigned, and every check says so. Private keys are files under DOCUMENT_SIGNING_DIR
# (0600, never in the database), which every web and Celery process must read.
DOCUMENT_SIGNING = env_choice("DOCUMENT_SIGNING", "demo" if DEBUG or DEMO else "pki", {"pki", "demo", "off"})
DOCUMENT_SIGNING_DIR = Path(env_str("DOCUMENT_SIGNING_DIR", str(VAR_DIR / "signing")))
DOCUMENT_SIGNING_TRUST_ROOTS = env_str("DOCUMENT_SIGNING_TRUST_ROOTS", "")
# Django answers an oversized body with 400; core.middleware turns that into 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024, minimum=1024)
# The largest uploaded file (a scanned warrant or decision); checked by content in core.uploads.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)

LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"})
# The application log: to the console, and to LOG_FILE when set. Several gunicorn and Celery
# processes append to the one file; logrotate renames it (`manage.py logrotate_config` writes the
# stanza, keeping LOG_RETENTION_DAYS days, at least six months as 等级保护 asks of logs) and
# WatchedFileHandler reopens the new file in every process, so nothing rotates twice or is lost.
LOG_FILE = env_str("LOG_FILE", "")
LOG_RETENTION_DAYS = env_int("LOG_RETENTION_DAYS", 190, minimum=183)
_log_handlers = {"console": {"class": "logging.StreamHandler", "formatter": "plain"}}
if LOG_FILE:
    _log_handlers["file"] = {
        "class": "logging.handlers.WatchedFileHandler",
        "filename": LOG_FILE,
        "formatter": "plain",
        "encoding": "utf-8",
        "delay": True,
    }
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(process)d %(levelname)s %(name)s %(message)s"}},
    "handlers": _log_handlers,
    "root": {"handlers": list(_log_handlers), "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint narrates every render at INFO and fontTools every subset; keep their warnings only.
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools.subset": {"level": "WARNING"},
        # In-process (eager) tasks would log a success line per side effect into the web server's log.
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"},
    },
}

ADMIN_SITE_HEADER = _("Lianban administration")
