"""The one settings module. Everything that differs between a laptop and production
comes from the environment (see .env.example); the defaults are the embedded laptop
set-up: SQLite in var/, Celery's filesystem broker in var/, e-mail written to var/mail/.
"""

import os
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# An empty variable counts as unset, so a copied .env.example changes nothing.
VAR_DIR = Path(env("PORTAL_VAR_DIR", default="") or BASE_DIR / "var")

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. `make run` generates one in var/secret_key; "
        "in production set it in the environment."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[]) or ["localhost", "127.0.0.1", "[::1]"]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The public base URL used in e-mails (links back to the portal).
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # third party
    "allauth",
    "allauth.account",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",  # django-bootstrap-static: Bootstrap 5 dist files, served by us (no CDN)
    "import_export",
    "django_celery_beat",
    "django_ratelimit",
    "csp",
    # ours
    "portal",
    "accounts",
    "orders",
    "policies",
    "claims",
    "credits",
    "notifications",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.middleware.PrivatePagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.ShopperTimeZoneMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "orders.context_processors.brand_of_next",
                "portal.context_processors.time_zones",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------
DATABASES = {"default": environ.Env.db_url_config(env("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one SQLite file: WAL lets readers run beside a writer,
    # IMMEDIATE takes the write lock at BEGIN (no upgrade deadlock), and the timeout
    # makes a busy writer wait instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Tests use a file too (not in-memory): threads in concurrency tests then get the
    # same WAL + busy-timeout behaviour as web, worker and beat.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-portal-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker and cache ------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache that counts in process memory while Redis is down
            # (portal/cache.py): rate-limited pages answer instead of failing with 500.
            "BACKEND": "portal.cache.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="portal"),
            # An unreachable Redis must cost a request a moment, not the proxy's timeout.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    # Django's own Redis backend increments atomically (INCR); django-ratelimit only
    # lists django-redis by name, hence its "not officially supported" warning.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
else:
    # Embedded mode runs one web process (gunicorn, one worker, threads), so a
    # process-local cache is shared by every request that rate limits apply to.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

# --- Celery -------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="") or REDIS_URL or "filesystem://"
CELERY_BROKER_FOLDER = VAR_DIR / "celery"
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The filesystem transport needs in == out (one folder shared by every process).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER / "queue"),
        "data_folder_out": str(CELERY_BROKER_FOLDER / "queue"),
        "processed_folder": str(CELERY_BROKER_FOLDER / "processed"),
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
        "store_processed": False,
        # Folder polling: a message waits at most this long, and a stopping worker
        # notices the stop after its last poll (about 2 s) instead of 3 s.
        "polling_interval": 0.2,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than any countdown we schedule, so a delayed task is not redelivered
        # while it is still waiting.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=6 * 3600),
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Stopping a worker (SIGTERM, which the Procfile maps to Celery's cold shutdown with
# REMAP_SIGTERM=SIGQUIT) gives running tasks this long to finish, then cancels them;
# acknowledged late, a cancelled task is delivered again.
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = env.float("CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT", default=2.0)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Separate queues: a long video never waits in front of an e-mail (see README).
CELERY_TASK_ROUTES = {
    "notifications.tasks.*": {"queue": "email"},
    "claims.tasks.evidence_*": {"queue": "evidence"},
}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# --- E-mail -------------------------------------------------------------------------
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
if env("EMAIL_URL", default=""):
    _email = env.email_url("EMAIL_URL")
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
    EMAIL_PORT = _email.get("EMAIL_PORT", 25)
    EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
    if "EMAIL_FILE_PATH" in _email:
        EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"]
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Returns Portal <no-reply@portal.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
# The outbox relay (notifications.services.email_relay, every minute): pending rows
# older than this are dispatched again, rows stuck "sending" are reset, failed rows are
# retried after a wait as long as they have been owed (at least the backoff, at most its
# ceiling) until the give-up horizon, then left for staff ("Send again").
EMAIL_RELAY_DELAY_SECONDS = env.int("EMAIL_RELAY_DELAY_SECONDS", default=60)
EMAIL_RELAY_STALE_SENDING_SECONDS = env.int("EMAIL_RELAY_STALE_SENDING_SECONDS", default=900)
EMAIL_RELAY_BATCH_SIZE = env.int("EMAIL_RELAY_BATCH_SIZE", default=500)
EMAIL_RELAY_REDISPATCH_SECONDS = env.int("EMAIL_RELAY_REDISPATCH_SECONDS", default=600)
EMAIL_RETRY_BACKOFF_SECONDS = env.int("EMAIL_RETRY_BACKOFF_SECONDS", default=60)
EMAIL_RETRY_BACKOFF_MAX_SECONDS = env.int("EMAIL_RETRY_BACKOFF_MAX_SECONDS", default=600)
EMAIL_GIVE_UP_AFTER_SECONDS = env.int("EMAIL_GIVE_UP_AFTER_SECONDS", default=3 * 24 * 3600)
# The admin warns staff when no periodic job (e-mail relay, SLA sweep) ran for this long.
SCHEDULED_JOBS_STALE_SECONDS = env.int("SCHEDULED_JOBS_STALE_SECONDS", default=300)
EVIDENCE_RETENTION_DAYS = env.int("EVIDENCE_RETENTION_DAYS", default=180)

# --- Files --------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default="") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Media (evidence, receipts) is personal data: it lives outside the static tree and is
# never served by URL; views stream it after an access check.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default="") or BASE_DIR / "media")
# A URL on a reserved, unroutable domain: any accidental `.url` of a private file is a
# dead link, and not even the test server serves media.
MEDIA_URL = "https://private-media.invalid/"
_S3_BUCKET = env("S3_BUCKET", default="")
if _S3_BUCKET:
    # Shared object storage for several web/worker machines. Private: no public ACL,
    # no public URLs; evidence is streamed by the portal after its access check.
    _DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _S3_BUCKET,
            "endpoint_url": env("S3_ENDPOINT_URL", default="") or None,
            "access_key": env("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env("S3_SECRET_ACCESS_KEY", default="") or None,
            "region_name": env("S3_REGION", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_MANIFEST", default=not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploads: small ones in memory, the rest in a temporary file under var/, and the
# request stops being read once it passes the cap (claims.uploads).
FILE_UPLOAD_TEMP_DIR = str(VAR_DIR / "uploads")
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_HANDLERS = ["claims.uploads.CappedTemporaryFileUploadHandler"]
DATA_UPLOAD_MAX_NUMBER_FILES = env.int("DATA_UPLOAD_MAX_NUMBER_FILES", default=10)
EVIDENCE_MAX_PHOTO_BYTES = env.int("EVIDENCE_MAX_PHOTO_BYTES", default=25 * 1024 * 1024)
EVIDENCE_MAX_VIDEO_BYTES = env.int("EVIDENCE_MAX_VIDEO_BYTES", default=500 * 1024 * 1024)
EVIDENCE_MAX_DOCUMENT_BYTES = env.int("EVIDENCE_MAX_DOCUMENT_BYTES", default=20 * 1024 * 1024)
EVIDENCE_MAX_UPLOAD_BYTES = env.int("EVIDENCE_MAX_UPLOAD_BYTES", default=EVIDENCE_MAX_VIDEO_BYTES + 1024 * 1024)

# Serve from the finders when nothing was collected (tests, DEBUG); collectstatic in
# production and in `make run`.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)

# --- Accounts (django-allauth) ------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_ADAPTER = "notifications.account_adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_RATE_LIMITS = {
    # Failed logins are throttled per IP and per account (allauth's own limiter).
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
LOGIN_REDIRECT_URL = "claims:my_orders"
LOGIN_URL = "account_login"

# --- Security -----------------------------------------------------------------------
HTTPS = env.bool("HTTPS", default=False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy on every page (django-csp). Scripts only from our own static
# files (or inline with the request's nonce: `{{ request.csp_nonce }}`), never inline
# otherwise; styles allow inline attributes (the brand colours, the admin's widgets).
# Photos previewed before upload are blob: URLs. CSP_REPORT_ONLY=true sends the same
# policy as Content-Security-Policy-Report-Only (try a change without breaking pages);
# CSP_REPORT_URI names where browsers report violations.
_CSP_REPORT_ONLY = env.bool("CSP_REPORT_ONLY", default=False)
_CSP_DIRECTIVES = {
    "default-src": [SELF],
    "script-src": [SELF, NONCE],
    "style-src": [SELF, "'unsafe-inline'"],
    "img-src": [SELF, "data:", "blob:"],
    "media-src": [SELF, "blob:"],
    "font-src": [SELF, "data:"],
    "connect-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}
if env("CSP_REPORT_URI", default=""):
    _CSP_DIRECTIVES["report-uri"] = [env("CSP_REPORT_URI")]
if _CSP_REPORT_ONLY:
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _CSP_DIRECTIVES}
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _CSP_DIRECTIVES}
# Behind a proxy that sets the client address, name the header (e.g. HTTP_X_REAL_IP).
RATELIMIT_IP_META_KEY = env("RATELIMIT_IP_META_KEY", default="") or None
RATELIMIT_VIEW = "portal.views.rate_limited"

# --- Portal ---------------------------------------------------------------------------
GUEST_LINK_MAX_AGE = env.int("GUEST_LINK_MAX_AGE", default=24 * 3600)
CLAIM_LINK_MAX_AGE = env.int("CLAIM_LINK_MAX_AGE", default=30 * 24 * 3600)
# Shopper pages kept rendered while their data is unchanged, at most this long (claims.page_cache); 0: off
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=60)
LOOKUP_RATE_PER_IP = env("LOOKUP_RATE_PER_IP", default="5/m")
LOOKUP_RATE_PER_ORDER = env("LOOKUP_RATE_PER_ORDER", default="10/h")
# Guest look-ups are rows until the worker has matched them: one not done this long
# after its dispatch is dispatched again (lookup relay, every minute); dropped after…
ORDER_LOOKUP_RELAY_SECONDS = env.int("ORDER_LOOKUP_RELAY_SECONDS", default=60)
ORDER_LOOKUP_EXPIRE_SECONDS = env.int("ORDER_LOOKUP_EXPIRE_SECONDS", default=24 * 3600)

# --- i18n -----------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
