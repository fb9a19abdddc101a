"""Django settings, read from the environment (django-environ). See README.md for the table."""

import os
from datetime import timedelta
from pathlib import Path

import environ
import structlog
import structlog.tracebacks
from celery.schedules import crontab
from django.core.management.utils import get_random_secret_key
from django.utils.translation import gettext_lazy as _

from oasst.tree_manager import TreeManagerSettings

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
# A generated key is fine for a development run; a deployment must set its own.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise environ.ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = get_random_secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if not DEBUG else ["*"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.discord",
    "axes",
    "core",
    "accounts",
    "annotation",
    "toxicity",
    "moderation",
    "exports",
    "stats",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.DisabledUserLogoutMiddleware",
    # Last: turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "oasst.urls"
WSGI_APPLICATION = "oasst.wsgi.application"

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
                "django.template.context_processors.i18n",
                "accounts.context_processors.look_and_feel",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'oasst.sqlite3'}"),
}
# Persistent connections: opening a PostgreSQL connection per request costs a large share of an API request.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the background worker use the file at the same time.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("init_command", "PRAGMA journal_mode=WAL;")
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out login before any backend checks the password.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
SITE_ID = 1
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("de", _("German")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")

# Dataset files written by export jobs (exports.storage): a folder by default, an S3-compatible bucket when
# EXPORTS_S3_BUCKET is set (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, as boto3 reads them).
EXPORTS_S3_BUCKET = env.str("EXPORTS_S3_BUCKET", default="")
if EXPORTS_S3_BUCKET:
    STORAGES["exports"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": EXPORTS_S3_BUCKET,
            "location": env.str("EXPORTS_S3_PREFIX", default="exports"),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,  # "path" for some stores
            "default_acl": None,
            "file_overwrite": True,
            # Downloads are redirects to URLs signed for this many seconds.
            "querystring_expire": env.int("EXPORTS_S3_URL_SECONDS", default=600),
        },
    }
else:
    STORAGES["exports"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env.str("EXPORTS_ROOT", default=str(Path(MEDIA_ROOT) / "exports"))},
    }
# Where a file bound for a bucket is written before its upload (empty: the system's temporary folder).
EXPORTS_TEMP_DIR = env.str("EXPORTS_TEMP_DIR", default="") or None
# A finished export file is deleted this long after it was written (release files are kept).
EXPORT_FILE_TTL_HOURS = env.int("EXPORT_FILE_TTL_HOURS", default=7 * 24)
# Exports a user may have queued or running at once.
EXPORT_MAX_ACTIVE_JOBS = env.int("EXPORT_MAX_ACTIVE_JOBS", default=3)
# Runs of one job (a worker killed while running it is one) before it is given up as failed.
EXPORT_MAX_ATTEMPTS = env.int("EXPORT_MAX_ATTEMPTS", default=5)

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@localhost")

REDIS_URL = env.str("REDIS_URL", default="")
# Seconds Redis has to connect and to answer before it counts as down: a cache miss, a job left to its sweep.
REDIS_TIMEOUTS = dict.fromkeys(("socket_connect_timeout", "socket_timeout"), env.float("REDIS_TIMEOUT", default=2))
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": REDIS_URL, "OPTIONS": REDIS_TIMEOUTS}}
else:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.FileBasedCache",
            "LOCATION": VAR_DIR / "cache",
        }
    }

# Celery: Redis when REDIS_URL is set; otherwise a broker in local folders, so that `make run`
# still runs background jobs (worker and beat) with nothing else installed.
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    # A job taken by a worker that dies before acknowledging it (the export jobs acknowledge late) goes back to
    # the queue once this many seconds have passed since it was taken: longer than the longest job runs.
    {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600), **REDIS_TIMEOUTS}
    if REDIS_URL
    else {
        "data_folder_in": str(VAR_DIR / "broker"),
        "data_folder_out": str(VAR_DIR / "broker"),
        "processed_folder": str(VAR_DIR / "broker-processed"),
        # Where the transport keeps its exchange bindings; by default a "control" folder in the working directory.
        "control_folder": str(VAR_DIR / "broker-control"),
        "store_processed": False,
    }
)
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = CELERY_REDIS_SOCKET_TIMEOUT = REDIS_TIMEOUTS["socket_timeout"]
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {}
# The task engine's periodic jobs (annotation/jobs.py); intervals in seconds.
CELERY_BEAT_SCHEDULE.update(
    {
        "expire-stale-tasks": {"task": "annotation.jobs.expire_stale_tasks", "schedule": 60},
        "run-prompt-lotteries": {"task": "annotation.jobs.run_prompt_lotteries", "schedule": 60},
        "score-ready-trees": {"task": "annotation.jobs.score_ready_trees", "schedule": 60},
        "recheck-trees": {"task": "annotation.jobs.recheck_trees", "schedule": 300},
    }
)
# Dataset exports run on a queue of their own, so that a long export never holds up the task engine's jobs;
# `make run`'s worker consumes both queues, docker-compose.yml runs a worker for each.
CELERY_TASK_ROUTES = {"exports.jobs.*": {"queue": "exports"}}
CELERY_BEAT_SCHEDULE["expire-exports"] = {"task": "exports.jobs.expire_exports", "schedule": 3600}
CELERY_BEAT_SCHEDULE["requeue-exports"] = {"task": "exports.jobs.requeue_exports", "schedule": 60}
# The nightly release (exports.services.releasing) at this hour, UTC; -1 turns it off.
NIGHTLY_RELEASE_HOUR = env.int("NIGHTLY_RELEASE_HOUR", default=3)
if NIGHTLY_RELEASE_HOUR >= 0:
    CELERY_BEAT_SCHEDULE["nightly-release"] = {
        "task": "exports.jobs.request_nightly_release",
        "schedule": crontab(hour=NIGHTLY_RELEASE_HOUR, minute=0),
    }
