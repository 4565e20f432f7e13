"""Settings for bksbmis, read from the environment (see .env.example).

DEBUG is off unless DEBUG=True is set (as `make demo`, bin/demo and the tests do).
With DEBUG on and nothing else set, the project runs on embedded defaults: an
SQLite file and kombu's filesystem broker under ./var, a generated SECRET_KEY and
encryption key stored there, and email written to files in ./var/mail. With DEBUG
off, SECRET_KEY, BKSB_ENCRYPTION_KEY and ALLOWED_HOSTS have no defaults.
"""

import os
from pathlib import Path

import django_stubs_ext
import environ
from kombu import Queue

from bksbmis.local_keys import local_key
from bksbmis.private_files import PRIVATE_UMASK, private_file

# Django's generic classes take type parameters at run time (ModelForm[Learner]), as mypy --strict asks.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))
# What is written under VAR_DIR holds personal data or sign-in links (evidence zips,
# mail, the filesystem broker's messages, uploads): every process that loads these
# settings (web, worker, commands) creates files 0600 and folders 0700, whatever
# writes them (kombu's broker opens its files itself). PRIVATE_UMASK=False leaves the umask alone.
if env.bool("PRIVATE_UMASK", default=True):
    os.umask(PRIVATE_UMASK)
VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# Off unless asked for: the debug page shows every local variable, secrets included.
DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="") or local_key(VAR_DIR / "secret_key", "django")
    # Fernet key that encrypts bksb secrets at rest (see bksb_integration.models.encryption).
    BKSB_ENCRYPTION_KEY = env("BKSB_ENCRYPTION_KEY", default="") or local_key(VAR_DIR / "encryption_key", "fernet")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
else:
    SECRET_KEY = env("SECRET_KEY")
    BKSB_ENCRYPTION_KEY = env("BKSB_ENCRYPTION_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

# Earlier encryption keys, comma-separated: they still decrypt (never encrypt) while
# `manage.py bksb_rotate_key` re-encrypts what is stored with BKSB_ENCRYPTION_KEY.
BKSB_ENCRYPTION_OLD_KEYS = env.list("BKSB_ENCRYPTION_OLD_KEYS", default=[])

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_celery_beat",
    "bksbmis.apps.ProjectConfig",
    "jobs",
    "learners",
    "permissions",
    "bksb_integration",
    "privacy",
    "hub",
    "ops",
    "signin",
]

