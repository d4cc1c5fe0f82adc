"""Settings, read from the environment.

Nothing set: SQLite in the project folder, Celery tasks run in-process, DEBUG on.
DATABASE_URL / CELERY_BROKER_URL / SECRET_KEY set: PostgreSQL, a Redis broker,
production security settings. A bad value stops start-up with a message naming it.
"""

import shutil
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from .env import env_bool, env_decimal, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# --- Core -----------------------------------------------------------------
SECRET_KEY = env_str("SECRET_KEY")
DEBUG = env_bool("DEBUG", default=SECRET_KEY is None)
if SECRET_KEY is None:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off (comma-separated).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "guardian",
    "markdownx",
    "axes",
    "playbook",
    "metrics",
    "revops_portal.notifications",
    "revops_portal.profiles",
    "revops_portal.kept",
]

MIDDLEWARE = [
    # GET /healthz answers "ok" before host checks and the HTTPS redirect (container checks).
    "revops_portal.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The page's language: the person's choice, the cookie, Accept-Language, LANGUAGE_CODE.
    "revops_portal.profiles.languages.ProfileLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs login unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
    # Single sign-on sessions go back to the provider every OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS.
    "revops_portal.sso.SSOSessionRefresh",
]

ROOT_URLCONF = "revops_portal.urls"
WSGI_APPLICATION = "revops_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # Every template's |date and |time writes locale formats in the reader's digits.
            "builtins": ["revops_portal.templatetags.local_dates"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "revops_portal.sso.login_options",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    try:
        # Health checks: a connection the database dropped (a restart) is replaced before the
        # request uses it, so the portal recovers by itself without a 503 per stale connection.
        DATABASES = {
            "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
        }
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "revops.sqlite3")),
            # A web process and a worker writing together wait instead of failing
            # with "database is locked".
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -------------------------------------------------------------------
# Axes first: it refuses a locked-out user name before the password is tried. The OIDC backend
# answers only the /oidc/callback/ request (it needs a code and a state), never a password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "revops_portal.sso.PasswordBackend",
    "revops_portal.sso.OIDCBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# No anonymous guardian user: every page needs login.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = True

