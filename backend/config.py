"""Host platform settings read from the environment (and .env); no Flask imports.

A value that cannot be used fails start-up with SettingsError naming the variable, as the
Instagram integration's settings do (the values of URLs, which may hold passwords, are
never echoed).
"""
import os
from datetime import timedelta

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("json", "text", "auto")
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


class SettingsError(ValueError):
    """A host setting has a value the platform cannot use; the message names the variable."""


def env_bool(name, default=False, environ=None):
    """Read a boolean environment variable: 1/0, true/false, yes/no, on/off (any case)."""
    value = (environ if environ is not None else os.environ).get(name)
    if value is None or value.strip() == "":
        return default
    word = value.strip().lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        raise SettingsError(f"{name}: must be one of 1/0, true/false, yes/no, on/off "
                            f"(got {value!r})")
    return word in TRUE_WORDS


def env_int(name, default, environ=None, minimum=1, maximum=2**31 - 1):
    """Read an integer environment variable, falling back to the default when unset."""
    value = (environ if environ is not None else os.environ).get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise SettingsError(f"{name}: must be an integer (got {value!r})") from None
    if number < minimum:
        raise SettingsError(f"{name}: must be at least {minimum} (got {number})")
    if number > maximum:
        raise SettingsError(f"{name}: must be at most {maximum} (got {value.strip()[:20]})")
    return number


def log_level(value, name="LOG_LEVEL"):
    """A level name in any case (WARN for WARNING, FATAL for CRITICAL)."""
    level = str(value or "INFO").strip().upper()
    level = {"WARN": "WARNING", "FATAL": "CRITICAL"}.get(level, level)
    if level not in LOG_LEVELS:
        raise SettingsError(f"{name}: must be one of {', '.join(LOG_LEVELS)} in any case "
                            f"(got {value!r})")
    return level


def log_format(value, name="LOG_FORMAT"):
    fmt = str(value or "auto").strip().lower()
    if fmt not in LOG_FORMATS:
        raise SettingsError(f"{name}: must be json, text or auto (got {value!r})")
    return fmt


NOT_SHOWN = "its value is not shown: it may hold a password"


def redis_url(value, name="REDIS_URL"):
    """A Redis URL as redis-py reads it; `host:port` alone is refused, not guessed."""
    if value and not str(value).startswith(REDIS_SCHEMES):
        raise SettingsError(f"{name}: must be a URL starting with redis://, rediss:// or "
                            f"unix://, e.g. redis://localhost:6379/0 ({NOT_SHOWN})")
    _check_port(value, name)
    return value or None


def storage_uri(value, name="RATELIMIT_STORAGE_URI"):
    """A storage URL of the `limits` library (redis://, memory://, memcached://...): an
    unknown scheme would otherwise fail in the library with the whole URL in its message."""
    from limits.storage import SCHEMES  # the library's own list of the schemes it knows
    scheme = str(value).split("://", 1)[0].lower() if value and "://" in str(value) else None
    if value and scheme not in SCHEMES:
        raise SettingsError(f"{name}: must be a storage URL such as redis://localhost:6379/0 "
                            f"or memory://, with a scheme the limits library knows "
                            f"({', '.join(sorted(s for s in SCHEMES if '+' not in s))}, ...; "
                            f"{NOT_SHOWN})")
    _check_port(value, name)
    return value or None


def database_url(value, name="DATABASE_URL"):
    """A SQLAlchemy URL (postgresql+psycopg://user:pass@host/db, sqlite:///path)."""
    if not value:
        return None
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError
    try:
        url = make_url(value)
    except ArgumentError:
        raise SettingsError(f"{name}: must be a database URL such as "
                            f"postgresql+psycopg://user:password@host/db ({NOT_SHOWN})") from None
    _check_port(url.render_as_string(hide_password=True), name)
    return value


def _check_port(value, name):
    from urllib.parse import urlsplit
    try:
        urlsplit(str(value or "")).port
    except ValueError:
        raise SettingsError(f"{name}: its port must be a number from 0 to 65535 "
                            f"({NOT_SHOWN})") from None


def allowed_networks(value, name="METRICS_ALLOW_FROM"):
    """"127.0.0.0/8, ::1" as a tuple of networks; SettingsError names the bad entry."""
    import ipaddress
    networks = []
    for part in (p.strip() for p in str(value or "").split(",")):
        if part:
            try:
                networks.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise SettingsError(f"{name}: {part!r} is not an address or network") from None
    return tuple(networks)


