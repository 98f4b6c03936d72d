"""Omni settings, read from the environment through one parser (django-environ).

Embedded defaults (nothing set): SQLite, Celery tasks run eagerly in-process, cache in
memory, email to the console. Set DATABASE_URL / REDIS_URL for PostgreSQL and Redis.
With DEBUG off, SECRET_KEY is required and the secure-transport settings are on.
"""

import os
from pathlib import Path

import environ
from celery.schedules import crontab
from django.conf.locale import LANG_INFO
from django.core.exceptions import ImproperlyConfigured

from omni.markets import build_market

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    env.read_env(str(BASE_DIR / ".env"))

DEBUG = env.bool("DEBUG", default=True)

if DEBUG:
    # A fixed key only for local development; production must bring its own.
    SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-omni-do-not-use-in-production")
else:
    SECRET_KEY = env("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# The shop's name in emails and page titles (the Sites row: omni.sites.site_sync).
OMNI_SITE_NAME = env("OMNI_SITE_NAME", default="Omni")

INSTALLED_APPS = [
    # Before the admin: per-language model fields (catalog/translation.py) and their admin.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Operator classes in index expressions (catalog search indexes); inert on SQLite.
    "django.contrib.postgres",
    "django.contrib.sites",
    "allauth",
    "allauth.account",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "omni",
    "catalog",
    "stores",
    "customers",
    "inventory",
    "promotions",
    "giftcards",
    "messaging",
    "orders",
    "returns",
    "campaigns",
    "till",
    "reporting",
    # The roof: the demo retailer (``manage.py seed_demo``).
    "demo",
]

MIDDLEWARE = [
    # First: the request id and the one JSON log line per request cover everything below.
    "omni.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session: a refused request (control characters, an over-long query
    # value) is a 400 that writes nothing.
    "omni.input_guard.InputGuardMiddleware",
    # Persian, Arabic-Indic and Thai digits in codes, quantities, phones become ASCII.
    "omni.digits.NativeDigitsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the session and the user: the language from the URL prefix, else the saved
    # preference, else Accept-Language (omni/i18n.py; docs/i18n.md).
    "omni.i18n.LanguageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A guest's recently viewed products in a signed cookie, not a session row.
    "customers.middleware.RecentlyViewedCookieMiddleware",
    "omni.views.BrandedNotFoundMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"
ASGI_APPLICATION = "project.asgi.application"

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
                "customers.context_processors.shopper",
                "orders.context_processors.storefront",
                "reporting.context_processors.numbers_link",
                "omni.sites.site_context",
                "django.template.context_processors.i18n",
            ],
            # {{ amount|money }} and the dates ({{ day|localdate }}, omni/calendars.py, with
            # Django's |timezone: for a store's clock) on every page without a {% load %}.
            "builtins": [
                "omni.templatetags.money",
                "omni.templatetags.calendars",
                "django.templatetags.tz",
                "omni.templatetags.contact",
                "catalog.templatetags.catalog_options",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# --- Database connections --------------------------------------------------------------
# Persistent connections: opening a PostgreSQL connection per request cost more than many
# pages' own queries. Seconds a connection is reused (0: one per request, which the
# development server needs: it runs each request in a new thread); health checks replace
# a connection the database dropped before a request uses it.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if DEBUG else 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a seed or an eager task writes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("init_command", "PRAGMA journal_mode=WAL;")
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    # The rollups' key (reporting.DailyRollup) treats "online" (no location) as one value
    # with NULLS NOT DISTINCT, which SQLite cannot declare; the embedded default runs its
    # tasks in-process, one at a time, so the recompute (delete, then insert) keeps one row
    # per key without it. PostgreSQL enforces it.
    SILENCED_SYSTEM_CHECKS = ["models.W047"]
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")

# --- Cache (best-effort: issue 12) ------------------------------------------------------
# CACHE_URL (default REDIS_URL) may point the cache at a Redis of its own. A Redis cache
# is omni.cache.BestEffortRedisCache: when Redis is down, reads miss and go to the
# database, writes are skipped, one warning per minute per process; nothing fails.
# Other schemes (locmemcache://, dummycache://) are Django's own backends.
CACHE_URL = env("CACHE_URL", default=REDIS_URL)
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "omni.cache.BestEffortRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="omni"),
            "ALIAS": "default",
        }
    }