# Login lockout (revops_portal.login_protection): AXES_FAILURE_LIMIT failures for one user name
# from one client address lock that pair for the cool-off. Counting by address alone let five
# made-up names lock out an office; by name alone, anyone could lock a person out.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True  # the page's "try again after" relies on it
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The client address: REMOTE_ADDR, or with TRUSTED_PROXY_COUNT reverse proxies in front (each
# appending to X-Forwarded-For), the address the outermost one saw. 0: the header is ignored.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "revops_portal.login_protection.client_address"
AXES_LOCKOUT_CALLABLE = "revops_portal.login_protection.locked_out_response"
AXES_VERBOSE = False
AXES_WHITELIST_CALLABLE = "revops_portal.sso.is_sso_callback"  # SSO failures are not counted

# --- Single sign-on (OpenID Connect, revops_portal/sso.py) ------------------------------------
# Off unless OIDC_RP_CLIENT_ID is set; then the endpoints below are required (the provider's
# discovery document, <issuer>/.well-known/openid-configuration, lists them).
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID")
OIDC_ENABLED = OIDC_RP_CLIENT_ID is not None
OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET")
OIDC_OP_ISSUER = env_str("OIDC_OP_ISSUER")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT")  # optional: claims beyond the ID token
OIDC_OP_LOGOUT_ENDPOINT = env_str("OIDC_OP_LOGOUT_ENDPOINT")  # optional: end_session_endpoint
if OIDC_ENABLED:
    _missing = [
        name
        for name, value in {
            "OIDC_RP_CLIENT_SECRET": OIDC_RP_CLIENT_SECRET,
            "OIDC_OP_ISSUER": OIDC_OP_ISSUER,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": OIDC_OP_AUTHORIZATION_ENDPOINT,
            "OIDC_OP_TOKEN_ENDPOINT": OIDC_OP_TOKEN_ENDPOINT,
            "OIDC_OP_JWKS_ENDPOINT": OIDC_OP_JWKS_ENDPOINT,
        }.items()
        if value is None
    ]
    if _missing:
        raise ImproperlyConfigured(f"OIDC_RP_CLIENT_ID is set: also set {', '.join(_missing)}.")
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME", "your company account")
OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid email profile")
OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO", "RS256")
if not OIDC_RP_SIGN_ALGO.startswith(("RS", "ES", "PS")):
    raise ImproperlyConfigured(
        f"OIDC_RP_SIGN_ALGO must be an RSA or EC algorithm such as RS256 (got {OIDC_RP_SIGN_ALGO!r})."
    )
OIDC_GROUPS_CLAIM = env_str("OIDC_GROUPS_CLAIM", "groups")
# provider group=portal role, comma-separated; roles: admin, revops-manager, champion, staff,
# reader, group:<Django group> (a section-owner team). Applied at every login.
OIDC_GROUP_ROLES: dict[str, str] = {}
for _pair in env_list("OIDC_GROUP_ROLES", []):
    _group, _, _role = (part.strip() for part in _pair.partition("="))
    if (
        not _group
        or not _role
        or not (
            _role in {"admin", "revops-manager", "champion", "staff", "reader"}
            or (_role.startswith("group:") and len(_role) > len("group:"))
        )
    ):
        raise ImproperlyConfigured(
            f"OIDC_GROUP_ROLES: {_pair!r} is not provider-group=role with role one of admin, "
            "revops-manager, champion, staff, reader, group:<name>."
        )
    OIDC_GROUP_ROLES[_group] = _role
# A user none of whose groups is mapped: "reader" (reads everything) or "deny" (no access).
# true: a token without an email_verified claim counts as verified (Entra ID sends none for
# the tenant's own addresses); an explicit false is still refused.
OIDC_TRUST_PROVIDER_EMAILS = env_bool("OIDC_TRUST_PROVIDER_EMAILS", False)
OIDC_UNMAPPED_USERS = env_str("OIDC_UNMAPPED_USERS", "deny")
if OIDC_UNMAPPED_USERS not in {"reader", "deny"}:
    raise ImproperlyConfigured(
        f"OIDC_UNMAPPED_USERS must be reader or deny (got {OIDC_UNMAPPED_USERS!r})."
    )
# false: only OIDC_BREAK_GLASS_USERNAME (a superuser) may log in with a password.
OIDC_PASSWORD_LOGIN = env_bool("OIDC_PASSWORD_LOGIN", True)
OIDC_BREAK_GLASS_USERNAME = env_str("OIDC_BREAK_GLASS_USERNAME")
# The callback the provider sends the browser back to: registered there, never taken from Host.
OIDC_REDIRECT_URI = env_str("OIDC_REDIRECT_URI", SITE_URL.rstrip("/") + "/oidc/callback/")
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_STORE_ID_TOKEN = True  # the id_token_hint of the provider's logout
OIDC_CREATE_USER = True
OIDC_USERNAME_ALGO = "revops_portal.sso.username_for"
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT_SECONDS", 10, minimum=1)
OIDC_CLOCK_LEEWAY_SECONDS = 30
# An SSO session is re-checked with the provider this often (a leaver is refused there).
OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS = env_int("OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS", 900, minimum=60)
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/?sso=failed"

# --- Internationalisation ---------------------------------------------------
# The languages the portal is offered in (each person chooses; Persian is right-to-left).
LANGUAGES = [
    ("en", "English"),
    ("pl", "Polski"),
    ("ro", "Română"),
    ("ru", "Русский"),
    ("fa", "فارسی"),
]
# The site's default, for people who chose none and browsers that ask for none of LANGUAGES.
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en")
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(
        f"LANGUAGE_CODE={LANGUAGE_CODE!r} is not one of {', '.join(dict(LANGUAGES))}."
    )
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ----------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# MEDIA_ROOT holds what /media/ may serve (playbook images, by name: playbook.views.media).
# PRIVATE_ROOT holds what no URL serves (uploaded CRM files); it is the default storage, so a
# file saved without a thought is private. Neither folder may contain the other.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media"))).resolve()
PRIVATE_ROOT = Path(env_str("PRIVATE_ROOT", str(BASE_DIR / "private"))).resolve()
if PRIVATE_ROOT.is_relative_to(MEDIA_ROOT) or MEDIA_ROOT.is_relative_to(PRIVATE_ROOT):
    raise ImproperlyConfigured(
        f"PRIVATE_ROOT ({PRIVATE_ROOT}) and MEDIA_ROOT ({MEDIA_ROOT}) must be separate folders."
    )
STORAGES = {
    "default": {"BACKEND": "revops_portal.storage.PrivateFileStorage"},
    "playbook_images": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
# Images with more pixels are refused from their header, before decoding (WEBP: a quarter of
# it). JPEGs decode at reduced scale; a PNG decodes whole: at 40 megapixels an upload peaks at
# ~370 MB (RGBA PNG), ~150 MB (progressive JPEG), ~150 MB (WEBP at 10 MP), measured.
UPLOAD_MAX_PIXELS = env_int("UPLOAD_MAX_PIXELS", 40_000_000, minimum=1_000_000)
CSV_UPLOAD_MAX_BYTES = env_int("CSV_UPLOAD_MAX_BYTES", 50 * 1024 * 1024, minimum=1024)
# Files of the content-asset library (/playbook/assets/): PDFs, office documents, images.
ASSET_UPLOAD_MAX_BYTES = env_int("ASSET_UPLOAD_MAX_BYTES", 25 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Markdown ---------------------------------------------------------------
# django-markdownx does not sanitise: point it at our sanitising renderer.
MARKDOWNX_MARKDOWNIFY_FUNCTION = "playbook.markdown.render_markdown"
MARKDOWNX_IMAGE_MAX_SIZE = {"size": (2000, 2000), "quality": 90}
MARKDOWNX_UPLOAD_MAX_SIZE = UPLOAD_MAX_BYTES
MARKDOWNX_UPLOAD_CONTENT_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"]
MARKDOWN_PREVIEW_MAX_CHARS = env_int("MARKDOWN_PREVIEW_MAX_CHARS", 200_000, minimum=1000)
# The PDF export draws Mermaid diagrams in headless Chromium (WeasyPrint runs no JavaScript);
# without it the PDF shows a diagram's source.
PDF_CHROMIUM_PATH = env_str(
    "PDF_CHROMIUM_PATH", shutil.which("chromium") or shutil.which("chromium-browser") or ""
)

# --- Security ---------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    # Inline <style> only with the nonce: Mermaid diagrams' styles (static/js/diagrams.js).
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    # The logout form's redirect to the provider's end-session endpoint is a form action too.
    "form-action": [CSP.SELF]
    + (
        ["{0.scheme}://{0.netloc}".format(urlsplit(OIDC_OP_LOGOUT_ENDPOINT))]
        if OIDC_ENABLED and OIDC_OP_LOGOUT_ENDPOINT
        else []
    ),
    "frame-ancestors": [CSP.NONE],
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env_bool("TRUST_X_FORWARDED_PROTO", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Celery -----------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
# No broker configured: run tasks in-process, so a new user needs nothing but Python.
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
if CELERY_BROKER_URL is None:
    CELERY_BROKER_URL = "memory://"
# No broker: true runs those tasks on a background thread of the process that queued them,
# so an import or a recomputation answers at once (one process: runserver, bin/demo);
# false runs them inline before the request answers (the test suite sets it so).
EMBEDDED_WORKER = env_bool("EMBEDDED_WORKER", True)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 25 * 60, minimum=10)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60, minimum=10)
# Redis redelivers an unacknowledged task after the visibility timeout: it must
# exceed the longest task time limit, or a running task is delivered twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + 600,
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
}
# With the broker down, delay() gives up quickly so the request still answers.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# Metrics (engine): recompute every night; every 5 minutes re-send runs the broker missed.
CELERY_BEAT_SCHEDULE: dict = {
    "metrics-nightly-recompute": {
        "task": "metrics.tasks.nightly_recompute",
        "schedule": crontab(hour=2, minute=30),
    },
    "metrics-sweep-runs": {"task": "metrics.tasks.sweep_runs", "schedule": 300.0},
    # The weekly review e-mail, Monday mornings after the nightly recompute.
    "metrics-weekly-review-email": {
        "task": "metrics.tasks.send_weekly_review_email",
        "schedule": crontab(hour=7, minute=30, day_of_week=1),
    },
    # Playbook: chase sections due or overdue for review, Monday mornings.
    "playbook-review-reminders": {
        "task": "playbook.tasks.send_review_reminders_task",
        "schedule": crontab(hour=7, minute=0, day_of_week=1),
    },
    # Playbook: sections of deactivated owners fall back to a champion; freshness for the trend.
    "playbook-release-inactive-owners": {
        "task": "playbook.tasks.release_sections_of_inactive_owners_task",
        "schedule": crontab(hour=6, minute=15),
    },
    "playbook-record-freshness": {
        "task": "playbook.tasks.record_freshness_task",
        "schedule": crontab(hour=6, minute=30),
    },
    # Notifications: the daily digest, and instant ones the broker never got.
    "notifications-daily-digest": {
        "task": "revops_portal.notifications.tasks.send_daily_digests",
        "schedule": crontab(hour=7, minute=30),
    },
    "notifications-send-again-unsent": {
        "task": "revops_portal.notifications.tasks.send_again_unsent",
        "schedule": 300.0,
    },
}

# --- Cache -----------------------------------------------------------------
# Kept HTML and reads (revops_portal/kept/) live here. CACHE_URL set (redis:// or rediss://,
# e.g. the broker's Redis on another database number: a cache is cleared with FLUSHDB):
# Redis, shared by every gunicorn worker and Celery process, so a fragment is rendered once
# for all of them. Not set: each process keeps its own in memory (the embedded mode).
CACHE_URL = env_str("CACHE_URL")
if CACHE_URL is None:
    # Pages are kept per reader and per drill-down cursor: more room than Django's 300 entries.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    }
elif urlsplit(CACHE_URL).scheme not in ("redis", "rediss"):
    raise ImproperlyConfigured("CACHE_URL must be a redis:// or rediss:// URL.")
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "revops",
        }
    }