# What the scoring of new messages left over (a broker or a classifier that was down); see toxicity/jobs.py.
CELERY_BEAT_SCHEDULE["score-toxicity"] = {"task": "toxicity.jobs.score_pending_messages", "schedule": 60}
CELERY_BEAT_SCHEDULE["refresh-user-stats"] = {
    "task": "stats.jobs.refresh_user_stats",
    "schedule": env.int("USER_STATS_REFRESH_SECONDS", default=300),
}

# Every view under /api/ answers errors as JSON (core.api.errors), pages as Django's pages (core.views).
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.ApiSchema",
    # Token first: an anonymous request gets a 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api_auth.PersonalTokenAuthentication",
        "accounts.api_auth.ApiClientAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.CanUseApi"],
    # JSON only: a form or multipart body is refused (415), not read into flat fields that lose nested values.
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.JSONParser"],
    # JSON out too, also to a browser: no HTML rendering of the API's answers and errors.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.CursorPage",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Open Assistant annotation API",
    "DESCRIPTION": "Tasks, messages, reviews and rankings of the conversation-tree platform.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # A PATCH body is documented as it is checked: the edit's text is required, not every field optional.
    "COMPONENT_SPLIT_PATCH": False,
    "ENUM_NAME_OVERRIDES": {
        "ReportTypeEnum": "annotation.models.Report.ReportType",
        "ReportTypeOrRedFlagEnum": "annotation.services.reactions.REPORT_TYPES",
        "ModerationActionKindEnum": "moderation.models.ModerationAction.Kind",
        "FileKindEnum": "exports.file_kinds.FileKind",
        "ExportJobStateEnum": "exports.models.JobState",
        "InclusionEnum": "exports.api.serializers.INCLUSIONS",
    },
    # Swagger UI and Redoc served by the app itself, so that /api/docs/ works without the internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
# Adds "I am a researcher" to the sign-up form.
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"

# Accounts: login lock-out (django-axes), sign-up limits, the client's address behind a proxy.
# Failures are counted per user name and address together: an attacker who guesses one user's password from
# an address locks only that pair, and the user still logs in from anywhere else (and the attacker's other
# guesses from the same address are slowed by allauth's own per-address login limit).
# allauth's own limits stay, but not its per-account one (5 failures in 5 minutes from anywhere), which is the
# lock-out from everywhere that counting per name and address avoids.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip"}
AXES_VERBOSE = False
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Failures are kept until their cool-off ends; a log of every successful login and its address is not needed.
AXES_DISABLE_ACCESS_LOG = True
# The cool-off runs from the lock-out, so the time the lock-out page gives is the time it ends.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "accounts.login_limits.login_name"
AXES_LOCKOUT_CALLABLE = "accounts.login_limits.lockout_response"
# Behind TRUSTED_PROXY_COUNT reverse proxies (each appending to X-Forwarded-For) the client is the address the
# outermost proxy saw; with none, REMOTE_ADDR. Sign-up limits use the same address (accounts.client_ip).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.address_of"
# New accounts an hour from one address (accounts.signup_limits); 0 turns the limit off.
SIGNUP_LIMIT_PER_IP_PER_HOUR = env.int("SIGNUP_LIMIT_PER_IP_PER_HOUR", default=5)

# Social login: a provider is offered when its client id and secret are set.
SOCIALACCOUNT_PROVIDERS = {
    provider: {
        "APPS": [
            {"client_id": env.str(f"{provider.upper()}_CLIENT_ID"), "secret": env.str(f"{provider.upper()}_SECRET")}
        ]
    }
    for provider in ("github", "google", "discord")
    if env.str(f"{provider.upper()}_CLIENT_ID", default="") and env.str(f"{provider.upper()}_SECRET", default="")
}

# --- Browser hardening: Content-Security-Policy (django-csp), framing, HTTPS ---------------------------------
# No inline script or style anywhere (templates, markdown, Pygments, admin, API docs): everything is a static file.
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
# A social login is a form posted here and redirected to the provider, which form-action must allow.
_SOCIAL_LOGIN_ORIGINS = {
    "github": "https://github.com",
    "google": "https://accounts.google.com",
    "discord": "https://discord.com",
}
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # data: for the images inlined in Swagger UI's stylesheet
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'", *(_SOCIAL_LOGIN_ORIGINS[p] for p in SOCIALACCOUNT_PROVIDERS)],
        "frame-ancestors": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# HTTPS=1: served over TLS (usually ended by a proxy that sets X-Forwarded-Proto and strips it from clients).