MIDDLEWARE = [
    # /health/live, /health/ready and /metrics: answered before host checks, HTTPS redirects and sessions.
    "ops.middleware.OpsEndpointsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "signin.middleware.SecondFactorMiddleware",
    # A record's pages (learners/<pk>/...) answer 404 outside a restricted person's caseload.
    "learners.middleware.CaseloadMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "bksbmis.session_limits.SessionLimitsMiddleware",
    "bksbmis.middleware.PrivateCacheMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "bksbmis.middleware.VaryOnHtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bksbmis.urls"
WSGI_APPLICATION = "bksbmis.wsgi.application"

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
                "permissions.context_processors.access_flags",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    _sqlite_file = str(DATABASES["default"]["NAME"])
    if _sqlite_file and _sqlite_file != ":memory:" and not _sqlite_file.startswith("file:"):
        # Learner records and encrypted secrets: made 0600 before SQLite creates it
        # (its -wal and -shm files take the same mode).
        private_file(Path(_sqlite_file))
    # Several processes (web, worker, beat) share the file: wait for locks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    # The bksb tables' descriptions are comments PostgreSQL keeps; SQLite has none, and Django skips them there.
    SILENCED_SYSTEM_CHECKS = ["fields.W163", "models.W046"]
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A database that stopped answering fails /health/ready in seconds, not minutes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    # No JIT compilation: it pays off for long analytical queries, not a page's. Reports over 100,000 learners spent
    # 2-3 s compiling each of its counts (of 0.3-0.8 s running them); a URL's own options= still wins.
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Passwords, refused to all but the break-glass accounts when LOCAL_PASSWORDS is off.
    "signin.backends.LocalPasswordBackend",
    # The college's OpenID Connect provider (Microsoft Entra ID or any other), when OIDC_ISSUER is set.
    "signin.backends.ProviderBackend",
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

# -- Sign-in with the college's account (OpenID Connect) and the second factor (see README) --
# The provider: its issuer (discovery reads ISSUER/.well-known/openid-configuration), and this
# app's registration there. Sign-in with the provider is offered only when all three are set.
OIDC_ISSUER = env("OIDC_ISSUER", default="").rstrip("/")
OIDC_RP_CLIENT_ID = env("OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env("OIDC_CLIENT_SECRET", default="")
OIDC_PROVIDER_NAME = env("OIDC_PROVIDER_NAME", default="Microsoft")
OIDC_RP_SIGN_ALGO = env("OIDC_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env("OIDC_SCOPES", default="openid profile email")
# Which claim carries the groups mapped to permission groups (Entra: "groups", or "roles" for app roles),
# and which one names the account.
OIDC_GROUPS_CLAIM = env("OIDC_GROUPS_CLAIM", default="groups")
OIDC_USERNAME_CLAIM = env("OIDC_USERNAME_CLAIM", default="preferred_username")
# A first sign-in takes over a local account of the same username (never a superuser's or a
# break-glass account) instead of being refused; off unless asked for.
OIDC_LINK_EXISTING_ACCOUNTS = env.bool("OIDC_LINK_EXISTING_ACCOUNTS", default=False)
# Learners may sign in to the Hub with the provider too, matched to their web user by this claim.
OIDC_HUB_SIGN_IN = env.bool("OIDC_HUB_SIGN_IN", default=False)
OIDC_HUB_MATCH_CLAIM = env("OIDC_HUB_MATCH_CLAIM", default="email")
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_STORE_ID_TOKEN = False  # the provider's sign-out is offered with client_id: no token is kept
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT_SECONDS", default=10)
OIDC_AUTHENTICATION_CALLBACK_URL = "signin:callback"
# Clock skew allowed when checking the ID token's expiry and issue time, in seconds.
OIDC_LEEWAY_SECONDS = env.int("OIDC_LEEWAY_SECONDS", default=60)
# Off: staff sign in with the provider only, except these named break-glass accounts.
LOCAL_PASSWORDS = env.bool("LOCAL_PASSWORDS", default=True)
BREAK_GLASS_ACCOUNTS = env.list("BREAK_GLASS_ACCOUNTS", default=[])
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="bksbmis")

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
# Lock a username from one address, not a whole address: a college behind NAT or
# a proxy shares one IP, and anyone could otherwise lock out everyone.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Behind a reverse proxy, set AXES_PROXY_COUNT to the number of proxies so that
# the client's own address is read from X-Forwarded-For.
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0) or None
if AXES_IPWARE_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

EMAIL_URL = env("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
else:
    # A demo and development default only: with DEBUG off a system check (bksbmis.E001)
    # refuses to start without EMAIL_URL. Each message is a file, 0600, in a 0700 folder.
    EMAIL_BACKEND = "bksbmis.mail.PrivateFileEmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="bksbmis <noreply@localhost>")

# Celery: Redis when REDIS_URL (or CELERY_BROKER_URL) is set; otherwise kombu's
# filesystem transport so that the embedded default needs nothing else running.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # Every folder under VAR_DIR: kombu's defaults (./control, ./data_in, ...) are
    # relative to whatever directory a process was started in.
    _broker_dir = VAR_DIR / "celery" / "broker"
    _control_dir = VAR_DIR / "celery" / "control"
    for _folder in (_broker_dir / "processed", _control_dir):
        _folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_control_dir),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Two queues, both consumed by a plain worker: the default one, and "bksb_now" for a person waiting on a
# BKSB Results click (bksb_integration/sync/queue.py), which a small worker of its own also consumes
# (`celery -A bksbmis worker -Q bksb_now`), so it never waits behind a long run's messages.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (Queue("celery"), Queue("bksb_now"))
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Get Results spends most of a learner's time waiting on bksb, so a worker runs
# many threads in one process: a plain `celery -A bksbmis worker` gets this pool
# and concurrency without flags (the flags, or these variables, override them).
CELERY_WORKER_POOL = env("CELERY_WORKER_POOL", default="threads")
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=12)
# Background work (jobs and downloads): a worker silent for this long is presumed dead,
# and the sweeper (every minute) gives its work to another (jobs/lease.py).
WORK_STALE_AFTER_SECONDS = env.int("WORK_STALE_AFTER_SECONDS", default=120)
# Rows an import writes per transaction (learners/importing.py): what a killed worker can lose at most.
LEARNERS_IMPORT_CHUNK_ROWS = env.int("LEARNERS_IMPORT_CHUNK_ROWS", default=5000)

# Deployment-level switch: providers who have not taken up the bksb module
# do not see it at all.
BKSB_INTEGRATION_AVAILABLE = env.bool("BKSB_INTEGRATION_AVAILABLE", default=True)

