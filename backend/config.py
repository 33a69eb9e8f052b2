"""Host platform settings read from the environment (and .env); no Flask imports."""
import os
from datetime import timedelta

TRUE_WORDS = {"1", "true", "yes", "on"}


def env_bool(name, default=False, environ=None):
    """Read a boolean environment variable ("1", "true", "yes", "on" are true)."""
    value = (environ if environ is not None else os.environ).get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in TRUE_WORDS


def env_int(name, default, environ=None):
    """Read an integer environment variable, falling back to the default when unset."""
    value = (environ if environ is not None else os.environ).get(name)
    if value is None or value.strip() == "":
        return default
    return int(value)


def host_settings(environ=None):
    """Return the host platform's settings as a dict of Flask config keys.

    Instagram settings (INSTAGRAM_*) are not read here: the blueprint owns them and reads
    them when it is registered, so a host that does not use it never sees them.
    """
    env = os.environ if environ is None else environ
    return {
        # Signs sessions; JWT_SECRET_KEY falls back to it.
        "SECRET_KEY": env.get("SECRET_KEY") or None,
        "JWT_SECRET_KEY": env.get("JWT_SECRET_KEY") or env.get("SECRET_KEY") or None,
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(
            minutes=env_int("JWT_ACCESS_TOKEN_MINUTES", 60, env)),
        # Empty means SQLite in the instance folder (set by create_app).
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL") or None,
        # hide_parameters: bound values (emails, password hashes, tokens) never reach a SQL
        # log line or an exception's text, whatever the log level or SQLALCHEMY_ECHO.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        # Largest request body accepted: multipart uploads to the routes that take files;
        # larger ones get 413.
        "MAX_CONTENT_LENGTH": env_int("MAX_CONTENT_LENGTH", 110 * 1024 * 1024, env),
        # Largest body of every other request (JSON, forms without files); larger ones get 413.
        "MAX_JSON_BODY_BYTES": env_int("MAX_JSON_BODY_BYTES", 1024 * 1024, env),
        # In-process APScheduler; turn off in processes that must not run background jobs.
        "SCHEDULER_ENABLED": env_bool("SCHEDULER_ENABLED", True, env),
        # Redis shared by every worker and host: rate limits, Meta throttles, the circuit
        # breaker, rejected metrics. Empty: each process keeps its own (one process only).
        "REDIS_URL": env.get("REDIS_URL") or None,
        # Flask-Limiter storage. Empty: REDIS_URL when that is set (create_app), else memory://.
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or None,
        # A Redis outage falls back to per-process counters instead of failing requests;
        # short timeouts so a hung Redis costs milliseconds.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        "RATELIMIT_ENABLED": env_bool("RATELIMIT_ENABLED", True, env),
        # Prefix of the rate limiter's keys: deployments sharing one Redis need their own.
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX") or "platform",
        "LOG_LEVEL": env.get("LOG_LEVEL") or "INFO",
        # json, text, or auto (text on a terminal, JSON lines otherwise).
        "LOG_FORMAT": env.get("LOG_FORMAT") or "auto",
        # Who may scrape GET /metrics: these addresses/networks, or a bearer METRICS_TOKEN.
        "METRICS_ALLOW_FROM": env.get("METRICS_ALLOW_FROM") or "127.0.0.0/8,::1",
        "METRICS_TOKEN": env.get("METRICS_TOKEN") or None,
        # Public URL of this platform, used for links Meta or browsers must reach.
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL") or None,
    }
