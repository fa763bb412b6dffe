"""SQMS settings. Everything configurable comes from the environment (see ``.env.example``).

Development defaults need nothing: SQLite (WAL) under ``var/``, an embedded SqliteHuey queue, DEBUG on.
``SQMS_PRODUCTION=1`` switches to production behaviour (DEBUG off, secure cookies, HSTS, required secret).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
DATA_DIR = Path(env("SQMS_DATA_DIR", str(PROJECT_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

# Tests run tasks inline and use a fast password hasher; detected rather than configured so that a
# plain `pytest` works from a clean checkout.
TESTING = "pytest" in sys.modules or env_bool("SQMS_TESTING")
PRODUCTION = env_bool("SQMS_PRODUCTION")
DEMO_MODE = env_bool("SQMS_DEMO", default=not PRODUCTION)

DEBUG = env_bool("SQMS_DEBUG", default=not PRODUCTION and not TESTING)
_DEV_SECRET = "sqms-development-only-secret-key-do-not-use-in-production-4c1f0e"
SECRET_KEY = env("SQMS_SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
if PRODUCTION and not SECRET_KEY:
    raise RuntimeError("SQMS_SECRET_KEY must be set when SQMS_PRODUCTION=1 (see .env.example).")

ALLOWED_HOSTS = env_list("SQMS_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("SQMS_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "unfold",
    "unfold.contrib.filters",
    "unfold.contrib.forms",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "huey.contrib.djhuey",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "sqms.core",
    "sqms.core.ops",
    "sqms.org",
    "sqms.documents",
    "sqms.surveys",
    "sqms.feedback",
    "sqms.kpi",
    "sqms.evaluation",
    "sqms.improvement",
    "sqms.text",
    "sqms.audits",
    "sqms.people",
    "sqms.reports",
    "sqms.privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "sqms.core.security.headers.SqmsCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "sqms.core.middleware.RequestIdMiddleware",
    "sqms.core.ops.middleware.OpsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "sqms.core.security.twofactor.RequireTwoFactorMiddleware",
    "sqms.core.middleware.CurrentUserLanguageMiddleware",
    "sqms.core.db.busy.DatabaseBusyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "sqms.urls"
WSGI_APPLICATION = "sqms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],  # overrides of unfold templates (unfold is installed first)
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "sqms.core.context_processors.sqms",
            ],
        },
    },
]

# Database: SQLite in WAL mode by default, PostgreSQL (or anything dj-database-url knows) from DATABASE_URL.
_sqlite_path = DATA_DIR / "sqms.sqlite3"
# Connections are kept open between requests (SQMS_DB_CONN_MAX_AGE seconds, checked before reuse).
_conn_max_age = int(env("SQMS_DB_CONN_MAX_AGE", "60"))
DATABASES = {
    "default": dj_database_url.parse(env("DATABASE_URL"), conn_max_age=_conn_max_age, conn_health_checks=True)
    if env("DATABASE_URL")
    else {
        # Django's backend + retries of BEGIN/autocommit statements when the database is locked
        "ENGINE": "sqms.core.db.sqlite3",
        "NAME": str(_sqlite_path),
        # kept open between requests: a new SQLite connection re-reads and parses the whole schema
        # (~200 tables and their indexes) on its first statement, which cost more than the request itself
        "CONN_MAX_AGE": _conn_max_age,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
            "transaction_mode": "IMMEDIATE",
        },
    }
}
# Analytics reads (kpi, evaluation, reports) to a read replica when one is configured (sqms.core.ops.router).
if env("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = {
        **dj_database_url.parse(
            env("DATABASE_REPLICA_URL"), conn_max_age=_conn_max_age, conn_health_checks=True
        ),
        "TEST": {"MIRROR": "default"},
    }
# PostgreSQL: Django's backend with a health check that needs no round trip while idle (sqms.core.db.postgresql)
for _db in DATABASES.values():
    if _db.get("ENGINE") == "django.db.backends.postgresql":
        _db["ENGINE"] = "sqms.core.db.postgresql"
# SQLite only: how many more times BEGIN / an autocommit statement is tried when the lock outlasts busy_timeout.
SQMS_SQLITE_LOCK_RETRIES = int(env("SQMS_SQLITE_LOCK_RETRIES", "3"))
DATABASE_ROUTERS = ["sqms.core.ops.router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": int(env("SQMS_PASSWORD_MIN_LENGTH", "10"))},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Login throttling (django-axes): after SQMS_LOGIN_FAILURE_LIMIT failures for a user name from one address
# that pair is locked for SQMS_LOGIN_LOCKOUT_MINUTES; admin login and the API token endpoint alike.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(env("SQMS_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = int(env("SQMS_LOGIN_LOCKOUT_MINUTES", "30")) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "sqms.core.security.auth.lockout_response"
AXES_VERBOSE = False
# Two-factor sign-in (TOTP, django-otp): optional for everyone, required for these roles (comma-separated
# role names; superusers count as system_admin).
SQMS_REQUIRE_2FA_ROLES = env_list(
    "SQMS_REQUIRE_2FA_ROLES", "system_admin,quality_manager" if PRODUCTION else ""
)
OTP_TOTP_ISSUER = env("SQMS_OTP_ISSUER", "SQMS")
SQMS_TRUSTED_PROXY_HEADER = env("SQMS_TRUSTED_PROXY_HEADER")
# Public pages and webhook receivers: requests per client in a window (sqms.core.security.ratelimit)
# as "name=count/seconds,…", and the largest accepted request body in bytes.
SQMS_RATE_LIMITS = env("SQMS_RATE_LIMITS")
SQMS_PUBLIC_MAX_BODY = int(env("SQMS_PUBLIC_MAX_BODY", str(12 * 1024 * 1024)))
# Largest import file (CSV/Excel) in bytes.
SQMS_IMPORT_MAX_BYTES = int(env("SQMS_IMPORT_MAX_BYTES", str(50 * 1024 * 1024)))

LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"

# i18n: Chinese first, English complete.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]  # platform + unfold strings; each app also ships its own
TIME_ZONE = env("SQMS_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("SQMS_MEDIA_ROOT", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Tasks: embedded SqliteHuey by default, RedisHuey when SQMS_REDIS_URL is set, immediate in tests.
REDIS_URL = env("SQMS_REDIS_URL")
HUEY = {
    "name": "sqms",
    "immediate": TESTING or env_bool("SQMS_TASKS_IMMEDIATE"),
    "results": False,
    "consumer": {"workers": int(env("SQMS_WORKERS", "2")), "worker_type": "thread"},
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": REDIS_URL})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(DATA_DIR / "tasks.sqlite3")})

# Cache shared by every web and task process (rate limits, cached analyses): Redis when configured,
# otherwise files under the data directory; tests use local memory.
if TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

# Mail
EMAIL_BACKEND = env(
    "SQMS_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env("SQMS_EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("SQMS_EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("SQMS_EMAIL_USER")
EMAIL_HOST_PASSWORD = env("SQMS_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("SQMS_EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env("SQMS_DEFAULT_FROM_EMAIL", "SQMS <sqms@localhost>")

# Security: always sensible, strict in production.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(env("SQMS_SESSION_HOURS", "10")) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SQMS_SESSION_EXPIRE_AT_BROWSER_CLOSE", True)
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content Security Policy (django-csp): everything from our own origin, no inline script; inline styles are
# allowed because unfold's templates use style attributes. data: images for the QR code and charts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SQMS_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(env("SQMS_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 1000

SQMS_PDF_FONT = env("SQMS_PDF_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
SQMS_API_TOKEN_DAYS = int(env("SQMS_API_TOKEN_DAYS", "365"))
# Survey analysis reports: above this many included responses they are computed by a task; cache lifetime.
SQMS_SURVEY_ANALYSIS_ASYNC_ABOVE = int(env("SQMS_SURVEY_ANALYSIS_ASYNC_ABOVE", "50000"))
SQMS_SURVEY_ANALYSIS_CACHE_SECONDS = int(env("SQMS_SURVEY_ANALYSIS_CACHE_SECONDS", str(7 * 86400)))
# Public survey submissions allowed per IP address and campaign in 10 minutes (0 = no limit).
SQMS_SURVEY_RATE_LIMIT = int(env("SQMS_SURVEY_RATE_LIMIT", "30"))

# Logs to stderr, one line per record: text, or one JSON object per line with SQMS_LOG_FORMAT=json
# (time, level, logger, message, request_id, user_id, path, status, duration_ms; sqms.core.ops.logging).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "sqms.core.ops.logging.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "sqms.core.ops.logging.JsonFormatter"},
        "text": {"()": "sqms.core.ops.logging.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request"],
            "formatter": "json" if env("SQMS_LOG_FORMAT") == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env("SQMS_LOG_LEVEL", "WARNING" if TESTING else "INFO")},
    "loggers": {
        "huey": {"level": "WARNING"},
        "sqms.request": {"level": env("SQMS_REQUEST_LOG_LEVEL", "WARNING" if TESTING else "INFO")},
    },
}

from sqms.core.navigation import UNFOLD  # noqa: E402  (the back office's look and sidebar live with core)

__all__ = ["UNFOLD", "_"]
