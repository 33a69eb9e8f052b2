"""The integration's settings: one typed object resolved once, with sandbox-mode defaults."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

META_HOSTS = {
    "INSTAGRAM_GRAPH_URL": ("https://graph.instagram.com", "graph.instagram.com"),
    "FACEBOOK_GRAPH_URL": ("https://graph.facebook.com", "graph.facebook.com"),
    "INSTAGRAM_OAUTH_URL": ("https://api.instagram.com", "api.instagram.com"),
    "INSTAGRAM_DIALOG_URL": ("https://www.instagram.com", "www.instagram.com"),
    "FACEBOOK_DIALOG_URL": ("https://www.facebook.com", "www.facebook.com"),
    "INSTAGRAM_RUPLOAD_URL": ("https://rupload.facebook.com", "rupload.facebook.com"),
}

# The bundled sandbox's own app credentials (see docs/sandbox.md); public by design.
SANDBOX_APP_ID = "100000000000001"
SANDBOX_APP_SECRET = "sandbox-app-secret"
SANDBOX_WEBHOOK_VERIFY_TOKEN = "sandbox-verify-token"
# The webhook fields the platform processes (contract 7).
WEBHOOK_FIELDS = ("comments", "live_comments", "mentions", "story_insights")

INSTAGRAM_LOGIN_SCOPES = ("instagram_business_basic", "instagram_business_content_publish",
                          "instagram_business_manage_comments",
                          "instagram_business_manage_insights")
FACEBOOK_LOGIN_SCOPES = ("instagram_basic", "instagram_content_publish",
                         "instagram_manage_comments", "instagram_manage_insights",
                         "pages_show_list", "pages_read_engagement", "business_management")

# Values never echoed in a settings error.
SECRET_KEYS = {"INSTAGRAM_APP_SECRET", "INSTAGRAM_FACEBOOK_APP_SECRET", "INSTAGRAM_TOKEN_KEYS",
               "INSTAGRAM_WEBHOOK_VERIFY_TOKEN"}

# Upper bounds of the memory settings. Pillow refuses images past its own MAX_IMAGE_PIXELS
# (89,478,485 by default, ~1 GB converted) before the platform's budget is checked, so a
# larger pixel budget would only promise what cannot happen.
MAX_GRAPH_RESPONSE_BYTES = 64 * 1024 * 1024
PILLOW_MAX_PIXELS = 89_478_485

SLOT_LIST = r"^\s*\d{1,2}:\d{2}(\s*,\s*\d{1,2}:\d{2})*\s*$"
HOURS_LIST = r"^\s*\d+(\.\d+)?(\s*,\s*\d+(\.\d+)?)*\s*$"


class SettingsError(ValueError):
    """A setting has a value the integration cannot use; the message names the variable."""


class InstagramSettings(BaseSettings):
    """Every INSTAGRAM_* key (each documented in .env.example), typed and checked.

    Order: the host's Flask config, then the environment, then the defaults below. With
    no app credentials (or INSTAGRAM_SANDBOX=true) every Meta URL points at the sandbox.
    """

    model_config = SettingsConfigDict(case_sensitive=True, extra="ignore",
                                      env_ignore_empty=True, validate_assignment=True)

    INSTAGRAM_ENABLED: bool = True
    INSTAGRAM_APP_ID: str | None = None
    INSTAGRAM_APP_SECRET: str | None = None
    INSTAGRAM_FACEBOOK_APP_ID: str | None = None
    INSTAGRAM_FACEBOOK_APP_SECRET: str | None = None
    INSTAGRAM_REDIRECT_URI: str | None = None
    INSTAGRAM_SANDBOX: bool | None = None
    INSTAGRAM_SANDBOX_URL: str = "http://127.0.0.1:8001"
    INSTAGRAM_GRAPH_VERSION: str = Field("v25.0", pattern=r"^v\d+\.\d+$")
    INSTAGRAM_DEFAULT_LOGIN: Literal["instagram", "facebook"] = "instagram"
    INSTAGRAM_SCOPES: str = ",".join(INSTAGRAM_LOGIN_SCOPES)
    INSTAGRAM_FACEBOOK_SCOPES: str = ",".join(FACEBOOK_LOGIN_SCOPES)
    INSTAGRAM_FACEBOOK_CONFIG_ID: str | None = None
    INSTAGRAM_TOKEN_KEYS: str | None = None
    INSTAGRAM_STATE_TTL_SECONDS: int = Field(600, gt=0)
    INSTAGRAM_CONNECT_LINK_TTL_SECONDS: int = Field(120, gt=0)
    INSTAGRAM_HTTP_CONNECT_TIMEOUT: float = Field(3.05, gt=0)
    INSTAGRAM_HTTP_READ_TIMEOUT: float = Field(20.0, gt=0)
    INSTAGRAM_MAX_RETRIES: int = Field(3, ge=0)
    INSTAGRAM_RETRY_WAIT_MAX: float = Field(8.0, ge=0)
    INSTAGRAM_REQUEST_BUDGET_SECONDS: float = Field(25.0, gt=0)
    # Bytes of one Graph answer (decoded); a larger one is dropped unread (502). Each call
    # in flight may hold this much, so at most 64 MiB (16 x the default).
    INSTAGRAM_GRAPH_MAX_RESPONSE_BYTES: int = Field(4 * 1024 * 1024, ge=64 * 1024,
                                                    le=MAX_GRAPH_RESPONSE_BYTES)
    INSTAGRAM_APPSECRET_PROOF: bool = True
    INSTAGRAM_CIRCUIT_FAILURES: int = Field(5, gt=0)
    INSTAGRAM_CIRCUIT_COOLDOWN_SECONDS: float = Field(30.0, gt=0)
    INSTAGRAM_RATE_LIMIT: str = "120/minute;2000/hour"
    INSTAGRAM_CONNECT_RATE_LIMIT: str = "20/minute"
    INSTAGRAM_REFRESH_INTERVAL_MINUTES: float = Field(60, gt=0)
    INSTAGRAM_REFRESH_CONCURRENCY: int = Field(16, gt=0, le=64)
    INSTAGRAM_REFRESH_DAYS_LEFT: int = Field(50, gt=0, le=60)
    INSTAGRAM_EXPIRY_WARNING_DAYS: int = Field(7, ge=0)
    INSTAGRAM_LEASE_SECONDS: int = Field(300, gt=0)
    INSTAGRAM_JOB_MAX_FAILURES: int = Field(3, gt=0)
    INSTAGRAM_SYNC_PUBLISH_TIMEOUT: float = Field(10.0, ge=0)
    INSTAGRAM_PUBLISH_POLL_SECONDS: int = Field(5, gt=0)
    INSTAGRAM_PUBLISH_CONCURRENCY: int = Field(8, ge=1, le=64)
    INSTAGRAM_PUBLISH_DEADLINE_MINUTES: int = Field(20, gt=0)
    INSTAGRAM_PUBLISH_WAIT_HOURS: float = Field(6.0, gt=0)
    INSTAGRAM_RECONCILE_HOURS: float = Field(48.0, gt=0)
    INSTAGRAM_DOWNLOAD_RETRIES: int = Field(3, ge=0)
    INSTAGRAM_CONTAINER_RETRIES: int = Field(2, ge=0)
    INSTAGRAM_STATUS_POLL_SECONDS: float = Field(2.5, gt=0)
    INSTAGRAM_PROCESSING_BASE_SECONDS: float = Field(5.0, ge=0)
    INSTAGRAM_PROCESSING_SECONDS_PER_VIDEO_SECOND: float = Field(1.0, ge=0)
    INSTAGRAM_MIN_POST_SPACING_MINUTES: int = Field(10, ge=0)
    INSTAGRAM_SCHEDULE_GRACE_MINUTES: int = Field(60, ge=0)
    INSTAGRAM_SCHEDULE_LEAD_SECONDS: int = Field(600, ge=0, le=23 * 3600)
    INSTAGRAM_SCHEDULE_VIDEO_LEAD_MINUTES: int = Field(60, ge=0, le=23 * 60)
    INSTAGRAM_DEFAULT_TIMEZONE: str = "UTC"
    INSTAGRAM_DEFAULT_POSTING_SLOTS: str = Field("09:00,12:30,18:00", pattern=SLOT_LIST)
    INSTAGRAM_BEST_TIMES_MIN_POSTS: int = Field(8, ge=1)
    INSTAGRAM_QUOTA_CACHE_SECONDS: int = Field(300, ge=0)
    INSTAGRAM_UPLOAD_DIR: str | None = None
    INSTAGRAM_UPLOAD_MAX_BYTES: int = Field(100 * 1024 * 1024, gt=0)
    INSTAGRAM_UPLOAD_RETENTION_HOURS: int = Field(24, ge=0)
    INSTAGRAM_IMAGE_MAX_PIXELS: int = Field(16_000_000, gt=0, le=PILLOW_MAX_PIXELS)
    INSTAGRAM_IMAGE_CONVERSIONS: int = Field(2, gt=0)
    INSTAGRAM_INSIGHTS_CACHE_SECONDS: int = Field(900, ge=0)
    INSTAGRAM_INSIGHTS_SYNC_MINUTES: int = Field(15, gt=0)
    INSTAGRAM_INSIGHTS_SCHEDULE_HOURS: str = Field("1,6,24", pattern=HOURS_LIST)
    INSTAGRAM_STORY_INSIGHTS_HOURS: str = Field("1,6,22", pattern=HOURS_LIST)
    INSTAGRAM_INSIGHTS_MAX_AGE_DAYS: int = Field(30, gt=0)
    INSTAGRAM_INSIGHTS_BUDGET_SHARE: float = Field(0.5, gt=0, le=1)
    INSTAGRAM_INSIGHTS_BATCH_SIZE: int = Field(200, gt=0)
    INSTAGRAM_ACCOUNT_INSIGHTS_METRICS: str | None = None
    INSTAGRAM_REJECTED_METRIC_TTL_HOURS: int = Field(24, ge=0)
    INSTAGRAM_REDIS_PREFIX: str = "instagram:"
    INSTAGRAM_WEBHOOKS: bool | None = None
    INSTAGRAM_WEBHOOK_VERIFY_TOKEN: str | None = None
    INSTAGRAM_WEBHOOK_FIELDS: str = Field(",".join(WEBHOOK_FIELDS),
                                          pattern=rf"^\s*({'|'.join(WEBHOOK_FIELDS)})"
                                                  rf"(\s*,\s*({'|'.join(WEBHOOK_FIELDS)}))*\s*$")
    INSTAGRAM_WEBHOOK_MAX_BYTES: int = Field(4 * 1024 * 1024, gt=0)
    INSTAGRAM_WEBHOOK_RATE_LIMIT: str = "6000/minute"
    INSTAGRAM_WEBHOOK_PROCESS_SECONDS: int = Field(5, gt=0)
    INSTAGRAM_WEBHOOK_BATCH_SIZE: int = Field(500, gt=0)
    INSTAGRAM_COMMENTS_POLL_MINUTES: int = Field(10, gt=0)
    INSTAGRAM_COMMENTS_POLL_MEDIA: int = Field(25, gt=0, le=100)
    INSTAGRAM_COMMENTS_BUDGET_SHARE: float = Field(0.3, gt=0, le=1)
    INSTAGRAM_FIRST_COMMENT_ATTEMPTS: int = Field(5, gt=0)
    # Meta's base URLs; empty means Meta's own hosts, or the sandbox's in sandbox mode.
    INSTAGRAM_GRAPH_URL: str | None = None
    FACEBOOK_GRAPH_URL: str | None = None
    INSTAGRAM_OAUTH_URL: str | None = None
    INSTAGRAM_DIALOG_URL: str | None = None
    FACEBOOK_DIALOG_URL: str | None = None
    INSTAGRAM_RUPLOAD_URL: str | None = None

    @field_validator(*META_HOSTS, "INSTAGRAM_SANDBOX_URL", "INSTAGRAM_REDIRECT_URI")
    @classmethod
    def _http_url(cls, value):
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("INSTAGRAM_DEFAULT_TIMEZONE")
    @classmethod
    def _known_zone(cls, value):
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError("must be an IANA time zone such as Europe/Paris") from None
        return value

    @model_validator(mode="after")
    def _resolve_hosts(self):
        # Assignments below re-run validation (validate_assignment): set via __dict__.
        values = self.__dict__
        if values["INSTAGRAM_SANDBOX"] is None:
            values["INSTAGRAM_SANDBOX"] = not values["INSTAGRAM_APP_ID"]
        if values["INSTAGRAM_SANDBOX"]:
            root = values["INSTAGRAM_SANDBOX_URL"].rstrip("/")
            for key, (_real, host) in META_HOSTS.items():
                values[key] = values[key] or f"{root}/{host}"
            values["INSTAGRAM_APP_ID"] = values["INSTAGRAM_APP_ID"] or SANDBOX_APP_ID
            values["INSTAGRAM_APP_SECRET"] = values["INSTAGRAM_APP_SECRET"] or SANDBOX_APP_SECRET
            values["INSTAGRAM_WEBHOOK_VERIFY_TOKEN"] = (values["INSTAGRAM_WEBHOOK_VERIFY_TOKEN"]
                                                        or SANDBOX_WEBHOOK_VERIFY_TOKEN)
        else:
            for key, (real, _host) in META_HOSTS.items():
                values[key] = values[key] or real
        values["INSTAGRAM_FACEBOOK_APP_ID"] = (values["INSTAGRAM_FACEBOOK_APP_ID"]
                                               or values["INSTAGRAM_APP_ID"])
        values["INSTAGRAM_FACEBOOK_APP_SECRET"] = (values["INSTAGRAM_FACEBOOK_APP_SECRET"]
                                                   or values["INSTAGRAM_APP_SECRET"])
        for key in META_HOSTS:
            values[key] = values[key].rstrip("/")
        # A holder must outlive its slowest call, or a second holder could repeat it.
        call = values["INSTAGRAM_HTTP_CONNECT_TIMEOUT"] + values["INSTAGRAM_HTTP_READ_TIMEOUT"]
        if values["INSTAGRAM_LEASE_SECONDS"] < 3 * call:
            raise ValueError(f"INSTAGRAM_LEASE_SECONDS must be at least three HTTP calls "
                             f"({3 * call:g} s with the configured timeouts)")
        if values["INSTAGRAM_WEBHOOKS"] is None:
            values["INSTAGRAM_WEBHOOKS"] = bool(values["INSTAGRAM_WEBHOOK_VERIFY_TOKEN"])
        return self

    @model_validator(mode="after")
    def _webhooks_need_a_token(self):
        if self.INSTAGRAM_WEBHOOKS and not self.INSTAGRAM_WEBHOOK_VERIFY_TOKEN:
            raise ValueError("INSTAGRAM_WEBHOOKS is on but INSTAGRAM_WEBHOOK_VERIFY_TOKEN is "
                             "not set: Meta's verification request could not be answered")
        return self

    def scopes(self, login_type):
        """The scopes asked for in one login flow's dialog, as a list."""
        text = self.INSTAGRAM_SCOPES if login_type == "instagram" \
            else self.INSTAGRAM_FACEBOOK_SCOPES
        return [s for s in (p.strip() for p in text.replace(" ", ",").split(",")) if s]

    def webhook_fields(self):
        """The webhook fields accounts are subscribed to, as a list."""
        return [f.strip() for f in self.INSTAGRAM_WEBHOOK_FIELDS.split(",") if f.strip()]

    def hours(self, key):
        """A comma-separated hours setting ("1,6,24") as sorted floats."""
        return sorted(float(h) for h in str(getattr(self, key)).split(",") if h.strip())


KEYS = tuple(InstagramSettings.model_fields)


def resolve(config, environ=None):
    """InstagramSettings from the host's config, then the environment (or `environ`).

    Raises SettingsError naming the variable when a value is unusable, so a bad .env
    fails start-up instead of the first request that needs it.
    """
    given = {k: config[k] for k in KEYS if config.get(k) not in (None, "")}
    try:
        if environ is None:
            return InstagramSettings(**given)
        env = {k: v for k, v in environ.items() if k in KEYS and v not in (None, "")}
        return InstagramSettings.model_validate({**env, **given})
    except ValidationError as exc:
        raise SettingsError(_explain(exc)) from None


def _explain(exc):
    lines = []
    for error in exc.errors():
        key = ".".join(str(p) for p in error["loc"]) or "settings"
        # A whole-object error's input is every setting, secrets included: never shown.
        shown = "" if key in SECRET_KEYS or not error["loc"] or "input" not in error \
            else f" (got {error['input']!r})"
        lines.append(f"{key}: {error['msg']}{shown}")
    return "invalid Instagram settings: " + "; ".join(lines)