def allow_list(value, name="METRICS_ALLOW_FROM"):
    """The allow-list as given, once every entry is an address or network (the metrics
    module reads it into networks when it is set up)."""
    allowed_networks(value, name)
    return value


# Settings that may also come from create_app's `config` argument: checked there too, and
# by gunicorn's master before any worker boots (backend/startup_check.py).
CHECKED = {"LOG_LEVEL": log_level, "LOG_FORMAT": log_format, "REDIS_URL": redis_url,
           "RATELIMIT_STORAGE_URI": storage_uri,
           "SQLALCHEMY_DATABASE_URI": lambda v: database_url(v, "DATABASE_URL"),
           "METRICS_ALLOW_FROM": allow_list}


def check(config):
    """Normalise the CHECKED settings of `config` in place; one SettingsError naming every
    unusable one."""
    problems = []
    for key, parse in CHECKED.items():
        if key in config:
            try:
                config[key] = parse(config[key])
            except SettingsError as exc:
                problems.append(str(exc))
    if problems:
        raise SettingsError("invalid settings: " + "; ".join(problems))


def host_settings(environ=None):
    """Return the host platform's settings as a dict of Flask config keys.

    Instagram settings (INSTAGRAM_*) are not read here: the blueprint owns them and reads
    them when it is registered, so a host that does not use it never sees them. Raises
    SettingsError naming every variable whose value cannot be used.
    """
    env = os.environ if environ is None else environ
    problems = []

    def read(parse, *args, **kwargs):
        try:
            return parse(*args, **kwargs)
        except SettingsError as exc:
            problems.append(str(exc))
            return None

    # At most a year: a JWT that never expires is not a setting this platform offers.
    minutes = read(env_int, "JWT_ACCESS_TOKEN_MINUTES", 60, env, maximum=525_600)
    settings = {
        # Signs sessions; JWT_SECRET_KEY falls back to it.
        "SECRET_KEY": env.get("SECRET_KEY") or None,
        "JWT_SECRET_KEY": env.get("JWT_SECRET_KEY") or env.get("SECRET_KEY") or None,
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=minutes or 60),
        # Empty means SQLite in the instance folder (set by create_app).
        "SQLALCHEMY_DATABASE_URI": read(database_url, env.get("DATABASE_URL")),
        # hide_parameters: bound values (emails, password hashes, tokens) never reach a SQL
        # log line or an exception's text, whatever the log level or SQLALCHEMY_ECHO. The pool's
        # defaults depend on the database (create_app): given options win over them.
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
        # Largest request body accepted: multipart uploads to the routes that take files;
        # larger ones get 413.
        "MAX_CONTENT_LENGTH": read(env_int, "MAX_CONTENT_LENGTH", 110 * 1024 * 1024, env),
        # Largest body of every other request (JSON, forms without files); larger ones get 413.
        "MAX_JSON_BODY_BYTES": read(env_int, "MAX_JSON_BODY_BYTES", 1024 * 1024, env),
        # In-process APScheduler; turn off in processes that must not run background jobs.
        "SCHEDULER_ENABLED": read(env_bool, "SCHEDULER_ENABLED", True, env),
        # Redis shared by every worker and host: rate limits, Meta throttles, the circuit
        # breaker, rejected metrics. Empty: each process keeps its own (one process only).
        "REDIS_URL": read(redis_url, env.get("REDIS_URL")),
        # Flask-Limiter storage. Empty: REDIS_URL when that is set (create_app), else memory://.
        "RATELIMIT_STORAGE_URI": read(storage_uri, env.get("RATELIMIT_STORAGE_URI")),
        # A Redis outage falls back to per-process counters instead of failing requests;
        # short timeouts so a hung Redis costs milliseconds.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        "RATELIMIT_ENABLED": read(env_bool, "RATELIMIT_ENABLED", True, env),
        # Prefix of the rate limiter's keys: deployments sharing one Redis need their own.
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX") or "platform",
        "LOG_LEVEL": read(log_level, env.get("LOG_LEVEL")),
        # json, text, or auto (text on a terminal, JSON lines otherwise).
        "LOG_FORMAT": read(log_format, env.get("LOG_FORMAT")),
        # Who may scrape GET /metrics: these addresses/networks, or a bearer METRICS_TOKEN.
        "METRICS_ALLOW_FROM": env.get("METRICS_ALLOW_FROM") or "127.0.0.0/8,::1",
        "METRICS_TOKEN": env.get("METRICS_TOKEN") or None,
        # Public URL of this platform, used for links Meta or browsers must reach.
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL") or None,
    }
    if problems:
        raise SettingsError("invalid settings: " + "; ".join(problems))
    return settings
