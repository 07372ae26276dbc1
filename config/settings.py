"""Settings for the registry, read from the environment.

Development needs nothing set: SQLite in ./db.sqlite3 and DEBUG on. Production sets DEBUG=0,
SECRET_KEY, ALLOWED_HOSTS and usually DATABASE_URL; a missing one stops start-up with a message.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name, default):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def envint(name, default):
    return int(os.environ.get(name, default))


def envlist(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def required(name):
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when DEBUG is off. See the README's deploy section.")
    return value


DEBUG = envbool("DEBUG", True)

if DEBUG:
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-key-never-use-in-production"
    ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
else:
    SECRET_KEY = required("SECRET_KEY")
    ALLOWED_HOSTS = envlist("ALLOWED_HOSTS") or required("ALLOWED_HOSTS")

CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "import_export",
    "simple_history",
    "registry.apps.LoginAttemptsConfig",  # django-axes, named for staff
    "csp",
    "registry",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "registry.middleware.RussianFirstLocaleMiddleware",
    # After the language is chosen: a write that waited out SQLITE_BUSY_TIMEOUT answers 503 in it.
    "registry.middleware.DatabaseBusyMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout into a clear page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# SQLite unless DATABASE_URL says otherwise. The SQLite options let several threads or
# processes write: WAL lets readers run beside a writer, IMMEDIATE takes the write lock at
# BEGIN (so a transaction never fails half-way on lock upgrade) and the timeout waits for it.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # A connection the server killed is replaced at the next request, not reused into a 500.
        conn_health_checks=True,
    )
}
# Each thread keeps its PostgreSQL connection for a minute: a new one is a new server process,
# which cost a page made afresh more than its queries (`make load` at 20 000 institutions: 305
# requests/s with a connection per request, 430-460 kept). A SQLite file is cheap to open.
DATABASES["default"]["CONN_MAX_AGE"] = envint(
    "CONN_MAX_AGE", 60 if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" else 0
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        # As long as the longest import a writer can meet (IMPORT_MAX_ROWS rows are confirmed in
        # one transaction), so an admin action waits for it instead of answering 500.
        "timeout": envint("SQLITE_BUSY_TIMEOUT", 300),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Русский")), ("en", _("English")), ("kk", _("Қазақша"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Django's Kazakh admin catalogue covers about two thirds of its strings and none of ours: the
# admin stays Russian for a reader who chose Kazakh (registry.middleware).
ADMIN_LANGUAGES = ["ru", "en"]
# Dates as a reader of each language writes them: 12 ноября 2025, 12 November 2025, 2025 ж. 12 қараша.
FORMAT_MODULE_PATH = ["config.formats"]
# django-filter's empty choice reads "Все" / "All", not "---------".
FILTERS_EMPTY_CHOICE_LABEL = _("Все")
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

LOGIN_URL = "admin:login"

# --- security ---------------------------------------------------------------------------------
# Production defaults; `make serve` turns the HTTPS-only ones off for plain http on localhost.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if envbool("BEHIND_PROXY", False) else None
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Everything the pages load is served from this site: no CDN, no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# /healthz answers over plain HTTP too: load balancers probe it without TLS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Admin login (registry/lockout.py): after AXES_FAILURE_LIMIT failures for one username from one
# address, that pair is locked out for AXES_COOLOFF_MINUTES; after AXES_ADDRESS_FAILURE_LIMIT
# failures from one address, whatever the usernames, the address is. Behind PROXY_COUNT reverse
# proxies (1 with BEHIND_PROXY) the address is read from X-Forwarded-For as they wrote it.
PROXY_COUNT = envint("PROXY_COUNT", 1 if envbool("BEHIND_PROXY", False) else 0)
LOGIN_FAILURES_PER_USER = envint("AXES_FAILURE_LIMIT", 5)
LOGIN_FAILURES_PER_ADDRESS = envint("AXES_ADDRESS_FAILURE_LIMIT", 20)
AXES_FAILURE_LIMIT = "registry.lockout.failure_limit"
AXES_CLIENT_IP_CALLABLE = "registry.lockout.client_ip_address"
AXES_LOCKOUT_CALLABLE = "registry.lockout.locked_out"
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True

# --- logging: one line per event on stdout, key=value, easy to grep ---------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"format": "ts=%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"},
    },
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "line"}
    },
    "root": {"handlers": ["stdout"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# Spreadsheet import and export (django-import-export)
IMPORT_MAX_UPLOAD_BYTES = envint("IMPORT_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
# Checked before a file is parsed, in the admin and in `manage.py registry_import` alike, so a
# hostile or accidental file (a zip bomb, a sheet formatted to row 1 048 576) cannot take a worker.
IMPORT_MAX_ROWS = envint("IMPORT_MAX_ROWS", 50_000)
IMPORT_MAX_COLUMNS = envint("IMPORT_MAX_COLUMNS", 100)
IMPORT_MAX_UNCOMPRESSED_BYTES = envint("IMPORT_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024)
IMPORT_MAX_COMPRESSION_RATIO = envint("IMPORT_MAX_COMPRESSION_RATIO", 100)
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES = True
IMPORT_EXPORT_SKIP_ADMIN_ACTION_EXPORT_UI = False
# What a preview parsed waits for its confirmation in the database, which every worker on every
# host shares; `manage.py clean_import_uploads` deletes previews never confirmed.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "registry.spreadsheets.storage.DatabaseStorage"

# --- public site ------------------------------------------------------------------------------
# A list download stops after this many rows, so that a few downloads at once cannot starve
# page views (the list page says so).
PUBLIC_DOWNLOAD_MAX_ROWS = envint("PUBLIC_DOWNLOAD_MAX_ROWS", 10000)
# Downloads one server process prepares at once; another one meanwhile answers 503 with
# Retry-After, so that downloads never hold every thread of a worker.
PUBLIC_DOWNLOADS_AT_ONCE = envint("PUBLIC_DOWNLOADS_AT_ONCE", 1)
# Downloads are written by processes apart from the server's, at this lower CPU priority
# (registry/preparing.py): seconds of Python in a server process would slow every page it serves.
PUBLIC_DOWNLOADS_APART = envbool("PUBLIC_DOWNLOADS_APART", True)
PUBLIC_DOWNLOAD_NICENESS = envint("PUBLIC_DOWNLOAD_NICENESS", 5)
# How long a reader waits for a download being written before being asked to come back (503,
# Retry-After); it is kept for the retry when written.
PUBLIC_DOWNLOAD_WAIT_SECONDS = envint("PUBLIC_DOWNLOAD_WAIT_SECONDS", 60)
# A download anonymous readers ask for again the same day, nothing changed since, is served from
# the cache for PUBLIC_PAGE_CACHE_SECONDS if it is no larger than this; 0 keeps none.
PUBLIC_DOWNLOAD_CACHE_BYTES = envint("PUBLIC_DOWNLOAD_CACHE_BYTES", 4 * 2**20)
# Kept downloads are files here (shared by the workers of one server), the cache says which.
PUBLIC_DOWNLOAD_CACHE_DIR = Path(
    os.environ.get("PUBLIC_DOWNLOAD_CACHE_DIR", BASE_DIR / "private" / "downloads")
)
# The overview and list pages are cached for anonymous readers (registry/cache.py) and
# invalidated by any change to a record; 0 turns the cache off.
PUBLIC_PAGE_CACHE_SECONDS = envint("PUBLIC_PAGE_CACHE_SECONDS", 300)
# Counts over whole tables (the overview's totals and charts, quotes per source) are kept as
# long, for every reader, signed in or not; invalidated the same way (registry/cache.py).
PUBLIC_TOTALS_CACHE_SECONDS = envint("PUBLIC_TOTALS_CACHE_SECONDS", 300)
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
        if os.environ.get("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "registry"}
    )
}

# --- open data: API, dumps, citing ------------------------------------------------------------
DATA_LICENCE = os.environ.get("DATA_LICENCE", "CC BY 4.0")
DATA_LICENCE_URL = os.environ.get("DATA_LICENCE_URL", "https://creativecommons.org/licenses/by/4.0/")
# The API's pages: API_PAGE_SIZE records unless ?page_size= asks for up to API_MAX_PAGE_SIZE.
API_PAGE_SIZE = envint("API_PAGE_SIZE", 50)
API_MAX_PAGE_SIZE = envint("API_MAX_PAGE_SIZE", 500)
# Requests per anonymous address; DRF counts them in the default cache (Redis with REDIS_URL).
API_ANON_RATE = os.environ.get("API_ANON_RATE", "120/minute")
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    # Read-only and public: nobody signs in to the API, every client is throttled as anonymous.
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Registry of Russia–Kazakhstan cooperation in education: API",
    "DESCRIPTION": (
        "Read-only access to the published records of the registry. Data licence: "
        f"{DATA_LICENCE} ({DATA_LICENCE_URL})."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc from the project's own static files (drf-spectacular-sidecar), no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "registry.models.Status",
        "BranchStatusEnum": "registry.models.Branch.BranchStatus",
    },
}
# Other sites' scripts may read the API and the reconciliation service, nothing else.
CORS_ALLOW_ALL_ORIGINS = True
CORS_URLS_REGEX = r"^/(api|reconcile)(/.*)?$"
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False
# Where `manage.py registry_dump` writes the archives that /data/ offers.
DUMP_DIR = Path(os.environ.get("DUMP_DIR", BASE_DIR / "dumps"))
# The site's address, for the links in dumps and feeds made outside a request.
SITE_URL = os.environ.get("SITE_URL", "")
# "Что нового" and its Atom feed: changes of the last CHANGES_DAYS days, at most CHANGES_LIMIT.
CHANGES_DAYS = envint("CHANGES_DAYS", 90)
CHANGES_LIMIT = envint("CHANGES_LIMIT", 100)
