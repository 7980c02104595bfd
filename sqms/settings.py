"""Django settings for sqms, read from the environment (twelve-factor).

The embedded default needs no configuration: SQLite under var/, keys generated into var/.
SQMS_ENV=production refuses to start without explicit secrets.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

from sqms import secrets_store

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

VAR_DIR = Path(env.str("SQMS_VAR_DIR", default=str(BASE_DIR / "var")))
SQMS_ENV = env.str("SQMS_ENV", default="development")
PRODUCTION = SQMS_ENV == "production"

SECRET_KEY = secrets_store.secret_key(VAR_DIR, PRODUCTION)
SQMS_KEYS = secrets_store.data_keys(VAR_DIR, PRODUCTION)

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks_db",
    "treebeard",
    "sqms.core",
    "sqms.servicedesk",
    "sqms.improvement",
    "sqms.staff",
    "sqms.customers",
    "sqms.quality",
    "sqms.risk",
    "sqms.emergency",
    "sqms.notifications",
    "sqms.intake",
    "sqms.portal",
    "sqms.surveys",
    "sqms.inspections",
    "sqms.knowledge",
    "sqms.insight",
    "sqms.analysis",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "sqms.core.middleware.UserLanguageMiddleware",
    "sqms.core.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # axes last: it reads the outcome of authentication in the response phase
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sqms.urls"
WSGI_APPLICATION = "sqms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "sqms" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "sqms.core.context_processors.navigation",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'sqms.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so
    # concurrent writers queue on the busy timeout instead of failing mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- authentication ---------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "sqms.core.auth_backend.ModelPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
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

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Lock the account, not the address: a whole service hall often shares one NAT address, and
# an IP lock-out would stop every counter at once.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Roles whose members must use a second factor before they see anything.
SQMS_TWO_FACTOR_ROLES = ["admin", "auditor"]
OTP_TOTP_ISSUER = "sqms"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "sqms" / "locale"]
USE_I18N = True
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_TZ = True

# --- static files -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "sqms" / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every request when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = Path(env.str("SQMS_MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Ticket attachments live under MEDIA_ROOT and are served only through a scope-checked view.
SQMS_ATTACHMENT_MAX_BYTES = env.int("SQMS_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
# Printed on acceptance receipts as the ways to follow a ticket (blank: generic wording).
SQMS_SERVICE_HOTLINE = env.str("SQMS_SERVICE_HOTLINE", default="")
SQMS_PORTAL_URL = env.str("SQMS_PORTAL_URL", default="")
# Where customers reach this installation (links in notifications and survey invitations).
SQMS_PUBLIC_BASE_URL = env.str("SQMS_PUBLIC_BASE_URL", default="http://127.0.0.1:8000")

# Outgoing e-mail (Django's MAILERS), e.g.
# SQMS_EMAIL_URL=smtp+tls://user:password@mail.example.com:587. The default prints messages on
# the server's console, so the demo sends nothing anywhere.
_email = env.email_url("SQMS_EMAIL_URL", default="consolemail://")
_smtp_options = {
    "host": _email.get("EMAIL_HOST"),
    "port": _email.get("EMAIL_PORT"),
    "username": _email.get("EMAIL_HOST_USER"),
    "password": _email.get("EMAIL_HOST_PASSWORD"),
    "use_tls": _email.get("EMAIL_USE_TLS"),
    "use_ssl": _email.get("EMAIL_USE_SSL"),
    "timeout": 10,
}
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": (
            {k: v for k, v in _smtp_options.items() if v not in (None, "")}
            if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env.str("SQMS_FROM_EMAIL", default="sqms@localhost")
# The generic SMS/IM gateway: notifications are POSTed there as JSON signed with the secret.
SQMS_SMS_GATEWAY_URL = env.str("SQMS_SMS_GATEWAY_URL", default="")
SQMS_SMS_GATEWAY_SECRET = env.str("SQMS_SMS_GATEWAY_SECRET", default="")
# How long a sender holds a notification it is sending; one whose sender died (a killed worker)
# is sent again by the minutely job after this. Longer than any one SMTP or gateway exchange.
SQMS_NOTIFICATION_LEASE_SECONDS = env.int("SQMS_NOTIFICATION_LEASE_SECONDS", default=600)
# Served from the staticfiles finders too, so `sqms serve` needs no collectstatic step.
WHITENOISE_USE_FINDERS = True

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "sqms.core.api.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["sqms.core.api.permissions.ModelPermissions"],
    "DEFAULT_PAGINATION_CLASS": "sqms.core.api.pagination.StandardPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "sqms.core.api.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "sqms.core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "sqms.core.api.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "sqms API",
    "DESCRIPTION": "Service Quality Management System (服务质量管理系统)",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema name per choice set that several fields share or whose field names collide.
    "ENUM_NAME_OVERRIDES": {
        "OrgUnitKindEnum": "sqms.core.choices.OrgUnitKind",
        "LanguageEnum": "sqms.core.choices.Language",
        "TicketKindEnum": "sqms.servicedesk.choices.TicketKind",
        "LevelEnum": "sqms.servicedesk.choices.Level",
        "ChannelEnum": "sqms.servicedesk.choices.Channel",
        "TicketStatusEnum": "sqms.servicedesk.choices.TicketStatus",
        "TicketEventTypeEnum": "sqms.servicedesk.choices.EventType",
        "PreferredChannelEnum": "sqms.customers.choices.PreferredChannel",
        "ConsentChannelEnum": "sqms.customers.choices.ConsentChannel",
        "IndicatorSourceEnum": "sqms.quality.choices.Source",
        "AlertStatusEnum": "sqms.quality.choices.AlertStatus",
        "ReportStatusEnum": "sqms.quality.choices.ReportStatus",
        "RuleKindEnum": "sqms.quality.choices.RuleKind",
        "DirectionEnum": "sqms.quality.choices.Direction",
        "QuestionKindEnum": "sqms.staff.choices.QuestionKind",
        "RecordKindEnum": "sqms.staff.choices.RecordKind",
        "AttemptStatusEnum": "sqms.staff.choices.AttemptStatus",
        "ApprovalStatusEnum": "sqms.staff.choices.ApprovalStatus",
        "RiskStatusEnum": "sqms.risk.choices.RiskStatus",
        "ControlKindEnum": "sqms.risk.choices.ControlKind",
        "ControlStatusEnum": "sqms.risk.choices.ControlStatus",
        "RunStatusEnum": "sqms.risk.choices.RunStatus",
        "HistoryKindEnum": "sqms.risk.choices.HistoryKind",
        "ActionSourceEnum": "sqms.improvement.choices.ActionSource",
        "ActionEventTypeEnum": "sqms.improvement.choices.EventType",
        "StageEnum": "sqms.improvement.choices.Stage",
        "VerdictEnum": "sqms.improvement.choices.Verdict",
        "IncidentSourceEnum": "sqms.emergency.choices.IncidentSource",
        "IncidentStatusEnum": "sqms.emergency.choices.IncidentStatus",
        "PlanStatusEnum": "sqms.emergency.choices.PlanStatus",
        "DrillStatusEnum": "sqms.emergency.choices.DrillStatus",
        "EmergencyEventTypeEnum": "sqms.emergency.choices.EventType",
        "TimelineKindEnum": "sqms.emergency.choices.TimelineKind",
        "ReviewActionKindEnum": "sqms.emergency.choices.ReviewActionKind",
        "DependencyKindEnum": "sqms.emergency.choices.DependencyKind",
        "IntegrationChannelEnum": "sqms.intake.choices.IntegrationChannel",
        "IntakeMessageStatusEnum": "sqms.intake.choices.MessageStatus",
        "ArticleStatusEnum": "sqms.knowledge.choices.ArticleStatus",
        "ConsentPurposeEnum": "sqms.customers.choices.ConsentPurpose",
        "ChecklistKindEnum": "sqms.inspections.choices.ChecklistKind",
        # Survey and checklist versions share draft / published / retired.
        "PublishingStatusEnum": "sqms.inspections.choices.VersionStatus",
        "InspectionStatusEnum": "sqms.inspections.choices.InspectionStatus",
        "FindingSeverityEnum": "sqms.inspections.choices.Severity",
        "TicketReviewStatusEnum": "sqms.inspections.choices.ReviewStatus",
        "InvitationStatusEnum": "sqms.surveys.choices.InvitationStatus",
        "CampaignStatusEnum": "sqms.surveys.choices.CampaignStatus",
        "FollowUpStatusEnum": "sqms.surveys.choices.FollowUpStatus",
        "ResponseModeEnum": "sqms.surveys.choices.ResponseMode",
    },
}

# --- background tasks -----------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The worker writes a heartbeat this often; /healthz calls it stale after three misses.
SQMS_WORKER_HEARTBEAT_SECONDS = env.int("SQMS_WORKER_HEARTBEAT_SECONDS", default=10)
# Tickets the SLA sweep handles per transaction: a killed sweep loses at most one batch's work
# (rolled back, redone by the next run); larger batches lock more rows for longer.
SQMS_SLA_SWEEP_BATCH = env.int("SQMS_SLA_SWEEP_BATCH", default=500)

# --- logging ---------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # axes logs every reset at INFO, which drowns the test output and the server log.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