elif CACHE_URL:
    CACHES = {"default": env.cache_url("CACHE_URL")}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# --- end cache ----------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# --- The market (omni/markets.py, README "Markets") ----------------------------------------
# OMNI_MARKET picks the country the install sells in (US, TH, VN, PH, IR); OMNI_MARKET_JSON
# overrides any part of it ({"currency_display": "toman", "seller_tax_id": "0105..."}), and
# OMNI_CURRENCY / OMNI_TAX_RATE / OMNI_SHIPPING_FLAT / OMNI_FREE_SHIPPING_OVER still override
# their one part.
OMNI_MARKET = env("OMNI_MARKET", default="US").strip().upper()
_market_overrides = dict(env.json("OMNI_MARKET_JSON", default={}))
for _setting, _part in (
    ("OMNI_CURRENCY", "currency"),
    ("OMNI_SHIPPING_FLAT", "shipping_flat"),
    ("OMNI_FREE_SHIPPING_OVER", "free_shipping_over"),
):
    if os.environ.get(_setting):
        _market_overrides.setdefault(_part, os.environ[_setting])
OMNI_MARKET_CONFIG = build_market(OMNI_MARKET, _market_overrides)
if _standard_rate := os.environ.get("OMNI_TAX_RATE"):
    _rates = {**OMNI_MARKET_CONFIG.tax_rates, "standard": _standard_rate}
    OMNI_MARKET_CONFIG = build_market(OMNI_MARKET, {**_market_overrides, "tax_rates": _rates})

# --- Languages (docs/i18n.md) -------------------------------------------------------------
# English is the default and the storefront's unprefixed URLs; the others are prefixed
# (/th/, /fa/, /fil/, /vi/). Persian is right to left (Django's LANGUAGES_BIDI knows it).
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("th", "ไทย"),
    ("fa", "فارسی"),
    ("fil", "Filipino"),
    ("vi", "Tiếng Việt"),
]
# Django knows no Filipino: its name and direction, for get_language_info and {% language %}.
LANG_INFO.setdefault(
    "fil", {"bidi": False, "code": "fil", "name": "Filipino", "name_local": "Filipino"}
)
# Our catalogues, then the strings Django, allauth and DRF ship no translation of for our
# languages (written by catalogues_vendor_gaps; only gaps, so they override nothing).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_vendor"]
# Catalogue content per language (catalog/translation.py: name_th, description_fa, ...):
# a blank translation reads as the English text.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = tuple(code for code, _name in LANGUAGES)
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
# Dates and numbers in each language's own formats (omni/formats/<lang>/formats.py where
# Django ships none, e.g. Filipino), else Django's.
FORMAT_MODULE_PATH = ["omni.formats"]
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env("TIME_ZONE", default=OMNI_MARKET_CONFIG.time_zone)
# Where a language's format module says nothing; product code reads the market's own
# (omni.calendars.first_day_of_week: Persian read in Bangkok still starts on Sunday).
FIRST_DAY_OF_WEEK = OMNI_MARKET_CONFIG.first_day_of_week
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env("MEDIA_URL", default="/media/")
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))

# --- media storage ---------------------------------------------------------------------
# Uploaded media (product images and their thumbnails) go to the local MEDIA_ROOT unless
# a bucket is named: several web machines cannot share a local folder, so production
# names an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, ...) via django-storages.
MEDIA_BUCKET = env("MEDIA_BUCKET", default="")
if MEDIA_BUCKET:
    MEDIA_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_BUCKET,
            "endpoint_url": env("MEDIA_ENDPOINT_URL", default="") or None,
            "region_name": env("MEDIA_REGION", default="") or None,
            "access_key": env("MEDIA_ACCESS_KEY_ID", default="") or None,
            "secret_key": env("MEDIA_SECRET_ACCESS_KEY", default="") or None,
            # A CDN or public bucket host ("cdn.shop.example/media"): plain URLs, cacheable.
            "custom_domain": env("MEDIA_CUSTOM_DOMAIN", default="") or None,
            "location": env("MEDIA_PREFIX", default=""),
            # Signed URLs only for a private bucket without a public host.
            "querystring_auth": env.bool("MEDIA_SIGNED_URLS", default=False),
            # A new upload gets a new name, so a cached copy of the old one is never served.
            "file_overwrite": False,
            "default_acl": None,
            "object_parameters": {"CacheControl": "public, max-age=31536000"},
        },
    }
