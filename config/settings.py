"""Settings, all read from the environment.

The defaults are the embedded one-command setup (SQLite under ``var/``, a local Redis on
127.0.0.1); production sets ``DATABASE_URL``, ``REDIS_URL``, ``SECRET_KEY`` and
``DEBUG=0`` (see docker-compose.yml).
"""
import json
import os
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


# DEBUG is on by default (the one-command setup); with it off, the development SECRET_KEY is
# refused, so a production server cannot start signing sessions with a key published here.
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-change-me-in-production"
DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "") or (DEVELOPMENT_SECRET_KEY if DEBUG else "")
if not DEBUG and SECRET_KEY.strip() in ("", DEVELOPMENT_SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a secret value when DEBUG is off (DEBUG=0); it is "
        + ("the development key" if SECRET_KEY else "unset")
        + ". Generate one, e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from here (no CDN)
    "django_htmx",
    "django_celery_beat",
    "scheduler_app",
    "bots",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before common: the language comes from the django_language cookie (the
    # dashboard's switcher), else Accept-Language, else LANGUAGE_CODE.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "scheduler_app.dashboard.context.notify_banner",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)  # var/ on a fresh clone
    # Worker, beat and web write the same file: IMMEDIATE transactions take the write lock up
    # front (no upgrade deadlocks), WAL lets readers run beside the writer, and the timeout
    # makes a busy database wait instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so worker and beat processes started by the tests share it; one per
    # test run (pid), so parallel runs on one machine do not share it.
    TEST_DB_PATH = os.environ.get(
        "TEST_DB_PATH", str(Path(tempfile.gettempdir()) / f"bot-scheduler-test-{os.getpid()}.sqlite3")
    )
    DATABASES["default"]["TEST"] = {"NAME": TEST_DB_PATH}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

# The product speaks English and French: the dashboard, its forms and validation messages, the
# admin's labels, the API's `detail` texts and the notifications. LANGUAGE_CODE is the default
# (and the notifications' language); the catalogs are locale/<lang>/LC_MESSAGES/django.po, shipped
# compiled (.mo), so no gettext is needed to run. README, "Languages".
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en")
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # the switcher's choice is remembered for a year
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# WhiteNoise serves static files in every setup, DEBUG or not; it also finds them in the
# installed apps (the admin's, Swagger UI's from drf-spectacular-sidecar), so a server started
# from a fresh clone without `collectstatic` (gunicorn by hand) still serves them.
WHITENOISE_USE_FINDERS = True

LOGIN_URL = "admin:login"

# --- Redis / Celery -------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_IGNORE_RESULT = True  # outcomes live in JobExecution rows, not a result backend
# What a killed worker leaves behind (README "Failures"): with acks_late a message is acked only
# when its task returns. A pool child killed mid-run: its message is acked, not redelivered
# (reject_on_worker_lost off), and the run's lease expiring ends it failed "worker lost". A whole
# worker killed: its unacked messages return to the queue after the visibility timeout; a slot
# that already has a row is not run again (the (job, scheduled_for) constraint), a manual run that
# already started is not either.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = False
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("BROKER_VISIBILITY_TIMEOUT", 600)}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# The fleet beat (scheduler_app.beat): any number may run, one leads.
CELERY_BEAT_SCHEDULER = "scheduler_app.beat:FleetScheduler"
# Longest sleep of a beat tick (seconds); the fleet beat wakes for every due slot anyway.
CELERY_BEAT_MAX_LOOP_INTERVAL = env_int("BEAT_MAX_LOOP_INTERVAL", 1)
# The leader's Redis lock lives this long without a renewal (renewed every second): a standby
# takes over within it (+1 s) of the leader's death.
BEAT_LEADER_TTL_SECONDS = env_int("BEAT_LEADER_TTL", 6)
# How often beat reads the change feed (scheduler_app.models.BeatChange), in seconds.
BEAT_CHANGE_POLL_SECONDS = float(os.environ.get("BEAT_CHANGE_POLL_SECONDS", "0.25"))
# Messages are built this many seconds ahead of their slot, so the instant a minute turns costs
# only the Redis writes.
BEAT_PREBUILD_SECONDS = env_int("BEAT_PREBUILD_SECONDS", 20)
# After downtime, at most this many slots of one job are recorded one row each; the older rest
# of that job's gap is one summary `missed` row (scheduler_app.catchup).
SCHEDULER_CATCHUP_CAP = env_int("SCHEDULER_CATCHUP_CAP", 1000)
# A running execution's lease (seconds), renewed by its worker every third of it; the reaper runs
# every SCHEDULER_REAP_EVERY_SECONDS (sent by the leading beat) and on every claim of the job.
SCHEDULER_LEASE_SECONDS = env_int("SCHEDULER_LEASE_SECONDS", 30)
# How often a running bot's progress (what it does now, its counts) reaches its row, at most.
SCHEDULER_PROGRESS_SECONDS = float(os.environ.get("SCHEDULER_PROGRESS_SECONDS") or 1.0)
SCHEDULER_REAP_EVERY_SECONDS = env_int("SCHEDULER_REAP_EVERY_SECONDS", 10)
# A queued manual run whose message never reached a worker ends failed after this long.
SCHEDULER_QUEUED_TIMEOUT_SECONDS = env_int("SCHEDULER_QUEUED_TIMEOUT_SECONDS", 3600)
# History retention (docs/contract.md "Execution"): executions queued longer ago than this are pruned in
# small batches by a task the leading beat sends every EXECUTION_PRUNE_EVERY_SECONDS; 0 keeps all.
EXECUTION_RETENTION_DAYS = env_int("EXECUTION_RETENTION_DAYS", 90)
EXECUTION_PRUNE_EVERY_SECONDS = env_int("EXECUTION_PRUNE_EVERY_SECONDS", 60)
# Audit trail retention (scheduler_app/audit): events older than this are pruned by the same task,
# in small batches; 0 keeps all.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 400)
# Dead-man's switch for the whole scheduler (docs/metrics.md): when set, the leading beat GETs
# this Healthchecks-compatible URL every HEALTHCHECKS_PING_EVERY_SECONDS, so an outside service
# notices when no beat leads (or the host is gone). Empty: no ping.
HEALTHCHECKS_PING_URL = os.environ.get("HEALTHCHECKS_PING_URL", "")
HEALTHCHECKS_PING_EVERY_SECONDS = env_int("HEALTHCHECKS_PING_EVERY_SECONDS", 60)
# /scheduler/metrics writes per-job series (runs by status, last success) while the fleet has at
# most this many jobs; past it only the fleet-wide series (scheduler_app/notify/metrics.py).
SCHEDULER_METRICS_JOB_SERIES_MAX = env_int("SCHEDULER_METRICS_JOB_SERIES_MAX", 1000)
DJANGO_CELERY_BEAT_TZ_AWARE = True

# Django's default cache: Redis when CACHE_URL is set (docker-compose, `manage.py up`), else
# per-process memory. The API's wrong-key counts (scheduler_app/api/auth.py) are always in this
# process's memory, never in Redis or the database, so a block never outlives a web restart.
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    "api_bad_keys": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "scheduler-api-bad-keys",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
}

