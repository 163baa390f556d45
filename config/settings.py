"""Settings for Liveblog: one module, driven by the environment, safe defaults for development."""

import os
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from corsheaders.defaults import default_headers as corsheaders_default_headers
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
# Production turns on HTTPS-only cookies and headers and insists on a real secret key.
PRODUCTION = env_bool("DJANGO_PRODUCTION", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_PRODUCTION is on")
    SECRET_KEY = "dev-only-insecure-key-never-used-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# HTTPS-only cookies, HSTS and the HTTPS redirect: on in production, each overridable.
# Behind a proxy that terminates TLS, name the header it sets (e.g. HTTP_X_FORWARDED_PROTO) in
# DJANGO_SECURE_PROXY_SSL_HEADER so Django sees requests as HTTPS (and does not redirect forever).
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", PRODUCTION)
# Load balancers probe the health check over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
if env_str("DJANGO_SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (env_str("DJANGO_SECURE_PROXY_SSL_HEADER"), "https")
USE_X_FORWARDED_HOST = env_bool("DJANGO_USE_X_FORWARDED_HOST", False)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", PRODUCTION)
# The editor's interface language (set_language): HTTPS-only in production like the others, and
# never sent along with another site's requests.
LANGUAGE_COOKIE_SECURE = env_bool("DJANGO_LANGUAGE_COOKIE_SECURE", PRODUCTION)
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 365 * 24 * 3600 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", PRODUCTION)
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "corsheaders",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "liveblog",
    "liveblog.teams",
    "liveblog.distribution",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "liveblog.security.SecurityHeadersMiddleware",
    # Warns once when requests arrive through proxies LIVEBLOG_TRUSTED_PROXIES does not fit.
    "liveblog.security.ProxyCheckMiddleware",
    "liveblog.security.RequestSizeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Everything above applies to every response. Anonymous reads of the public per-blog views
    # are answered here; what follows serves signed-in users and writes (liveblog.public_reads).
    "liveblog.public_reads.PublicReadMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The request's language for the admin, API and pages of no blog (a blog's pages take the
    # blog's: liveblog.languages). After sessions, before CommonMiddleware, as Django asks.
    "liveblog.languages.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Records who made each change in the objects' history (admin, API alike).
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "liveblog.languages.page_language",
            ],
        },
    },
]

# Django's form and widget templates through Jinja2 (half the time a row of the admin's entry
# list took), the admin's own widgets through Django templates: liveblog/renderers.py.
FORM_RENDERER = "liveblog.renderers.FormRenderer"

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=env_bool("DATABASE_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers carry on while an import writes; IMMEDIATE avoids lock-upgrade deadlocks.
    # Connections persist (DATABASE_CONN_MAX_AGE) as on PostgreSQL: opening one runs the pragmas
    # and costs about 2 ms, several times a cached page.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_PREPARED_STATEMENTS", True
):
    # Planning the blog-state query that every cached page runs costs twice its execution;
    # prepared statements plan it once per connection. Turn off behind PgBouncer < 1.21 in
    # transaction mode, which cannot carry prepared statements.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 5}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Opt in to Django 6.0 behaviour: scheme-less URLs typed in forms mean https.
FORMS_URLFIELD_ASSUME_HTTPS = True