else:
    MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Email ------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Omni <shop@omni.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = env(
        "EMAIL_BACKEND",
        default=(
            "django.core.mail.backends.console.EmailBackend"
            if DEBUG
            else "django.core.mail.backends.smtp.EmailBackend"
        ),
    )
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))

# --- Sites / allauth ------------------------------------------------------------------
SITE_ID = 1
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
# "optional": a new shopper can shop at once; only a *verified* address joins the login to
# the orders a guest placed with it (customers.receivers / customer_link_login).
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Accounts are named by their email, never by the generated username.
ACCOUNT_USER_DISPLAY = "omni.sites.user_display"
# Account emails in the recipient's language (customers/account_adapter.py).
ACCOUNT_ADAPTER = "customers.account_adapter.AccountAdapter"

# --- REST framework -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "omni.api.authentication.ApiKeyAuthentication",
        "omni.api.authentication.StaffSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["omni.api.permissions.ScopedPermission"],
    "DEFAULT_THROTTLE_CLASSES": ["omni.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        # Per API key (a key's own rate_per_minute wins), per staff user, per IP.
        "api_key": env("API_RATE_PER_KEY", default="600/min"),
        "staff": env("API_RATE_STAFF", default="1200/min"),
        "anon": env("API_RATE_ANON", default="120/min"),
    },
    "DEFAULT_PAGINATION_CLASS": "omni.api.pagination.KeysetCursorPagination",
    "EXCEPTION_HANDLER": "omni.api.errors.api_exception_handler",
    # Size, depth and control-character limits (see "Input limits" below).
    "DEFAULT_PARSER_CLASSES": ["omni.api.parsers.SafeJSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Omni API",
    "DESCRIPTION": (
        "Omnichannel retail for integrators (POS, WMS, marketplaces, social shops): catalog, "
        "locations, stock, availability, customers, orders, returns and webhooks. "
        "Authenticate with `Authorization: Bearer <API key>`; each key has scopes and may "
        "be bound to locations. Every POST takes an `Idempotency-Key` header. Lists use "
        "cursor pagination (`next`) and `updated_since` for sync. Every error has the same "
        "body (`Error`)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
    "PREPROCESSING_HOOKS": ["omni.api.schema.only_api_v1"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "omni.api.schema.postprocess",
    ],
    # One name per choice set shared by several fields (status, kind, channel, reason...).
    "ENUM_NAME_OVERRIDES": {
        "ChannelEnum": "customers.models.Channel",
        "ContactChannelEnum": "customers.models.ContactChannel",
        "OrderChannelEnum": "orders.api.ORDER_CHANNEL_CHOICES",
        "LocationKindEnum": "stores.models.Location.Kind",
        "FulfilmentKindEnum": "orders.models.Fulfilment.Kind",
        "InteractionKindEnum": "customers.models.Interaction.Kind",
        "OrderStatusEnum": "orders.models.Order.Status",
        "FulfilmentStatusEnum": "orders.models.Fulfilment.Status",
        "FulfilmentTransitionEnum": "orders.api.TRANSITIONS",
        "PaymentStatusEnum": "orders.models.Payment.Status",
        "ReturnStatusEnum": "returns.models.Return.Status",
        "WebhookDeliveryStatusEnum": "omni.models.WebhookDelivery.Status",
        "MovementReasonEnum": "inventory.models.StockMovement.Reason",
        "AdjustmentReasonEnum": "inventory.api.ADJUST_REASONS",
        "ReturnReasonEnum": "returns.models.ReturnLine.Reason",
        "GiftCardStatusEnum": "giftcards.models.GiftCard.Status",
        "GiftCardSourceEnum": "giftcards.models.GiftCard.Source",
        "GiftCardDeliveryEnum": "giftcards.models.GiftCard.Delivery",
    },
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
}

# --- Input limits (omni.input_guard, omni.api.parsers) -----------------------------------
# Longest query-string value any page or endpoint reads (search words, codes, cursors,
# a comma-separated list of SKUs).
OMNI_MAX_QUERY_VALUE_LENGTH = env.int("OMNI_MAX_QUERY_VALUE_LENGTH", default=4096)
# Most words a search box (?q=) takes; the admin's search is one OR group per word.
OMNI_MAX_SEARCH_WORDS = env.int("OMNI_MAX_SEARCH_WORDS", default=32)
# An API JSON body: at most this many bytes and this many levels of nesting.
OMNI_API_MAX_BODY_BYTES = env.int("OMNI_API_MAX_BODY_BYTES", default=1_000_000)
OMNI_API_MAX_JSON_DEPTH = env.int("OMNI_API_MAX_JSON_DEPTH", default=32)

# --- Celery ---------------------------------------------------------------------------
# Without Redis, tasks run in-process so the embedded default needs no broker.
# Without Redis the tasks run in-process; the named host keeps kombu from warning
# "No hostname was supplied" in the demo's log.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# --- Celery under faults (issue 12) -------------------------------------------------------
# A worker whose process dies mid-task puts the message back (acks are late), so the task
# runs again instead of being acknowledged as done; the outbox row lock and the email log
# keep that second run from repeating a side effect (see omni.email for the one window).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Reconnect to the broker forever, every few seconds, after any outage.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A message delivered to a worker that vanished is redelivered after this long; it must
    # be longer than the longest task (the nightly recompute) and any countdown.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
    "retry_on_timeout": True,
    "health_check_interval": 25,
}
# Publishing from a web request while the broker is down fails fast (the outbox keeps the
# message pending and the sweep hands it over later): no request waits seconds for Redis.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_WORKER_SEND_TASK_EVENTS = False
# --- end Celery under faults ------------------------------------------------------------
CELERY_TIMEZONE = TIME_ZONE
# The beat schedule lives in code. Every scheduled task is idempotent and safe to run
# twice at once (two beats by mistake, a retry overlapping a run).
CELERY_BEAT_SCHEDULE = {
    "release-expired-reservations": {
        "task": "inventory.tasks.reservations_expire",
        "schedule": 60.0,
    },
    "outbox-sweep": {
        "task": "omni.tasks.outbox_sweep",
        "schedule": env.float("OMNI_OUTBOX_SWEEP_SECONDS", default=60.0),
    },
    "pickups-expire": {"task": "orders.tasks.pickups_expire", "schedule": 900.0},
    "abandoned-carts": {
        "task": "orders.tasks.carts_recover",
        "schedule": env.float("OMNI_ABANDONED_CART_SCAN_SECONDS", default=300.0),
    },
    "post-purchase-follow-ups": {"task": "orders.tasks.orders_follow_up", "schedule": 3600.0},
    "pickups-remind": {"task": "orders.tasks.pickups_remind", "schedule": 3600.0},
    "qr-payments-expire": {"task": "orders.tasks.qr_payments_expire", "schedule": 60.0},
    "nightly-availability-recompute": {
        "task": "inventory.tasks.availability_recompute_all",
        "schedule": crontab(hour=3, minute=15),
    },
    "back-in-stock-expire": {"task": "campaigns.tasks.back_in_stock_expire", "schedule": 3600.0},
    "campaigns-scheduled-start": {
        "task": "campaigns.tasks.campaigns_scheduled_start",
        "schedule": 60.0,
    },
    "api-idempotency-purge": {
        "task": "omni.api.tasks.idempotency_records_purge",
        "schedule": crontab(minute=5),
    },
    # Today's and yesterday's numbers, for what no order event announces (transfers).
    "rollups-refresh-recent": {
        "task": "reporting.tasks.rollups_refresh_recent",
        "schedule": env.float("OMNI_ROLLUPS_RECENT_SECONDS", default=600.0),
    },
    # A worker ran a task / beat sent one: /healthz/ shows their age (issue 12).
    "heartbeat": {
        "task": "omni.tasks.heartbeat",
        "schedule": env.float("OMNI_HEARTBEAT_SECONDS", default=30.0),
        "options": {"expires": env.float("OMNI_HEARTBEAT_SECONDS", default=30.0)},
    },
}