# --- Scheduler ------------------------------------------------------------------------------
SCHEDULER_API_KEY = os.environ.get("SCHEDULER_API_KEY", "")

# Bot type -> dotted path of the callable that runs it (see bots/runner.py). Overridable as JSON
# so test processes (worker under test) can plug in a test runner.
BOT_RUNNERS = {
    "birthday": "bots.birthday.run",
    "visitor": "bots.visitor.run",
}
BOT_RUNNERS.update(json.loads(os.environ.get("BOT_RUNNERS", "{}")))

# --- DRF ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "scheduler_app.api.schema.SchedulerAutoSchema",
    # X-API-Key first, so an anonymous request is answered 401 with a WWW-Authenticate challenge.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "scheduler_app.api.auth.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["scheduler_app.api.auth.HasApiKeyOrStaffSession"],
    "DEFAULT_PARSER_CLASSES": ["scheduler_app.api.parsers.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["scheduler_app.api.renderers.FastJSONRenderer"],
    "EXCEPTION_HANDLER": "scheduler_app.api.exceptions.exception_handler",
    # Client address for the bad-key limit: REMOTE_ADDR unless told how many proxies to trust
    # in X-Forwarded-For (a client could otherwise pick its own address).
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Bot scheduler API",
    "DESCRIPTION": (
        "Schedule the birthday and visitor bots. Send `X-API-Key` on every endpoint but "
        "`/health`, `/schema` and `/docs`. Errors are JSON: 400 answers "
        '`{"detail", "errors": {"field.path": [messages]}}`, others `{"detail"}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_AUTHENTICATION": [],
    "SERVE_INCLUDE_SCHEMA": False,
    # /scheduler/docs loads Swagger UI from this server (drf-spectacular-sidecar's static files,
    # pinned in requirements.txt) and validates nothing online: it works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["scheduler_app.api.schema.drop_slash_aliases"],
    "ENUM_NAME_OVERRIDES": {
        "ExecutionStatusEnum": "scheduler_app.models.ExecutionStatus.choices",
        "HealthStatusEnum": ["ok", "degraded", "unavailable"],
        "DatabaseStateEnum": ["ok", "unavailable"],
        "PauseKindEnum": "scheduler_app.brakes.models.PauseKind.choices",
        "ChannelKindEnum": "scheduler_app.notify.models.ChannelKind.choices",
        "BlackoutScopeEnum": "scheduler_app.brakes.models.BlackoutScope.choices",
        "AccountStatusEnum": "bots.models.AccountStatus.choices",
    },
}
# API limits: request bodies (413 above), and wrong API keys per client address and web process
# (wrong keys get 429 once SCHEDULER_API_BAD_KEY_LIMIT of them fall within the window, for BLOCK
# seconds; a valid key is never refused).
SCHEDULER_API_MAX_BODY_BYTES = env_int("SCHEDULER_API_MAX_BODY_BYTES", 1024 * 1024)
SCHEDULER_API_BAD_KEY_LIMIT = env_int("SCHEDULER_API_BAD_KEY_LIMIT", 10)
SCHEDULER_API_BAD_KEY_WINDOW_SECONDS = env_int("SCHEDULER_API_BAD_KEY_WINDOW_SECONDS", 300)
SCHEDULER_API_BAD_KEY_BLOCK_SECONDS = env_int("SCHEDULER_API_BAD_KEY_BLOCK_SECONDS", 300)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# --- Bots -----------------------------------------------------------------------------------
# Everything the birthday and visitor bots read (bots/). Pauses, quotas and limits are here so
# operators tune them without a deploy; tests set the pauses to zero.
# Notifications (docs/notifications.md).
SCHEDULER_PUBLIC_URL = os.environ.get("SCHEDULER_PUBLIC_URL", "http://127.0.0.1:8000")  # links in alerts
NOTIFY_HTTP_TIMEOUT_SECONDS = float(os.environ.get("NOTIFY_HTTP_TIMEOUT_SECONDS") or 10)
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 5)
NOTIFY_RETRY_BASE_SECONDS = float(os.environ.get("NOTIFY_RETRY_BASE_SECONDS") or 22)  # x3 per attempt, +-20 %
NOTIFY_LEASE_SECONDS = env_int("NOTIFY_LEASE_SECONDS", 60)  # an attempt's lease; > the HTTP timeout
NOTIFY_REAP_SLACK_SECONDS = env_int("NOTIFY_REAP_SLACK_SECONDS", 15)
NOTIFY_WATCHDOG = env_bool("NOTIFY_WATCHDOG", True)
NOTIFY_WATCH_EVERY_SECONDS = float(os.environ.get("NOTIFY_WATCH_EVERY_SECONDS") or 10)
NOTIFY_NO_LEADER_AFTER_SECONDS = env_int("NOTIFY_NO_LEADER_AFTER_SECONDS", 60)
TELEGRAM_API_URL = os.environ.get("TELEGRAM_API_URL", "https://api.telegram.org")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "bot-scheduler@localhost")