REDIS_URL = env_str("REDIS_URL")
# How long one call to Redis may take before the site carries on without it (milliseconds).
LIVEBLOG_REDIS_TIMEOUT = env_int("LIVEBLOG_REDIS_TIMEOUT_MS", 250) / 1000
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache, but an outage degrades the site instead of failing it.
            "BACKEND": "liveblog.redis_cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "liveblog"),
            "OPTIONS": {
                "socket_timeout": LIVEBLOG_REDIS_TIMEOUT,
                "socket_connect_timeout": LIVEBLOG_REDIS_TIMEOUT,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Where a log-in without ?next= lands: the browsable API's log-in page is the one that can
# (the admin's goes to the admin); Django's default, /accounts/profile/, is no page here.
LOGIN_REDIRECT_URL = "api:api-root"

# django-axes first: it refuses a locked-out login before any password is checked.
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

LANGUAGE_CODE = "en-gb"
# The interface languages: those the project ships complete catalogues for (locale/). The admin,
# the API and the pages of no blog (index, search, errors) speak the one LocaleMiddleware picks
# among these from the editor's choice (the language cookie) or the browser's Accept-Language.
LANGUAGES = [("en-gb", "English"), ("de", "Deutsch"), ("ar", "العربية")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The languages a blog may be written in (BCP 47, lower case as Django writes them), each named
# in its own language. A blog's pages speak its language; the interface strings of a language
# without a catalogue stay English. Right-to-left ones (ar, he, fa, ur) get dir="rtl".
LIVEBLOG_LANGUAGES = [
    ("en", "English"),
    ("en-gb", "English (UK)"),
    ("en-us", "English (US)"),
    ("ar", "العربية"),
    ("bn", "বাংলা"),
    ("de", "Deutsch"),
    ("el", "Ελληνικά"),
    ("es", "Español"),
    ("fa", "فارسی"),
    ("fr", "Français"),
    ("he", "עברית"),
    ("hi", "हिन्दी"),
    ("id", "Bahasa Indonesia"),
    ("it", "Italiano"),
    ("ja", "日本語"),
    ("ko", "한국어"),
    ("nl", "Nederlands"),
    ("pl", "Polski"),
    ("pt", "Português"),
    ("pt-br", "Português (Brasil)"),
    ("ro", "Română"),
    ("ru", "Русский"),
    ("sq", "Shqip"),
    ("sr", "Српски"),
    ("sw", "Kiswahili"),
    ("tr", "Türkçe"),
    ("uk", "Українська"),
    ("ur", "اردو"),
    ("zh-hans", "中文（简体）"),
    ("zh-hant", "中文（繁體）"),
]
# A new blog's language (and an imported one's, where neither sidecar nor document gives one).
LIVEBLOG_DEFAULT_LANGUAGE = env_str("LIVEBLOG_DEFAULT_LANGUAGE", LANGUAGE_CODE)
if LIVEBLOG_DEFAULT_LANGUAGE not in dict(LIVEBLOG_LANGUAGES):
    raise ImproperlyConfigured(
        f"LIVEBLOG_DEFAULT_LANGUAGE must be one of {', '.join(dict(LIVEBLOG_LANGUAGES))}"
    )
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media")))

# How long browsers and CDNs keep an uploaded picture or rendition: their names change with
# every new upload, so a day costs nothing in freshness.
MEDIA_MAX_AGE = 24 * 3600


def s3_media_storage(bucket: str) -> dict:
    """Uploaded media in an S3 bucket (or any S3-compatible store), from the environment.

    Credentials are not settings: boto3 finds them itself (AWS_ACCESS_KEY_ID and
    AWS_SECRET_ACCESS_KEY, a profile, or the machine's role).
    """
    try:
        import storages  # noqa: F401
    except ImportError:
        raise ImproperlyConfigured(
            "LIVEBLOG_MEDIA_S3_BUCKET is set but django-storages is not installed: "
            'pip install -e ".[s3]"'
        ) from None
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            # A key prefix inside the bucket, e.g. "liveblog/media".
            "location": env_str("LIVEBLOG_MEDIA_S3_PREFIX"),
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            # An S3-compatible store (MinIO, Ceph, R2...) instead of AWS.
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            # Readers' URLs: the CDN or bucket domain in front, built without asking boto3.
            "custom_domain": env_str("AWS_S3_CUSTOM_DOMAIN") or None,
            "url_protocol": env_str("AWS_S3_URL_PROTOCOL", "https:"),
            "addressing_style": env_str("AWS_S3_ADDRESSING_STYLE") or None,
            # Public pictures get plain URLs; signed ones would expire inside cached pages.
            "querystring_auth": env_bool("AWS_QUERYSTRING_AUTH", False),
            "default_acl": env_str("AWS_DEFAULT_ACL") or None,
            # Like the filesystem: a second upload named photo.jpg gets a new name.
            "file_overwrite": False,
            "object_parameters": {"CacheControl": f"public, max-age={MEDIA_MAX_AGE}"},
        },
    }