# --- Omni business settings -------------------------------------------------------------
OMNI_CURRENCY = OMNI_MARKET_CONFIG.currency
# Whether associates who are not managers see the numbers of their store ("store") or
# none ("none"); managers always see their stores', staff (merchandisers) every store's.
OMNI_NUMBERS_FOR_ASSOCIATES = env.str("OMNI_NUMBERS_FOR_ASSOCIATES", default="store")
OMNI_LOW_STOCK_THRESHOLD = env.int("OMNI_LOW_STOCK_THRESHOLD", default=3)
OMNI_NEAREST_AVAILABILITY_DEPTH = env.int("OMNI_NEAREST_AVAILABILITY_DEPTH", default=3)
OMNI_PICKUP_HOLD_DAYS = env.int("OMNI_PICKUP_HOLD_DAYS", default=5)
OMNI_CART_HOLD_MINUTES = env.int("OMNI_CART_HOLD_MINUTES", default=30)
OMNI_RETURN_WINDOW_DAYS = env.int("OMNI_RETURN_WINDOW_DAYS", default=30)
OMNI_PICKUP_PREPARATION_MINUTES = env.int("OMNI_PICKUP_PREPARATION_MINUTES", default=120)
OMNI_PICKUP_REMINDER_HOURS = env.int("OMNI_PICKUP_REMINDER_HOURS", default=24)
# Carriers a store can ship with: key → display name and tracking-page URL template
# ({tracking} is the URL-quoted tracking number). Override with OMNI_CARRIERS_JSON.
OMNI_CARRIERS = env.json(
    "OMNI_CARRIERS_JSON",
    default={
        "ups": {"name": "UPS", "url": "https://www.ups.com/track?tracknum={tracking}"},
        "fedex": {
            "name": "FedEx",
            "url": "https://www.fedex.com/fedextrack/?trknbr={tracking}",
        },
        "usps": {
            "name": "USPS",
            "url": "https://tools.usps.com/go/TrackConfirmAction?tLabels={tracking}",
        },
        "dhl": {
            "name": "DHL",
            "url": "https://www.dhl.com/en/express/tracking.html?AWB={tracking}",
        },
    },
)
# Stock changes to one variant within this window collapse into one availability refresh.
OMNI_AVAILABILITY_DEBOUNCE_SECONDS = env.int("OMNI_AVAILABILITY_DEBOUNCE_SECONDS", default=5)
# Abandoned-cart emails: minutes of inactivity before each stage.
OMNI_ABANDONED_CART_STAGES = env.list(
    "OMNI_ABANDONED_CART_STAGES", cast=int, default=[60, 1440, 4320]
)
OMNI_CART_MAX_LINE_QUANTITY = env.int("OMNI_CART_MAX_LINE_QUANTITY", default=20)
OMNI_CART_RESTORE_MAX_AGE_DAYS = env.int("OMNI_CART_RESTORE_MAX_AGE_DAYS", default=30)
# How long the order-status link in a guest's emails opens their order.
OMNI_ORDER_LINK_MAX_AGE_DAYS = env.int("OMNI_ORDER_LINK_MAX_AGE_DAYS", default=180)
# Gift cards (giftcards.services): months until a card expires, unset = never (most
# markets' consumer law); the least and most a card may be worth, unset = the per-currency
# defaults; balance checks per client per window (against guessing codes).
OMNI_GIFT_CARD_EXPIRY_MONTHS = env.int("OMNI_GIFT_CARD_EXPIRY_MONTHS", default=None)
OMNI_GIFT_CARD_MIN = env.str("OMNI_GIFT_CARD_MIN", default=None)
OMNI_GIFT_CARD_MAX = env.str("OMNI_GIFT_CARD_MAX", default=None)
OMNI_GIFT_CARD_CHECKS_PER_WINDOW = env.int("OMNI_GIFT_CARD_CHECKS_PER_WINDOW", default=10)
OMNI_GIFT_CARD_CHECK_WINDOW_SECONDS = env.int("OMNI_GIFT_CARD_CHECK_WINDOW_SECONDS", default=600)
# Loyalty points spent as money: that many points pay ``value`` of the market's currency
# (a purchase earns a point per whole unit, so the default gives 5% back in every market).
OMNI_LOYALTY_POINT_VALUE = env.json(
    "OMNI_LOYALTY_POINT_VALUE", default={"points": 100, "value": "5"}
)
# How often beat scans for due abandoned carts (seconds; shorten to watch it work).
OMNI_ABANDONED_CART_SCAN_SECONDS = env.float("OMNI_ABANDONED_CART_SCAN_SECONDS", default=300.0)
# A cart worth at least this much, of a shopper with a home store, becomes a follow-up
# task for that store's associates: "email" (no task), "task" (instead of the email) or
# "both". Money as a string so it becomes Decimal.
OMNI_ABANDONED_CART_HIGH_VALUE = env.str(
    "OMNI_ABANDONED_CART_HIGH_VALUE", default=str(OMNI_MARKET_CONFIG.high_value_cart)
)
OMNI_ABANDONED_CART_HIGH_VALUE_ACTION = env.str(
    "OMNI_ABANDONED_CART_HIGH_VALUE_ACTION", default="both"
)
# An order within this many days of a recovery email counts as recovered by it.
OMNI_RECOVERY_ATTRIBUTION_DAYS = env.int("OMNI_RECOVERY_ATTRIBUTION_DAYS", default=7)
# Post-purchase thank-you: days after the order (any channel), and how far back the scan
# still catches orders it missed (a worker down for a day).
OMNI_POST_PURCHASE_DAYS = env.int("OMNI_POST_PURCHASE_DAYS", default=3)
OMNI_POST_PURCHASE_CATCH_UP_DAYS = env.int("OMNI_POST_PURCHASE_CATCH_UP_DAYS", default=4)
# The campaign whose batch of one-time codes the thank-you hands out, one per customer
# (promotions admin: "Generate codes" with this campaign); blank: no code.
OMNI_POST_PURCHASE_CAMPAIGN = env.str("OMNI_POST_PURCHASE_CAMPAIGN", default="post-purchase")
# A discount given by hand (a POS through the API, scope orders:discount): at most this
# percentage of the basket.
OMNI_MAX_MANUAL_DISCOUNT_PERCENT = env.str("OMNI_MAX_MANUAL_DISCOUNT_PERCENT", default="20")