HTTPS = env.bool("HTTPS", default=False)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = True

TREE_MANAGER = TreeManagerSettings.from_env(os.environ)

# Dataset releases: what their card declares, and the Hugging Face Hub dataset repository they are published to
# (publishing is off while the token or the repository is empty).
DATASET_LICENSE = env.str("DATASET_LICENSE", default="apache-2.0")
DATASET_PRETTY_NAME = env.str("DATASET_PRETTY_NAME", default="Open Assistant Conversations")
HF_TOKEN = env.str("HF_TOKEN", default="")
HF_DATASET_REPO_ID = env.str("HF_DATASET_REPO_ID", default="")
HF_ENDPOINT = env.str("HF_ENDPOINT", default="https://huggingface.co")
# Toxicity scoring (SPEC 7); the table of these settings is in toxicity/conf.py and README.md.
TOXICITY_BACKEND = env.str("TOXICITY_BACKEND", default="profanity_check")
TOXICITY_MODEL_PATH = env.str("TOXICITY_MODEL_PATH", default="")
TOXICITY_MODEL_NAME = env.str("TOXICITY_MODEL_NAME", default="")
TOXICITY_RUNTIME = env.str("TOXICITY_RUNTIME", default="auto")
TOXICITY_LANGUAGES = env.list("TOXICITY_LANGUAGES", default=[])
TOXICITY_LABEL_MAP = env.dict("TOXICITY_LABEL_MAP", default={})
# 0: the backend's own default (toxicity.conf.DEFAULT_BATCH_SIZES).
TOXICITY_BATCH_SIZE = env.int("TOXICITY_BATCH_SIZE", default=0)
TOXICITY_THREADS = env.int("TOXICITY_THREADS", default=1)
TOXICITY_MAX_LENGTH = env.int("TOXICITY_MAX_LENGTH", default=512)
TOXICITY_FLAG_THRESHOLD = env.float("TOXICITY_FLAG_THRESHOLD", default=0.8)
TOXICITY_HIDE_THRESHOLD = env.float("TOXICITY_HIDE_THRESHOLD", default=None)
TOXICITY_EXPORT_MODELS = env.list("TOXICITY_EXPORT_MODELS", default=[])
TOXICITY_JOB_TIME_LIMIT = env.int("TOXICITY_JOB_TIME_LIMIT", default=300)

# --- Operations (README, "Operations"): health checks, metrics, structured logs ------------------
# /readyz wants a worker heartbeat younger than this many seconds for each of these queues (0: no worker check).
HEALTH_WORKER_MAX_AGE = env.int("HEALTH_WORKER_MAX_AGE", default=60)
HEALTH_WORKER_QUEUES = env.list("HEALTH_WORKER_QUEUES", default=["celery", "exports"])
# Probes and the metrics scraper call plain HTTP inside the deployment.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# /metrics answers a request with "Authorization: Bearer <METRICS_TOKEN>"; with no token set it does not exist.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
INSTALLED_APPS += ["django_prometheus", "django_structlog"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "core.request_logging.RequestIdMiddleware",
)
MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    *MIDDLEWARE,
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]
# Query counts and durations per database (django-prometheus's wrappers of the same engines).
DATABASES["default"]["ENGINE"] = {
    "django.db.backends.postgresql": "django_prometheus.db.backends.postgresql",
    "django.db.backends.sqlite3": "django_prometheus.db.backends.sqlite3",
}.get(DATABASES["default"]["ENGINE"], DATABASES["default"]["ENGINE"])

DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = True  # X-Request-ID of a proxy, checked by core.request_logging
DJANGO_STRUCTLOG_CELERY_ENABLED = True
# JSON lines in production, readable lines with DEBUG on (LOG_FORMAT=json or console to choose).
LOG_FORMAT = env.str("LOG_FORMAT", default="console" if DEBUG else "json")
_LOG_CHAIN = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]
structlog.configure(
    processors=[
        structlog.stdlib.filter_by_level,
        *_LOG_CHAIN,
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.StackInfoRenderer(),
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {
            "()": structlog.stdlib.ProcessorFormatter,
            "foreign_pre_chain": [*_LOG_CHAIN, structlog.stdlib.ExtraAdder()],
            "processors": [
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                *(
                    [
                        # Tracebacks as data, without the frames' local variables (they may hold secrets).
                        structlog.processors.ExceptionRenderer(
                            structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
                        ),
                        structlog.processors.JSONRenderer(),
                    ]
                    if LOG_FORMAT == "json"
                    else [
                        structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)
                    ]
                ),
            ],
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # axes logs every successful login at INFO; its lock-outs are warnings.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