# --- E-mail (review reminders) -----------------------------------------------
# Development without EMAIL_HOST: e-mails are printed to the console, or written one file each
# into EMAIL_FILE_PATH if set (bin/demo does, so seeding's notifications don't flood the
# terminal and people can read what the portal sent). Otherwise SMTP.
_email_host = env_str("EMAIL_HOST")
_email_folder = env_str("EMAIL_FILE_PATH")
_development_mailer = (
    {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": _email_folder},
    }
    if _email_folder
    else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
)
MAILERS = {
    "default": _development_mailer
    if DEBUG and not _email_host
    else {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": _email_host or "localhost",
            "port": env_int("EMAIL_PORT", 587 if _email_host else 25, minimum=1),
            "username": env_str("EMAIL_HOST_USER", ""),
            "password": env_str("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS", bool(_email_host)),
        },
    }
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "RevOps Portal <revops-portal@localhost>")

# --- Notifications (revops_portal/notifications) -------------------------------
# Users' chat webhooks may point only at these hosts (https; fnmatch patterns), or at loopback.
NOTIFICATION_WEBHOOK_HOSTS = env_list(
    "NOTIFICATION_WEBHOOK_HOSTS", ["hooks.slack.com", "*.webhook.office.com"]
)
NOTIFICATION_WEBHOOK_TIMEOUT_SECONDS = env_decimal("NOTIFICATION_WEBHOOK_TIMEOUT_SECONDS", "5")
if not (0 < NOTIFICATION_WEBHOOK_TIMEOUT_SECONDS <= 60):
    raise ImproperlyConfigured(
        "NOTIFICATION_WEBHOOK_TIMEOUT_SECONDS must be above 0 and at most 60."
    )
