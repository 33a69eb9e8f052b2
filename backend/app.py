"""create_app(config=None): the composition root, the only place that wires the platform."""
import logging
import os
import secrets
from pathlib import Path

from flask import Flask
from sqlalchemy.engine import make_url

from backend import (api_docs, auth, errors, health, home, inputs, metrics, notifications,
                     request_log)
from backend.config import host_settings
from backend.config import check as check_settings
from backend.extensions import db, jwt, limiter, migrate, scheduler
from backend.inputs import SafeJSONProvider
from backend.logging_setup import configure_logging
from backend.sessions import SessionsOnDemand
# What a setting the platform cannot use raises at start-up (one tuple with the master's check).
from backend.startup_check import SETTINGS_ERRORS  # noqa: F401 (wsgi.py, start_platform.py)

log = logging.getLogger(__name__)

MIGRATIONS_DIR = str(Path(__file__).resolve().parent / "migrations")

# Connections a process keeps open to a database server between uses (SQLAlchemy's default
# is 5): as many as the token refresh job has threads (INSTAGRAM_REFRESH_CONCURRENCY, 16).
# Beyond the kept ones a connection is closed when given back and opened again when next
# needed, a new server process and an authentication each time on PostgreSQL: with 5, the
# job opened one connection every ten tokens. Connections are still opened only on demand.
SERVER_POOL_SIZE = 16


def create_app(config=None):
    """Build the platform. `config` overrides settings from the environment (tests use it)."""
    config = dict(config or {})
    instance_path = config.pop("INSTANCE_PATH", None) or os.environ.get("INSTANCE_PATH")
    app = Flask("backend", instance_path=instance_path and os.path.abspath(instance_path),
                instance_relative_config=True)
    app.json = SafeJSONProvider(app)  # request bodies nested too deep are a 400, not a 500
    app.config.from_mapping({k: v for k, v in host_settings().items() if v is not None})
    app.config.update(config)
    check_settings(app.config)
    os.makedirs(app.instance_path, exist_ok=True)
    configure_logging(app.config.get("LOG_LEVEL", "INFO"), app.config.get("LOG_FORMAT"))
    _default_database(app)
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config.get("REDIS_URL") or "memory://"
    _default_secrets(app)
    app.json.sort_keys = False
    app.session_interface = SessionsOnDemand()

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    jwt.init_app(app)
    # Before the limiter: a request it refuses still gets its id, log line and metric.
    request_log.init_app(app)
    # Before the limiter too: its key functions read login bodies, which must be capped first.
    inputs.init_app(app)
    # Before the limiter too (after-request hooks run last-registered first): the limiter
    # puts a Retry-After on every limited answer, successes included.
    app.after_request(errors.retry_after_only_when_meaningful)
    limiter.init_app(app)
    scheduler.init_app(app)
    errors.init_app(app)
    auth.init_app(app)
    health.init_app(app)
    metrics.init_app(app)
    notifications.init_app(app)
    api_docs.init_app(app)

    # The Instagram integration: registration alone sets it up.
    from backend.services.instagram import instagram_bp
    app.register_blueprint(instagram_bp)
    home.init_app(app)
    return app


def start_background_jobs(app):
    """Start the in-process scheduler (the entry points call this, create_app does not)."""
    if app.config.get("SCHEDULER_ENABLED", True):
        scheduler.start()
        log.info("background jobs started: %s", ", ".join(scheduler.job_ids()) or "none")


def upgrade_database(app):
    """Apply pending Alembic migrations (start_platform.py runs this at start)."""
    from flask_migrate import upgrade
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)


def _default_database(app):
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        path = os.path.join(app.instance_path, "platform.sqlite3")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    # Bound parameters (emails, password hashes) never reach a log line or an exception's
    # text, even when a deployment gives engine options of its own.
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("hide_parameters", True)
    # The rest only where the deployment said nothing. A ping per checkout finds a server's
    # connection lost to a restart; SQLite has no server (it would be one more query per
    # request for nothing). The URI may be text or a SQLAlchemy URL.
    server = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() != "sqlite"
    options.setdefault("pool_pre_ping", server)
    if server and "poolclass" not in options and "pool" not in options:
        # A pool of the deployment's choice may take no size (NullPool, behind pgbouncer).
        options.setdefault("pool_size", SERVER_POOL_SIZE)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _default_secrets(app):
    """Use configured secrets; otherwise a generated one kept in the instance folder."""
    if not app.config.get("SECRET_KEY"):
        path = os.path.join(app.instance_path, "secret_key")
        if not os.path.exists(path):
            with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
                out.write(secrets.token_urlsafe(48))
            log.warning("SECRET_KEY is not set: generated a development key in %s", path)
        with open(path) as handle:
            app.config["SECRET_KEY"] = handle.read().strip()
    if not app.config.get("JWT_SECRET_KEY"):
        app.config["JWT_SECRET_KEY"] = app.config["SECRET_KEY"]