# Uploaded pictures and their renditions: MEDIA_ROOT on this machine unless a bucket is named.
LIVEBLOG_MEDIA_S3_BUCKET = env_str("LIVEBLOG_MEDIA_S3_BUCKET")
STORAGES = {
    "default": (
        s3_media_storage(LIVEBLOG_MEDIA_S3_BUCKET)
        if LIVEBLOG_MEDIA_S3_BUCKET
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Seeds imported by `manage.py import_seeds` when no path is given.
LIVEBLOG_SEEDS_DIR = Path(env_str("LIVEBLOG_SEEDS_DIR", str(BASE_DIR / "seeds")))
# A seed file larger than this is refused rather than read into memory (real blogs are < 1 MB).
# A 50,000-entry live blog is about 40 MB of text (scripts/bench_import.py's entries: 750 bytes
# each); the reader's own bound is 50 MB.
LIVEBLOG_IMPORT_MAX_BYTES = env_int("LIVEBLOG_IMPORT_MAX_BYTES", 48 * 1024 * 1024)
# A backup bundle (.zip) is measured before anything of it is read: at most this many members,
# this many bytes once expanded in all, and no member of 1 MB or more expanding further than this
# many times its compressed size (pictures hardly compress; a zip bomb expands a thousandfold).
LIVEBLOG_BUNDLE_MAX_MEMBERS = env_int("LIVEBLOG_BUNDLE_MAX_MEMBERS", 10_000)
LIVEBLOG_BUNDLE_MAX_BYTES = env_int("LIVEBLOG_BUNDLE_MAX_BYTES", 2 * 1024**3)
LIVEBLOG_BUNDLE_MAX_RATIO = env_int("LIVEBLOG_BUNDLE_MAX_RATIO", 100)
# Entries on one page of a blog, and how often (seconds) an open live page checks for changes.
LIVEBLOG_PAGE_SIZE = env_int("LIVEBLOG_PAGE_SIZE", 20)
LIVEBLOG_POLL_SECONDS = env_int("LIVEBLOG_POLL_SECONDS", 15)
# How many of the latest key events a blog's navigation (and its structured data) lists; the
# key-events listing, paged like the stream, holds them all.
LIVEBLOG_KEY_EVENTS_SHOWN = env_int("LIVEBLOG_KEY_EVENTS_SHOWN", 10)
# How long shared caches (the edge, CDNs) may keep reader pages and feeds before revalidating.
LIVEBLOG_PAGE_MAX_AGE = env_int("LIVEBLOG_PAGE_MAX_AGE", 10)
# How often the live desk asks whether colleagues changed the stream (a 304 when not), and how
# long an editor's "is editing this entry" lasts without a heartbeat.
LIVEBLOG_DESK_POLL_SECONDS = env_int("LIVEBLOG_DESK_POLL_SECONDS", 5)
LIVEBLOG_DESK_PRESENCE_SECONDS = env_int("LIVEBLOG_DESK_PRESENCE_SECONDS", 30)
# While nothing changes, the desk's poll waits longer each time, up to this many intervals;
# any change or keystroke brings it back to one. It stops while the tab is hidden.
LIVEBLOG_DESK_POLL_BACKOFF = env_int("LIVEBLOG_DESK_POLL_BACKOFF", 4)
if LIVEBLOG_DESK_POLL_BACKOFF < 1:
    raise ImproperlyConfigured("LIVEBLOG_DESK_POLL_BACKOFF must be 1 or more")
# The most entries waiting for approval the desk lists at once (longest waiting first).
LIVEBLOG_DESK_QUEUE_SIZE = env_int("LIVEBLOG_DESK_QUEUE_SIZE", 50)
# How long a cached response or fragment may stay in the cache. Keys carry the blog's state, so
# this only bounds how long superseded copies occupy memory; it never makes a page stale.
LIVEBLOG_CACHE_SECONDS = env_int("LIVEBLOG_CACHE_SECONDS", 300)
# Where every app server keeps the blogs' states, so cached pages need no database query while
# nothing changed (see liveblog.freshness); empty: the database is asked on every request.
LIVEBLOG_STATE_REDIS_URL = env_str("LIVEBLOG_STATE_REDIS_URL", REDIS_URL)
# How long a kept state may go unconfirmed by a write (bounds a notification lost with a crash).
LIVEBLOG_STATE_SECONDS = env_int("LIVEBLOG_STATE_SECONDS", 60)
# How long each app process may trust a blog's state it read, for the live check, cached pages
# and API lists (0: ask Redis or the database every time); its own writes are seen at once.
# LIVEBLOG_LIVE_CHECK_SECONDS is its former name.
LIVEBLOG_MEMO_SECONDS = env_int("LIVEBLOG_MEMO_SECONDS", env_int("LIVEBLOG_LIVE_CHECK_SECONDS", 1))
# How many bytes of rendered public responses each app process keeps in memory.
LIVEBLOG_MEMO_BYTES = env_int("LIVEBLOG_MEMO_BYTES", 32 * 1024 * 1024)
# The site's name, as oEmbed consumers show it.
LIVEBLOG_SITE_NAME = env_str("LIVEBLOG_SITE_NAME", "Live blogs")
# The publisher named in the pages' structured data (search engines' article rules want one,
# with a logo): a name, and the logo as a path under the static files or an absolute address.
LIVEBLOG_PUBLISHER_NAME = env_str("LIVEBLOG_PUBLISHER_NAME", LIVEBLOG_SITE_NAME)
LIVEBLOG_PUBLISHER_LOGO = env_str("LIVEBLOG_PUBLISHER_LOGO", "liveblog/publisher-logo.png")
# Who may frame the embed views (CSP frame-ancestors sources, comma-separated, e.g.
# "https://partner.example"); every other page refuses framing (X-Frame-Options: DENY).
LIVEBLOG_EMBED_ANCESTORS = env_list("LIVEBLOG_EMBED_ANCESTORS", "*")
# The search page: each of its queries may take this long before the page says the search is
# too broad; at most this many matches are counted; an answer is kept this long for the same
# query; and each address may run this many searches (answers from the cache aside; "": no
# limit).
LIVEBLOG_SEARCH_TIMEOUT_MS = env_int("LIVEBLOG_SEARCH_TIMEOUT_MS", 3000)
if LIVEBLOG_SEARCH_TIMEOUT_MS < 1:
    raise ImproperlyConfigured("LIVEBLOG_SEARCH_TIMEOUT_MS must be 1 or more")
LIVEBLOG_SEARCH_MAX_MATCHES = env_int("LIVEBLOG_SEARCH_MAX_MATCHES", 1000)
LIVEBLOG_SEARCH_CACHE_SECONDS = env_int("LIVEBLOG_SEARCH_CACHE_SECONDS", 60)
LIVEBLOG_SEARCH_RATE = env_str("LIVEBLOG_SEARCH_RATE", "30/minute")
if LIVEBLOG_SEARCH_RATE and not re.fullmatch(r"\d+/(s|m|h|d)\w*", LIVEBLOG_SEARCH_RATE):
    raise ImproperlyConfigured("LIVEBLOG_SEARCH_RATE must look like 30/minute, or be empty")
# Upload limits for images: a photographer's file up to this size is accepted (a larger one is
# refused naming the limit, with the rest of the form kept), and stored downscaled so its long
# edge is at most LIVEBLOG_IMAGE_LONG_EDGE pixels (0: stored as uploaded).
LIVEBLOG_MAX_IMAGE_BYTES = env_int("LIVEBLOG_MAX_IMAGE_BYTES", 50 * 1024 * 1024)
# 64 megapixels: the largest cameras' files (61 MP) are decoded at a reduced scale to be stored.
LIVEBLOG_MAX_IMAGE_PIXELS = env_int("LIVEBLOG_MAX_IMAGE_PIXELS", 64_000_000)
LIVEBLOG_IMAGE_LONG_EDGE = env_int("LIVEBLOG_IMAGE_LONG_EDGE", 3000)
if LIVEBLOG_IMAGE_LONG_EDGE < 0:
    raise ImproperlyConfigured("LIVEBLOG_IMAGE_LONG_EDGE must be 0 (keep) or a number of pixels")
# Every uploaded file goes through the size check first: past LIVEBLOG_MAX_IMAGE_BYTES its
# content is dropped as it arrives (the other fields are still read, so the form comes back
# filled in with the refusal); then to memory or a temporary file as Django does.
FILE_UPLOAD_HANDLERS = [
    "liveblog.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Security (liveblog/security.py; README "Security") ---
# Reverse proxies in front of the app that append the caller's address to X-Forwarded-For.
# 0: none, REMOTE_ADDR is the caller. The API throttle and the login lockout both count by it.
LIVEBLOG_TRUSTED_PROXIES = env_int("LIVEBLOG_TRUSTED_PROXIES", 0)
if LIVEBLOG_TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured("LIVEBLOG_TRUSTED_PROXIES must be 0 or more")
# Bodies larger than this are refused with a 400 before they are read (a multipart upload may
# add twice LIVEBLOG_MAX_IMAGE_BYTES: a picture up to twice the limit is read, and refused
# naming the limit with the form kept); Django applies it to form fields too.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("LIVEBLOG_MAX_BODY_BYTES", 2_621_440)
# Logins (admin and /api/auth/login/): after this many failures for one account from one
# address, that account is locked out from that address for the cool-off time. Superusers
# unlock under Admin > Axes > Access attempts, or with `manage.py axes_reset_username NAME`.
AXES_FAILURE_LIMIT = env_int("LIVEBLOG_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LIVEBLOG_LOGIN_LOCKOUT_MINUTES", 15))
# An account is locked from the address that guessed (the real caller's, client_ip), not from
# everywhere: guesses at one account, or at made-up ones, never lock out an editor elsewhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "liveblog.security.client_ip"
AXES_LOCKOUT_CALLABLE = "liveblog.security.lockout_response"
# A lockout lasts the cool-off time from the last failure before it, as the page says; failures
# during it do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Not reset by a successful login (axes' reset clears every attempt from that address, so one
# valid account would let its owner keep guessing others' passwords): failures age out instead.
AXES_RESET_ON_SUCCESS = False
# Every page's own scripts and styles are files from this site: no inline script or style, no
# eval, nothing from elsewhere. Media and static files may live on another origin (a CDN).
_ASSET_ORIGINS = sorted(
    {
        f"{parts.scheme}://{parts.netloc}"
        for parts in (urlsplit(url) for url in (MEDIA_URL, STATIC_URL))
        if parts.scheme and parts.netloc
    }
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, *_ASSET_ORIGINS],
        "style-src": [SELF, *_ASSET_ORIGINS],
        # data: for the blank favicon and the icons inside the admin's and API docs' CSS.
        "img-src": [SELF, "data:", *_ASSET_ORIGINS],
        "font-src": [SELF, *_ASSET_ORIGINS],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        # Embedded posts and videos, framed only once a reader asks for one (liveblog/embeds.js):
        # the players' origins, as liveblog/body.py EMBED_FRAME_ORIGINS lists them (a test checks).
        "frame-src": [
            SELF,
            "https://www.youtube-nocookie.com",
            "https://player.vimeo.com",
            "https://platform.twitter.com",
            "https://www.instagram.com",
            "https://www.tiktok.com",
            "https://www.facebook.com",
            "https://embed.bsky.app",
        ],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "WARNING")},
}