LINKEDIN_BASE_URL = os.environ.get("LINKEDIN_BASE_URL", "https://www.linkedin.com").rstrip("/")
# Playwright storage-state file carrying the session (li_at cookie); `manage.py linkedin_login` writes it.
LINKEDIN_STORAGE_STATE = Path(os.environ.get("LINKEDIN_STORAGE_STATE", VAR_DIR / "linkedin-state.json"))
# A system Chromium instead of Playwright's download: the env var, else Debian's headless shell
# (package chromium-headless-shell, the lightest), else Debian's chromium; empty = Playwright's own.
PLAYWRIGHT_CHROMIUM_EXECUTABLE = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE") or next(
    (p for p in ("/usr/lib/chromium/chromium-headless-shell", "/usr/bin/chromium") if Path(p).exists()), ""
)
BOT_HEADLESS = env_bool("BOT_HEADLESS", True)
# Low-memory Chromium (one process, no zygote, no images): ~0.4 GB a run instead of ~1.2 GB (docs/benchmarks.md).
BOT_CHROMIUM_LOW_MEMORY = env_bool("BOT_CHROMIUM_LOW_MEMORY", True)
BOT_CHROMIUM_EXTRA_ARGS = os.environ.get("BOT_CHROMIUM_EXTRA_ARGS", "").split()
# NODE_OPTIONS for Playwright's driver process (its Node heap is the other big cost of a run).
BOT_DRIVER_NODE_OPTIONS = os.environ.get(
    "BOT_DRIVER_NODE_OPTIONS", "--jitless --max-semi-space-size=1 --max-old-space-size=96"
)
# MALLOC_ARENA_MAX for the driver and Chromium (one glibc malloc arena: less memory, no measurable slowdown).
BOT_DRIVER_MALLOC_ARENA_MAX = os.environ.get("BOT_DRIVER_MALLOC_ARENA_MAX", "1")
# A tab grows with every page it loads: the visitor bot opens a fresh one after this many (0: never).
BOT_RECYCLE_PAGE_EVERY = env_int("BOT_RECYCLE_PAGE_EVERY", 5)
# Single-process Chromium keeps most of what it grew even in a fresh tab: the visitor bot closes it
# and starts a new one (same session, login checked again) after this many profiles (0: never).
BOT_RESTART_BROWSER_EVERY = env_int("BOT_RESTART_BROWSER_EVERY", 5)
# A message template used for a contact is not used for them again within this many days while
# another is left (then the least recently used one is, and the run's result says so).
BOT_AVOID_REPETITION_DAYS = env_int("BOT_AVOID_REPETITION_DAYS", 730)
# A run's time limit: the job's max_run_seconds, else its bot type's default here.
BOT_MAX_RUN_SECONDS = {"birthday": 1800, "visitor": 3600}
# A cap over every run's limit (seconds), when set: for tests, or a host that wants shorter runs.
BOT_RUN_TIME_LIMIT = float(os.environ["BOT_RUN_TIME_LIMIT"]) if os.environ.get("BOT_RUN_TIME_LIMIT") else None
# The Celery hard limit a run's worker child gets past its own time limit (killing it and its Chromium).
BOT_HARD_LIMIT_GRACE_SECONDS = 120
BOT_ACTION_TIMEOUT_MS = env_int("BOT_ACTION_TIMEOUT_MS", 15000)  # one page load / one element wait
# How long a lazy list may take to grow; the walk ends after 3 scrolls in a row added nothing,
# waiting 1x, 2x, 3x this, and after at most BOT_LIST_MAX_SCROLLS scrolls (then the run says so).
BOT_SCROLL_WAIT_MS = env_int("BOT_SCROLL_WAIT_MS", 3000)
BOT_LIST_MAX_SCROLLS = env_int("BOT_LIST_MAX_SCROLLS", 200)
BOT_SEND_CONFIRM_MS = env_int("BOT_SEND_CONFIRM_MS", 10000)  # until a sent message shows in the thread
BOT_PAUSE_MIN_SECONDS = float(os.environ.get("BOT_PAUSE_MIN_SECONDS") or 2)
BOT_PAUSE_MAX_SECONDS = float(os.environ.get("BOT_PAUSE_MAX_SECONDS") or 6)
BOT_MESSAGES_PER_DAY = env_int("BOT_MESSAGES_PER_DAY", 15)
BOT_MESSAGES_PER_WEEK = env_int("BOT_MESSAGES_PER_WEEK", 100)
BOT_VISITS_PER_DAY = env_int("BOT_VISITS_PER_DAY", 100)
BOT_VISIT_SKIP_DAYS = env_int("BOT_VISIT_SKIP_DAYS", 30)  # a profile visited this recently is skipped
BOT_SEARCH_MAX_PAGES = env_int("BOT_SEARCH_MAX_PAGES", 100)
# "HH:MM-HH:MM" in the job's timezone; outside it a bot run is `skipped` (nothing done). Daytime by
# default, so no bot acts at 3 a.m.; set it empty (BOT_WORKING_HOURS=) for any time.
BOT_WORKING_HOURS = os.environ.get("BOT_WORKING_HOURS", "09:00-20:00")
# --- LinkedIn accounts (bots/models.py LinkedInAccount; README "LinkedIn accounts") ---------
# Fernet key the accounts' sessions are encrypted with (`manage.py up` makes one in var/); empty:
# derived from SECRET_KEY.
LINKEDIN_ACCOUNTS_KEY = os.environ.get("LINKEDIN_ACCOUNTS_KEY", "")
# How long a run waits for its account's browser (another run drives it) before it ends skipped.
ACCOUNT_WAIT_SECONDS = env_int("ACCOUNT_WAIT_SECONDS", 600)
# Browsers at once on this host, whatever the worker concurrency (0: no cap; `up` sets 1, for a Pi).
BOT_BROWSER_SLOTS = env_int("BOT_BROWSER_SLOTS", 0)
# Where the host's browser slots are kept (lock files; the kernel frees a dead worker's slot).
BOT_BROWSER_SLOTS_DIR = Path(os.environ.get("BOT_BROWSER_SLOTS_DIR", VAR_DIR / "browser-slots"))
# The warm-up ramp of a new account: daily caps in its weeks 1, 2, 3..., then its configured caps.
BOT_WARMUP_MESSAGES = [int(x) for x in os.environ.get("BOT_WARMUP_MESSAGES", "3,5,8").split(",") if x.strip()]
BOT_WARMUP_VISITS = [int(x) for x in os.environ.get("BOT_WARMUP_VISITS", "10,20,35").split(",") if x.strip()]
# Warnings before the li_at cookie expires, in days.
ACCOUNT_SESSION_WARN_DAYS = (14, 2)
# --- End of Bots ----------------------------------------------------------------------------