# Back-in-stock requests not alerted within this many days expire (campaigns).
OMNI_BACK_IN_STOCK_DAYS = env.int("OMNI_BACK_IN_STOCK_DAYS", default=60)
# Newsletters go out in batches of this many emails, this many seconds apart (campaigns).
OMNI_CAMPAIGN_BATCH_SIZE = env.int("OMNI_CAMPAIGN_BATCH_SIZE", default=200)
OMNI_CAMPAIGN_BATCH_PAUSE_SECONDS = env.float("OMNI_CAMPAIGN_BATCH_PAUSE_SECONDS", default=60.0)
# Money settings are strings so they become Decimal, never float.
OMNI_SHIPPING_FLAT = str(OMNI_MARKET_CONFIG.shipping_flat)
OMNI_FREE_SHIPPING_OVER = str(OMNI_MARKET_CONFIG.free_shipping_over)
OMNI_TAX_RATE = str(OMNI_MARKET_CONFIG.standard_tax_rate)
# US sales tax: the shipped state base rates (orders.services.sales_tax), and per-state
# overrides for a shop that charges its local rate ({"NY": "0.08875"}).
OMNI_SALES_TAX_RATES = env.json("OMNI_SALES_TAX_RATES", default={})
# The till: the largest counted-vs-expected cash difference an associate may close a
# shift with (above it, a manager; blank: the market's till_variance_limit, a local price
# point); whether a manager may sell beyond what a store holds (the sale is kept, flagged
# for a stock count).
OMNI_TILL_VARIANCE_LIMIT = env.str("OMNI_TILL_VARIANCE_LIMIT", default="")
OMNI_TILL_MANAGER_OVERSELL = env.bool("OMNI_TILL_MANAGER_OVERSELL", default=False)
# Who gives a discount by hand at the till: managers, associates or none (the amount is
# bounded by OMNI_MAX_MANUAL_DISCOUNT_PERCENT in the pricing function).
OMNI_TILL_MANUAL_DISCOUNT = env.str("OMNI_TILL_MANUAL_DISCOUNT", default="managers")
OMNI_CARD_PAYMENT_PROVIDER = env.str("OMNI_CARD_PAYMENT_PROVIDER", default="test")
# QR / bank-app payments (orders.services.qr_payments): the provider, how long a code may
# wait for its money before the order is cancelled, and the secret the provider signs its
# confirmation callbacks with (HMAC-SHA256; no default outside DEBUG: unsigned = refused).
OMNI_QR_PAYMENT_PROVIDER = env.str("OMNI_QR_PAYMENT_PROVIDER", default="qr_test")
OMNI_QR_EXPIRY_MINUTES = env.int("OMNI_QR_EXPIRY_MINUTES", default=30)
OMNI_QR_CALLBACK_SECRET = env.str(
    "OMNI_QR_CALLBACK_SECRET", default="omni-dev-qr-secret" if DEBUG else ""
)
# The merchant account the code pays (in Thailand the PromptPay ID: a mobile number or a
# 13-digit tax ID), its name and city; blank: the market's extra (qr_merchant_id, ...),
# else a demo ID, the site's name and the market's city.
OMNI_QR_MERCHANT_ID = env.str(
    "OMNI_QR_MERCHANT_ID",
    default=str(OMNI_MARKET_CONFIG.extra.get("qr_merchant_id", "0812345678")),
)
OMNI_QR_MERCHANT_NAME = env.str("OMNI_QR_MERCHANT_NAME", default=OMNI_SITE_NAME)
OMNI_QR_MERCHANT_CITY = env.str("OMNI_QR_MERCHANT_CITY", default="")
# Webhooks: seconds to wait for a receiver; private/loopback receiver URLs only when
# allowed (a webhook URL must not become a way into the internal network).
OMNI_WEBHOOK_TIMEOUT_SECONDS = env.float("OMNI_WEBHOOK_TIMEOUT_SECONDS", default=5.0)
OMNI_WEBHOOK_ALLOW_PRIVATE_URLS = env.bool("OMNI_WEBHOOK_ALLOW_PRIVATE_URLS", default=DEBUG)
# Messages (messaging): the SMS provider by URL (messaging/providers.py: ``console:``,
# ``file://var/sms``, ``twilio://SID:TOKEN@api.twilio.com?from=+6621234567``); quiet hours
# in the store's time zone when texts other than service messages wait for the morning
# (blank: none); a text past one segment is sent as up to OMNI_SMS_MAX_SEGMENTS joined
# parts ("split") or refused ("refuse").
SMS_URL = env.str("SMS_URL", default="console:")
OMNI_MESSAGE_QUIET_HOURS = env.str("OMNI_MESSAGE_QUIET_HOURS", default="21:00-08:00")
OMNI_SMS_LONG_TEXTS = env.str("OMNI_SMS_LONG_TEXTS", default="split")
OMNI_SMS_MAX_SEGMENTS = env.int("OMNI_SMS_MAX_SEGMENTS", default=6)