# --- REST API (liveblog/api) ---
# Anonymous callers are throttled per IP, e.g. "120/minute"; "" turns throttling off.
LIVEBLOG_API_ANON_RATE = env_str("LIVEBLOG_API_ANON_RATE", "120/minute")
if LIVEBLOG_API_ANON_RATE and not re.fullmatch(r"\d+/(s|m|h|d)\w*", LIVEBLOG_API_ANON_RATE):
    raise ImproperlyConfigured("LIVEBLOG_API_ANON_RATE must look like 120/minute, or be empty")
# The largest page a caller may ask for with ?page_size=.
LIVEBLOG_API_MAX_PAGE_SIZE = env_int("LIVEBLOG_API_MAX_PAGE_SIZE", 100)
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "liveblog.api.schema.ApiSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's, with refused tokens counted by the anonymous throttle.
        "liveblog.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["liveblog.api.permissions.ReadOrModelPermissions"],
    "DEFAULT_THROTTLE_CLASSES": ["liveblog.api.throttling.AnonThrottle"],
    "DEFAULT_PAGINATION_CLASS": "liveblog.api.pagination.PagePagination",
    "PAGE_SIZE": LIVEBLOG_PAGE_SIZE,
    # The version travels in the Accept header: "application/json; version=1".
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.AcceptHeaderVersioning",
    "DEFAULT_VERSION": "1",
    "ALLOWED_VERSIONS": ["1"],
    "EXCEPTION_HANDLER": "liveblog.api.errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "liveblog.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # DRF's throttles read the caller's address from X-Forwarded-For this far (see client_ip).
    "NUM_PROXIES": LIVEBLOG_TRUSTED_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Liveblog API",
    "DESCRIPTION": "Live blogs, entries and images: read for everyone, write for editors.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge fetched from the public validator (CSP allows nothing from elsewhere).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # An entry's label and each label of its history are one set of values: one name.
    "ENUM_NAME_OVERRIDES": {"VerificationEnum": "liveblog.models.Verification"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "liveblog.api.schema.refuse_nul_in_inputs",
    ],
}
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/.*$"
# Partner scripts poll conditionally and write with If-Match, so they must send and read validators.
CORS_ALLOW_HEADERS = (
    *corsheaders_default_headers,
    "if-match",
    "if-none-match",
    "if-modified-since",
)
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Location", "Retry-After"]

