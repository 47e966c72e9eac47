"""tsunagu settings: one file, driven by environment variables (see README, "Configuration")."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import Env
from tsunagu.core.keys import parse_key, parse_key_list

env = Env()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.str("TSUNAGU_VAR_DIR", str(BASE_DIR / "var")))
KEY_DIR = VAR_DIR / "keys"

TSUNAGU_ENV = env.str("TSUNAGU_ENV", "development", choices=("development", "production"))
PRODUCTION = TSUNAGU_ENV == "production"
TESTING = "pytest" in sys.modules

# Outside production, secrets default to files that `make run` / `make test` generate under var/keys/.
_local = None if PRODUCTION else KEY_DIR

DEBUG = False if PRODUCTION else env.bool("DJANGO_DEBUG", False)

SECRET_KEY = env.secret("DJANGO_SECRET_KEY", default_file=_local / "secret_key" if _local else None) or ""
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) must be set; run `make keys` locally")

# Field encryption keys are held apart from SECRET_KEY (security.md, 11.1.1).
TSUNAGU_ENCRYPTION_KEYS = parse_key_list(
    "TSUNAGU_ENCRYPTION_KEYS",
    env.secret("TSUNAGU_ENCRYPTION_KEYS", default_file=_local / "encryption_keys" if _local else None),
)
TSUNAGU_BLIND_INDEX_KEY = parse_key(
    "TSUNAGU_BLIND_INDEX_KEY",
    env.secret("TSUNAGU_BLIND_INDEX_KEY", default_file=_local / "blind_index_key" if _local else None),
)
TSUNAGU_AUDIT_HMAC_KEY = parse_key(
    "TSUNAGU_AUDIT_HMAC_KEY",
    env.secret("TSUNAGU_AUDIT_HMAC_KEY", default_file=_local / "audit_hmac_key" if _local else None),
)

# Demo conveniences (seed_demo, one-time codes shown on the login page) never exist in production.
TSUNAGU_DEMO = False if PRODUCTION else env.bool("TSUNAGU_DEMO", True)

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set in production")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # daphne's runserver serves ASGI (HTTP and the intake's WebSockets) in development.
    "daphne",
    # tsunagu apps first: their templates and management commands take precedence.
    "tsunagu.core",
    "tsunagu.audit",
    "tsunagu.accounts",
    "tsunagu.directory",
    "tsunagu.portal",
    "tsunagu.consultations",
    "tsunagu.referrals",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "django_permissions_policy",
]

MIDDLEWARE = [
    # Every answer, refusals made by the middleware below included (bad Host, unreadable form, the
    # API's 405 and 429, static files), passes out through these: a request id, then the security
    # headers and no-store (docs/architecture.md, "Request pipeline").
    "tsunagu.core.middleware.RequestContextMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "tsunagu.core.middleware.NoStoreMiddleware",
    # A Host outside ALLOWED_HOSTS: a 400 before the HTTPS redirect reads it, with the headers below too.
    "tsunagu.core.middleware.AllowedHostMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # HEAD is answered as GET without the body, wherever GET is allowed.
    "tsunagu.core.middleware.HeadAsGetMiddleware",
    # /api/hsds/ only: drops cookies before the session middleware, rate-limits, adds CORS (docs/api.md).
    "tsunagu.directory.api.middleware.PublicApiMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Portal: language from the URL prefix; staff pages and the API: the language cookie.
    "tsunagu.core.middleware.LanguageMiddleware",
    # Forms whose text is not valid in their declared charset: a clear 400, before anything reads them.
    "tsunagu.core.encoding.FormEncodingMiddleware",
    "django.middleware.common.CommonMiddleware",
    # やさしい日本語 (/ja-easy/): furigana on the kanji of portal pages (tsunagu/portal/furigana.py).
    "tsunagu.portal.middleware.FuriganaMiddleware",
    # A malformed CSRF cookie counts as none: no page without a form sets a new one.
    "tsunagu.core.middleware.MalformedCsrfCookieMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "tsunagu.accounts.middleware.SessionPolicyMiddleware",
    "tsunagu.accounts.middleware.ActorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# Real-time intake (docs/consultations.md): the channel layer carries only "something changed"
# events, never a message's text. In memory for one process; Redis when REDIS_URL is set, so that
# several server processes or hosts share one queue.
REDIS_URL = env.str("REDIS_URL", "")


def redis_channel_layer(url: str, *, prefix: str = "asgi") -> dict[str, object]:
    """The Redis channel layer (docs/operations.md, "Scaling out"; tests use it with a prefix of
    their own). Two settings are not channels_redis' defaults:

    - Socket timeouts. Each process waits for events with a blocking BZPOPMIN that Redis ends after
      5 s; the client's read must outlast it. redis-py 8 reads with a 5 s timeout by default, which
      broke every idle socket with 1011 "Timeout reading from …" (channels_redis issue 422); 7.x
      (pinned) has none, so a dead connection would hang for ever. 15 s fits the 5 s wait with room,
      and still ends a read from a Redis that is gone.
    - Capacity. All the sockets of one process share one Redis queue ("specific.<process>!"), and
      channels_redis drops an event, with no error, once a queue holds ``capacity`` of them (100 by
      default, for the whole process): a process 100 events behind lost the last message of a
      conversation (docs/performance.md, "Chat delivery"). Events still expire after 60 s.
    """
    return {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [{"address": url, "socket_timeout": 15, "socket_connect_timeout": 5, "socket_keepalive": True}],
            "prefix": prefix,
            "channel_capacity": {"specific.*": 100_000},
        },
    }


if REDIS_URL:
    CHANNEL_LAYERS = {"default": redis_channel_layer(REDIS_URL)}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

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
                "tsunagu.core.context_processors.site",
                "tsunagu.accounts.context_processors.staff_navigation",
                "tsunagu.consultations.context_processors.staff_alerts",
            ],
        },
    },
]

# Database: SQLite in WAL mode under var/ by default; PostgreSQL (psycopg 3) via DATABASE_URL.
DATABASE_URL = env.str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tsunagu.sqlite3'}")
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=0 if DATABASE_URL.startswith("sqlite") else 60)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        # BEGIN IMMEDIATE: every transaction takes the write lock up front, so read-then-write
        # sequences (the audit chain append) serialise instead of failing with SQLITE_BUSY.
        "transaction_mode": "IMMEDIATE",
        "timeout": env.int("TSUNAGU_SQLITE_BUSY_TIMEOUT", 20, minimum=1),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A real file (not :memory:) so tests exercise WAL, triggers and several connections.
    _db["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db["CONN_HEALTH_CHECKS"] = True
    _db["TEST"] = {"TEMPLATE": "template0", "CHARSET": "UTF8"}
else:
    raise ImproperlyConfigured("DATABASE_URL must be sqlite:// or postgres://")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Authentication (security.md: Argon2, 12+ characters, TOTP, lockout by username + IP).
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
if TESTING:
    # Hashing speed only; the production hasher is covered by a dedicated test.
    PASSWORD_HASHERS = ["tsunagu.accounts.hashers.FastArgon2PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "tsunagu.accounts.validators.MaximumLengthValidator", "OPTIONS": {"max_length": 256}},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:dashboard"

AXES_FAILURE_LIMIT = env.int("TSUNAGU_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
# django-axes stores the failed request's form data; every secret field must be masked there.
AXES_SENSITIVE_PARAMETERS = ["password", "current_password", "new_password", "new_password_again", "token"]
# axes names a client in its log lines by username and address; ours name nobody (and the lines are
# reduced further in LOGGING, "sign_in_failures_counted").
AXES_CLIENT_STR_CALLABLE = "tsunagu.core.logging.axes_client_str"

OTP_TOTP_ISSUER = env.str("TSUNAGU_OTP_ISSUER", "tsunagu")

# The public HSDS API: requests per minute per client address (IPv6: per /64), docs/api.md.
TSUNAGU_API_RATE_LIMIT_PER_MINUTE = env.int("TSUNAGU_API_RATE_LIMIT_PER_MINUTE", 120, minimum=1)

# The portal's quick exit 「すぐに閉じる」 leaves for this neutral page (docs/portal.md, "Quick exit").
TSUNAGU_QUICK_EXIT_URL = env.str("TSUNAGU_QUICK_EXIT_URL", "https://www.jma.go.jp/bosai/forecast/")
if not TSUNAGU_QUICK_EXIT_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured("TSUNAGU_QUICK_EXIT_URL must be an http(s) address")

# The consultation intake: new anonymous web chats per client address per hour; how long personal
# details are kept after the last contact before they are erased (docs/consultations.md, "Retention").
TSUNAGU_CHAT_STARTS_PER_HOUR = env.int("TSUNAGU_CHAT_STARTS_PER_HOUR", 5, minimum=1)
# A warm transfer nobody joins within this time alerts the supervisors and tells the first counsellor.
TSUNAGU_HANDOVER_TIMEOUT_SECONDS = env.int("TSUNAGU_HANDOVER_TIMEOUT_SECONDS", 60, minimum=10, maximum=900)
TSUNAGU_CONSULTATION_RETENTION_DAYS = env.int("TSUNAGU_CONSULTATION_RETENTION_DAYS", 3 * 365, minimum=30)
# Refused calls of a machine endpoint (CTI, LINE), failed sign-ins, refused chat starts:
# counted per source and hour; a machine endpoint answers 429 without checking anything past this
# many a minute (tsunagu/audit/aggregate.py).
TSUNAGU_MACHINE_REFUSALS_PER_MINUTE = env.int("TSUNAGU_MACHINE_REFUSALS_PER_MINUTE", 10, minimum=1)
# Alerts (docs/consultations.md, "Alerts"): an alert no supervisor acknowledges within this many
# minutes goes by e-mail and SMS to the desk's escalation list (`manage.py escalate_alerts`, run
# every minute). SMS go through the backend named here (tsunagu/core/sms.py; the file backend
# writes one file per message into TSUNAGU_SMS_FILE_PATH).
TSUNAGU_ALERT_ESCALATE_AFTER_MINUTES = env.int("TSUNAGU_ALERT_ESCALATE_AFTER_MINUTES", 3, minimum=1, maximum=120)
TSUNAGU_SMS_BACKEND = env.str("TSUNAGU_SMS_BACKEND", "tsunagu.core.sms.ConsoleBackend")
TSUNAGU_SMS_FILE_PATH = env.str("TSUNAGU_SMS_FILE_PATH", str(VAR_DIR / "sms"))

# Referrals (docs/referrals.md): the recipient should answer within this many business days; the
# recipient's supervisors are alerted this many business days after that; a consent is valid for
# this many days unless staff choose otherwise; provision records are kept this many years (APPI's
# rules: at least three); the address that links in notification e-mails start with.
TSUNAGU_REFERRAL_RESPOND_DAYS = env.int("TSUNAGU_REFERRAL_RESPOND_DAYS", 3, minimum=1, maximum=30)
TSUNAGU_REFERRAL_ESCALATE_DAYS = env.int("TSUNAGU_REFERRAL_ESCALATE_DAYS", 2, minimum=1, maximum=30)
TSUNAGU_CONSENT_DAYS = env.int("TSUNAGU_CONSENT_DAYS", 180, minimum=1, maximum=3 * 365)
TSUNAGU_PROVISION_KEEP_YEARS = env.int("TSUNAGU_PROVISION_KEEP_YEARS", 3, minimum=3, maximum=30)
TSUNAGU_BASE_URL = env.str("TSUNAGU_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
if not TSUNAGU_BASE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured("TSUNAGU_BASE_URL must be an http(s) address")

# LINE Messaging API (docs/consultations.md, "LINE"): the webhook is off until both are set.
LINE_CHANNEL_SECRET = env.secret("LINE_CHANNEL_SECRET") or ""
LINE_CHANNEL_ACCESS_TOKEN = env.secret("LINE_CHANNEL_ACCESS_TOKEN") or ""
LINE_API_BASE = env.str("LINE_API_BASE", "https://api.line.me")

# Sessions: server-side, 30-minute idle and 12-hour absolute limits (security.md, 7.3.1/7.3.2).
# The database store, refusing a cookie that cannot be a session key (tsunagu/core/sessions.py).
SESSION_ENGINE = "tsunagu.core.sessions"
TSUNAGU_SESSION_IDLE_SECONDS = env.int("TSUNAGU_SESSION_IDLE_MINUTES", 30, minimum=1, maximum=120) * 60
TSUNAGU_SESSION_ABSOLUTE_SECONDS = env.int("TSUNAGU_SESSION_ABSOLUTE_HOURS", 12, minimum=1, maximum=24) * 3600
TSUNAGU_REAUTH_SECONDS = env.int("TSUNAGU_REAUTH_MINUTES", 5, minimum=1, maximum=30) * 60
SESSION_COOKIE_AGE = TSUNAGU_SESSION_ABSOLUTE_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True

# Headers (security.md, "Browser and configuration").
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    },
}
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}

if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("TSUNAGU_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("TSUNAGU_BEHIND_PROXY", True) else None
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# Internationalisation: Japanese by default, full English.
LANGUAGE_CODE = "ja"
# The portal is offered in all of these (URL prefixes, docs/portal.md); "ja-easy" is やさしい日本語,
# whose catalog overrides some Japanese strings and otherwise falls back to Japanese.
LANGUAGES = [
    ("ja", _("Japanese")),
    ("ja-easy", _("Easy Japanese")),
    ("en", _("English")),
    ("zh-hans", _("Simplified Chinese")),
    ("ko", _("Korean")),
    ("vi", _("Vietnamese")),
    ("pt-br", _("Brazilian Portuguese")),
]
#: The staff pages are translated into these (the language menu in templates/base.html).
STAFF_LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Tokyo"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# Notification e-mails (docs/referrals.md): they carry only a link. The console backend prints them
# in development; production sets an SMTP server.
EMAIL_BACKEND = env.str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("TSUNAGU_EMAIL_HOST", "localhost")
EMAIL_PORT = env.int("TSUNAGU_EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env.str("TSUNAGU_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env.secret("TSUNAGU_EMAIL_PASSWORD") or ""
EMAIL_USE_TLS = env.bool("TSUNAGU_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = env.str("TSUNAGU_EMAIL_FROM", "tsunagu@localhost")

# Logs carry the request id, never personal data (security.md, 16.2.5). A refusal (any 4xx, a bad
# Host, a CSRF failure, a body too large) is one INFO line without a traceback and without what the
# client sent; a failed sign-in one INFO line without username or address; the development server's
# access lines keep no query values; a 500 keeps its traceback at ERROR (docs/operations.md, "Health
# and logs"). Django's own loggers follow the same level (Django sets "django" to INFO, with handlers
# of its own that print only under DEBUG, twice). A filter on a logger sees only that logger's own
# records, so each django.security.<check> logger (one per SuspiciousOperation) is named.
_REFUSAL_LOGGERS = ["django.request", "django.security.csrf"] + [
    f"django.security.{check}"
    for check in (
        "SuspiciousOperation",
        "DisallowedHost",
        "DisallowedRedirect",
        "RequestDataTooBig",
        "TooManyFieldsSent",
        "TooManyFilesSent",
        "SuspiciousMultipartForm",
        "SuspiciousFileOperation",
        "SuspiciousSession",
        "InvalidSessionKey",
        "DisallowedModelAdminLookup",
        "DisallowedModelAdminToField",
    )
]
_LOG_LEVEL = env.str("TSUNAGU_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "tsunagu.core.logging.RequestIdFilter"},
        "refusals_as_info": {"()": "tsunagu.core.logging.RefusalsAsInfo"},
        "sign_in_failures_counted": {"()": "tsunagu.core.logging.SignInFailuresCounted"},
        "access_line_without_values": {"()": "tsunagu.core.logging.AccessLineWithoutValues"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": "plain"},
    },
    "loggers": {
        "django": {"level": _LOG_LEVEL, "handlers": [], "propagate": True},
        **{name: {"filters": ["refusals_as_info"]} for name in _REFUSAL_LOGGERS},
        "axes.handlers.database": {"filters": ["sign_in_failures_counted"]},
        "django.channels.server": {"filters": ["access_line_without_values"]},
        # Django's default gives django.server a handler of its own and no propagation: ours instead.
        "django.server": {"filters": ["access_line_without_values"], "handlers": [], "propagate": True},
    },
    "root": {"handlers": ["console"], "level": _LOG_LEVEL},
}