# --- Production hardening (DEBUG off) ---------------------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

# --- Operations: logs, health, metrics, error reporting (issue 12) -------------------------
# LOG_FORMAT=json (default with DEBUG off): one JSON object per line, with the request id
# of the request or task (omni.observability); "plain" for reading in a terminal.
LOG_FORMAT = env("LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "omni.observability.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The middleware logs each request once; Django's own line would repeat 4xx/5xx.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "omni.request": {"level": env("LOG_REQUESTS_LEVEL", default="INFO")},
    },
}
# Workers log through LOGGING too (same format, request ids), not Celery's own handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# /healthz/: a heartbeat older than this, or an outbox message waiting longer, is a fault.
OMNI_HEARTBEAT_SECONDS = env.float("OMNI_HEARTBEAT_SECONDS", default=30.0)
OMNI_HEALTH_STALE_SECONDS = env.float("OMNI_HEALTH_STALE_SECONDS", default=180.0)
OMNI_HEALTH_OUTBOX_MAX_AGE_SECONDS = env.float("OMNI_HEALTH_OUTBOX_MAX_AGE_SECONDS", default=600.0)
# /metrics: with a token set, the scraper sends "Authorization: Bearer <token>".
OMNI_METRICS_TOKEN = env("OMNI_METRICS_TOKEN", default="")
# Optional error reporting: set SENTRY_DSN and errors of web and workers go to Sentry.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production" if not DEBUG else "development"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,
        integrations=[DjangoIntegration(), CeleryIntegration()],
    )
# --- end operations ---------------------------------------------------------------------