# --- Distribution (liveblog/distribution: webhooks, WebSub, Web Push; README "Distribution") ---
# The site's public address: links in what leaves without a request (webhook bodies, push
# notices, WebSub pings) start with it.
LIVEBLOG_SITE_URL = env_str("LIVEBLOG_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
if urlsplit(LIVEBLOG_SITE_URL).scheme not in ("http", "https"):
    raise ImproperlyConfigured("LIVEBLOG_SITE_URL must be an http(s) address")
# The task queue. "database": django-tasks-db, jobs in this database, `manage.py db_worker`
# (one machine, SQLite included). "rq": RQ on Redis (LIVEBLOG_TASKS_REDIS_URL), `manage.py
# rqworker` on any number of machines (pip install -e ".[rq]").
LIVEBLOG_TASKS_BACKEND = env_str("LIVEBLOG_TASKS_BACKEND", "database")
if LIVEBLOG_TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
elif LIVEBLOG_TASKS_BACKEND == "rq":
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {
        "default": {
            "URL": env_str("LIVEBLOG_TASKS_REDIS_URL", REDIS_URL or "redis://127.0.0.1:6379/0"),
            "DEFAULT_TIMEOUT": 300,
        }
    }
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    raise ImproperlyConfigured("LIVEBLOG_TASKS_BACKEND must be database or rq")
# Webhooks: http and loopback or private addresses only when this is on (development, tests).
LIVEBLOG_WEBHOOK_ALLOW_PRIVATE = env_bool("LIVEBLOG_WEBHOOK_ALLOW_PRIVATE", False)
# Seconds to connect to a receiver and to wait for its answer; bytes of answer read at most.
LIVEBLOG_WEBHOOK_CONNECT_TIMEOUT = env_int("LIVEBLOG_WEBHOOK_CONNECT_TIMEOUT", 3)
LIVEBLOG_WEBHOOK_READ_TIMEOUT = env_int("LIVEBLOG_WEBHOOK_READ_TIMEOUT", 10)
LIVEBLOG_WEBHOOK_MAX_RESPONSE_BYTES = env_int("LIVEBLOG_WEBHOOK_MAX_RESPONSE_BYTES", 64 * 1024)
# Retries: the first after this many seconds, each next one twice as late, at most the cap.
LIVEBLOG_WEBHOOK_RETRY_SECONDS = env_int("LIVEBLOG_WEBHOOK_RETRY_SECONDS", 5)
LIVEBLOG_WEBHOOK_RETRY_MAX_SECONDS = env_int("LIVEBLOG_WEBHOOK_RETRY_MAX_SECONDS", 6 * 3600)
# An endpoint is disabled after this many failed attempts in a row (an editor re-enables it).
LIVEBLOG_WEBHOOK_DISABLE_AFTER = env_int("LIVEBLOG_WEBHOOK_DISABLE_AFTER", 15)
# WebSub: the hub every feed names and each change pings (empty: none).
LIVEBLOG_WEBSUB_HUB = env_str("LIVEBLOG_WEBSUB_HUB")
# Web Push: the VAPID key pair (`manage.py make_vapid_keys`) and the contact push services see.
# Without the keys the Follow button is not offered.
LIVEBLOG_VAPID_PUBLIC_KEY = env_str("LIVEBLOG_VAPID_PUBLIC_KEY")
LIVEBLOG_VAPID_PRIVATE_KEY = env_str("LIVEBLOG_VAPID_PRIVATE_KEY")
LIVEBLOG_VAPID_SUBJECT = env_str("LIVEBLOG_VAPID_SUBJECT", "mailto:webmaster@localhost")
# How long a push service keeps a notice for a device that is offline (seconds): news goes stale.
LIVEBLOG_PUSH_TTL = env_int("LIVEBLOG_PUSH_TTL", 900)
# The push services browsers use (hosts and their subdomains): a subscription elsewhere is
# refused, so the Follow endpoint cannot make the site send requests to any address given.
LIVEBLOG_PUSH_HOSTS = env_list(
    "LIVEBLOG_PUSH_HOSTS",
    "fcm.googleapis.com,updates.push.services.mozilla.com,web.push.apple.com,notify.windows.com",
)
