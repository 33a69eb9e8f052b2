"""The integration's config keys, their defaults, and sandbox-mode resolution (no Flask)."""
import os

from backend.config import TRUE_WORDS

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

INSTAGRAM_LOGIN_SCOPES = ("instagram_business_basic", "instagram_business_content_publish",
                          "instagram_business_manage_comments",
                          "instagram_business_manage_insights")
FACEBOOK_LOGIN_SCOPES = ("instagram_basic", "instagram_content_publish",
                         "instagram_manage_comments", "instagram_manage_insights",
                         "pages_show_list", "pages_read_engagement", "business_management")

# Key -> (default, type). Each is documented in .env.example.
DEFAULTS = {
    "INSTAGRAM_APP_ID": (None, str),
    "INSTAGRAM_APP_SECRET": (None, str),
    "INSTAGRAM_FACEBOOK_APP_ID": (None, str),
    "INSTAGRAM_FACEBOOK_APP_SECRET": (None, str),
    "INSTAGRAM_REDIRECT_URI": (None, str),
    "INSTAGRAM_SANDBOX": (None, bool),
    "INSTAGRAM_SANDBOX_URL": ("http://127.0.0.1:8001", str),
    "INSTAGRAM_GRAPH_VERSION": ("v25.0", str),
    "INSTAGRAM_DEFAULT_LOGIN": ("instagram", str),
    "INSTAGRAM_SCOPES": (",".join(INSTAGRAM_LOGIN_SCOPES), str),
    "INSTAGRAM_FACEBOOK_SCOPES": (",".join(FACEBOOK_LOGIN_SCOPES), str),
    "INSTAGRAM_FACEBOOK_CONFIG_ID": (None, str),
    "INSTAGRAM_TOKEN_KEYS": (None, str),
    "INSTAGRAM_STATE_TTL_SECONDS": (600, int),
    "INSTAGRAM_HTTP_CONNECT_TIMEOUT": (3.05, float),
    "INSTAGRAM_HTTP_READ_TIMEOUT": (20.0, float),
    "INSTAGRAM_MAX_RETRIES": (3, int),
    "INSTAGRAM_RETRY_WAIT_MAX": (8.0, float),
    "INSTAGRAM_APPSECRET_PROOF": (True, bool),
    "INSTAGRAM_CIRCUIT_FAILURES": (5, int),
    "INSTAGRAM_CIRCUIT_COOLDOWN_SECONDS": (30.0, float),
    "INSTAGRAM_RATE_LIMIT": ("120/minute;2000/hour", str),
    "INSTAGRAM_CONNECT_RATE_LIMIT": ("20/minute", str),
    "INSTAGRAM_REFRESH_INTERVAL_MINUTES": (60, int),
    "INSTAGRAM_REFRESH_DAYS_LEFT": (50, int),
    "INSTAGRAM_EXPIRY_WARNING_DAYS": (7, int),
    "INSTAGRAM_LEASE_SECONDS": (300, int),
    "INSTAGRAM_SYNC_PUBLISH_TIMEOUT": (10.0, float),
    "INSTAGRAM_PUBLISH_POLL_SECONDS": (5, int),
    "INSTAGRAM_PUBLISH_DEADLINE_MINUTES": (20, int),
    "INSTAGRAM_QUOTA_CACHE_SECONDS": (300, int),
    "INSTAGRAM_UPLOAD_DIR": (None, str),
    "INSTAGRAM_UPLOAD_MAX_BYTES": (100 * 1024 * 1024, int),
    "INSTAGRAM_UPLOAD_RETENTION_HOURS": (24, int),
    "INSTAGRAM_INSIGHTS_CACHE_SECONDS": (900, int),
    "INSTAGRAM_INSIGHTS_SYNC_MINUTES": (15, int),
    "INSTAGRAM_INSIGHTS_SCHEDULE_HOURS": ("1,6,24", str),
    "INSTAGRAM_STORY_INSIGHTS_HOURS": ("1,6,22", str),
    "INSTAGRAM_INSIGHTS_MAX_AGE_DAYS": (30, int),
    "INSTAGRAM_INSIGHTS_BUDGET_SHARE": (0.5, float),
    "INSTAGRAM_INSIGHTS_BATCH_SIZE": (200, int),
    "INSTAGRAM_ACCOUNT_INSIGHTS_METRICS": (None, str),
    "INSTAGRAM_REJECTED_METRIC_TTL_HOURS": (24, int),
}
for _key, (_default, _kind) in META_HOSTS.items():
    DEFAULTS[_key] = (None, str)


def _coerce(value, kind):
    if value is None or kind is str:
        return value
    if kind is bool:
        return value if isinstance(value, bool) else str(value).strip().lower() in TRUE_WORDS
    return kind(value)


def resolve(config, environ=None):
    """Settings for the integration: the host's config first, then the environment, then
    defaults. Sandbox mode (no app credentials) points every Meta URL at the sandbox."""
    env = os.environ if environ is None else environ
    out = {}
    for key, (default, kind) in DEFAULTS.items():
        value = config.get(key)
        if value is None or value == "":
            value = env.get(key) or None
        out[key] = default if value is None else _coerce(value, kind)
    if out["INSTAGRAM_SANDBOX"] is None:
        out["INSTAGRAM_SANDBOX"] = not out["INSTAGRAM_APP_ID"]
    if out["INSTAGRAM_SANDBOX"]:
        root = out["INSTAGRAM_SANDBOX_URL"].rstrip("/")
        for key, (_real, host) in META_HOSTS.items():
            out[key] = out[key] or f"{root}/{host}"
        out["INSTAGRAM_APP_ID"] = out["INSTAGRAM_APP_ID"] or SANDBOX_APP_ID
        out["INSTAGRAM_APP_SECRET"] = out["INSTAGRAM_APP_SECRET"] or SANDBOX_APP_SECRET
    else:
        for key, (real, _host) in META_HOSTS.items():
            out[key] = out[key] or real
    out["INSTAGRAM_FACEBOOK_APP_ID"] = out["INSTAGRAM_FACEBOOK_APP_ID"] or out["INSTAGRAM_APP_ID"]
    out["INSTAGRAM_FACEBOOK_APP_SECRET"] = (out["INSTAGRAM_FACEBOOK_APP_SECRET"]
                                            or out["INSTAGRAM_APP_SECRET"])
    for key in META_HOSTS:
        out[key] = out[key].rstrip("/")
    return out


def scopes(settings, login_type):
    key = "INSTAGRAM_SCOPES" if login_type == "instagram" else "INSTAGRAM_FACEBOOK_SCOPES"
    return [s for s in (p.strip() for p in settings[key].replace(" ", ",").split(",")) if s]