NOTIFICATION_WEBHOOK_TIMEOUT_SECONDS = float(NOTIFICATION_WEBHOOK_TIMEOUT_SECONDS)
NOTIFICATION_RETRIES = env_int("NOTIFICATION_RETRIES", 3, minimum=0)
# The first retry waits this long, each next one twice as long (at most 10 minutes).
NOTIFICATION_RETRY_BACKOFF_SECONDS = env_decimal("NOTIFICATION_RETRY_BACKOFF_SECONDS", "10")
if not (0 < NOTIFICATION_RETRY_BACKOFF_SECONDS <= 600):
    raise ImproperlyConfigured(
        "NOTIFICATION_RETRY_BACKOFF_SECONDS must be above 0 and at most 600."
    )
NOTIFICATION_RETRY_BACKOFF_SECONDS = float(NOTIFICATION_RETRY_BACKOFF_SECONDS)

# --- Metrics ----------------------------------------------------------------
METRICS_CURRENCY = env_str("METRICS_CURRENCY", "USD")
METRICS_GROSS_MARGIN = env_decimal("METRICS_GROSS_MARGIN", "1")
if not (0 < METRICS_GROSS_MARGIN <= 1):
    raise ImproperlyConfigured(
        f"METRICS_GROSS_MARGIN must be greater than 0 and at most 1 (got {METRICS_GROSS_MARGIN})."
    )