# Caseloads: staff holding "Own caseload only" (Edit Permissions) see only the records of their
# tutor groups (Tools > Caseloads) and those whose tutor column names them. Off: everyone with
# View learners sees every record.
CASELOADS_ENABLED = env.bool("CASELOADS_ENABLED", default=False)

# Evidence packs from the learner list: at most this many records per zip (more is
# `manage.py bksb_evidence_packs`), and a zip job starts (and goes on) only while the
# disk under VAR_DIR keeps this much free beside the zip's estimated size.
EVIDENCE_ZIP_MAX_RECORDS = env.int("EVIDENCE_ZIP_MAX_RECORDS", default=2000)
EVIDENCE_MIN_FREE_MB = env.int("EVIDENCE_MIN_FREE_MB", default=500)
# Match in bksb and Create bksb users for a selection on the learner list (or the Unmatched
# report): at most this many records per job from a screen; more is `bksb_match --all` or
# `bksb_create_user --all-unlinked`. Each person has one unfinished job of each kind.
BKSB_SELECTION_MAX_RECORDS = env.int("BKSB_SELECTION_MAX_RECORDS", default=10000)
# Management > BKSB > ILR cross-check checks up to this many records on the page; a larger cohort's report is
# made by a job (its CSV), so no web request checks more.
CROSSCHECK_INLINE_MAX = env.int("CROSSCHECK_INLINE_MAX", default=2000)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Staff share computers: a session ends after this long without a request, and in any case this
# long after signing in (bksbmis/session_limits.py). The cookie lasts no longer than the session.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_ABSOLUTE_LIFETIME = env.int("SESSION_ABSOLUTE_HOURS", default=10) * 3600
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_LIFETIME
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# X-Forwarded-Proto is believed only when a proxy in front sets it on every request (and drops a
# client's own): otherwise any client reaching the app directly could claim HTTPS.
PROXY_SETS_X_FORWARDED_PROTO = env.bool("PROXY_SETS_X_FORWARDED_PROTO", default=False)
if PROXY_SETS_X_FORWARDED_PROTO:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The BKSB API url may not resolve to a loopback, link-local or private address (the Secret Access
# Key would be sent inside the network), unless this says so: the demo's and the tests' sandbox.
BKSB_ALLOW_PRIVATE_API_URL = env.bool("BKSB_ALLOW_PRIVATE_API_URL", default=False)

# /metrics: with a token, only `Authorization: Bearer <token>`; without, only these networks.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"])
# Counters and heartbeats shared by web, workers and beat live under this name (ops/state.py).
OPS_STATE_PREFIX = env("OPS_STATE_PREFIX", default="bksbmis-ops")
CELERY_BEAT_SCHEDULE = {
    # Beat's and the workers' heartbeats for /health/ready (ops/heartbeat.py).
    "ops: heartbeat": {"task": "ops.tasks.heartbeat", "schedule": 10.0},  # ops.heartbeat.BEAT_EVERY
}

SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    from ops.sentry import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        release=env("SENTRY_RELEASE", default=""),
    )

# The accessibility statement (/accessibility/): who publishes it and how to reach them. The college
# fills these in; until it does, the page shows each one as a placeholder saying so.
ACCESSIBILITY_ORGANISATION = env("ACCESSIBILITY_ORGANISATION", default="")
ACCESSIBILITY_CONTACT_EMAIL = env("ACCESSIBILITY_CONTACT_EMAIL", default="")
ACCESSIBILITY_CONTACT_PHONE = env("ACCESSIBILITY_CONTACT_PHONE", default="")
ACCESSIBILITY_RESPONSE_DAYS = env.int("ACCESSIBILITY_RESPONSE_DAYS", default=10)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "ops.logs.JsonFormatter"},
    },
    "filters": {
        "refusals_without_traceback": {"()": "bksbmis.log_filters.RefusalsWithoutTraceback"},
        "log_context": {"()": "ops.logs.ContextFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            # LOG_FORMAT=json: one JSON object a line, with the run and learner ids (ops/logs.py).
            "formatter": "json" if env("LOG_FORMAT", default="plain") == "json" else "plain",
            "filters": ["refusals_without_traceback", "log_context"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own console handler would print each of its records a second time beside the root's.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        # django-axes logs its version at every start, which every management command then
        # prints; its log of failed logins and lockouts (axes.handlers) is kept.
        "axes.apps": {"level": "WARNING"},
    },
}