# Plausible record dates: anything outside [earliest, today + years ahead] is a row error on import,
# and bounds the periods a run computes and a page accepts (metrics.periods.plausible_range).
METRICS_EARLIEST_DATE = env_str("METRICS_EARLIEST_DATE", "1970-01-01")
METRICS_YEARS_AHEAD = env_int("METRICS_YEARS_AHEAD", 10, minimum=1)
try:
    _earliest = date.fromisoformat(METRICS_EARLIEST_DATE)
except ValueError:
    raise ImproperlyConfigured(
        f"METRICS_EARLIEST_DATE must be a date YYYY-MM-DD (got {METRICS_EARLIEST_DATE!r})."
    ) from None
if _earliest.year < 1900:
    raise ImproperlyConfigured("METRICS_EARLIEST_DATE must be in 1900 or later.")
# Data you can trust (metrics/freshness.py, metrics/quality.py): a record kind not imported for
# longer than this is stale, and the figures that use it say so.
METRICS_STALE_AFTER_DAYS = env_int("METRICS_STALE_AFTER_DAYS", 8, minimum=1)
# A won new-business deal whose account has no subscription this many days after the close is a
# data-quality finding (once subscriptions are imported).
METRICS_SUBSCRIPTION_WITHIN_DAYS = env_int("METRICS_SUBSCRIPTION_WITHIN_DAYS", 30, minimum=1)

# --- Logging ----------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- CRM sync (metrics/sync/) -------------------------------------------------------------------
# The Fernet key(s) that encrypt CRM connections' secrets; needed once a connection exists.
CRM_SECRETS_KEY = env_str("CRM_SECRETS_KEY", "")
# A failing request (429, 5xx, network) is retried this many times, backing off exponentially
# from CRM_SYNC_BACKOFF_SECONDS and honouring Retry-After (capped at CRM_SYNC_MAX_WAIT_SECONDS).
CRM_SYNC_RETRIES = env_int("CRM_SYNC_RETRIES", 4, minimum=0)
CRM_SYNC_BACKOFF_SECONDS = env_decimal("CRM_SYNC_BACKOFF_SECONDS", "1")
CRM_SYNC_MAX_WAIT_SECONDS = env_int("CRM_SYNC_MAX_WAIT_SECONDS", 120, minimum=0)
# Syncs that fail this many times in a row stop (no more scheduled runs) and e-mail the owner.
CRM_SYNC_MAX_FAILURES = env_int("CRM_SYNC_MAX_FAILURES", 3, minimum=1)
# Records per page read from the CRM (HubSpot's search API allows at most 100).
CRM_SYNC_PAGE_SIZE = env_int("CRM_SYNC_PAGE_SIZE", 100, minimum=1)
# HubSpot's search API allows 5 requests per second per account: the least time between two.
CRM_SYNC_MIN_REQUEST_INTERVAL = env_decimal("CRM_SYNC_MIN_REQUEST_INTERVAL", "0.25")
CRM_HUBSPOT_API_URL = env_str("CRM_HUBSPOT_API_URL", "https://api.hubapi.com")
CELERY_BEAT_SCHEDULE["metrics-crm-syncs"] = {
    "task": "metrics.tasks.queue_due_crm_syncs",
    "schedule": 300.0,  # every 5 minutes: each connection syncs on its own schedule (hourly)
}
