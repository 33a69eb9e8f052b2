"""Health probes: /health/live (the process answers) and /health/ready (it can do its work).

Liveness never touches the database: a database outage must not make an orchestrator
restart every worker. Readiness checks what a request or a job needs: the database answers
and is migrated to the newest revision, the scheduler runs in this process (or was turned
off on purpose), and Redis answers when it is configured. A Redis outage leaves the
platform ready but "degraded" (limits and guards fall back to each process, see
docs/operations.md), since taking every worker out of service would turn a degraded API
into none.
"""
import logging
import os
from functools import lru_cache

from alembic.script import ScriptDirectory
from flask import current_app, jsonify
from sqlalchemy import text

from backend.extensions import db, scheduler

log = logging.getLogger(__name__)


def live():
    return jsonify({"status": "ok"})


@lru_cache(maxsize=4)
def head_revisions(migrations_dir):
    """The newest revision(s) of the migration scripts (read once per process)."""
    from alembic.config import Config
    config = Config()
    config.set_main_option("script_location", migrations_dir)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def _database():
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            try:
                current = {row[0] for row in connection.execute(
                    text("SELECT version_num FROM alembic_version"))}
            except Exception:
                current = set()
    except Exception as exc:  # report, don't crash: this is what monitors poll
        log.warning("readiness: database unavailable (%s)", type(exc).__name__)
        return "unavailable", "unavailable"
    heads = head_revisions(current_app.extensions["migrate"].directory)
    if current == heads:
        return "ok", "ok"
    found = ", ".join(sorted(current)) or "none"
    return "ok", f"not at head (database: {found}; code: {', '.join(sorted(heads))}); " \
                 "run `flask --app backend.app db upgrade`"


def _scheduler():
    if not current_app.config.get("SCHEDULER_ENABLED", True):
        return "disabled"
    return "running" if scheduler.running else "stopped"


def _redis():
    store = current_app.extensions.get("shared_store")
    if store is None or not getattr(store, "shared", False):
        return "not_configured"
    return "ok" if store.ping() else "unavailable"


def ready():
    database, migrations = _database()
    checks = {"database": database, "migrations": migrations, "scheduler": _scheduler(),
              "redis": _redis()}
    failing = database != "ok" or migrations != "ok" or checks["scheduler"] == "stopped"
    status = "not_ready" if failing else ("degraded" if checks["redis"] == "unavailable"
                                          else "ready")
    body = {"status": status, "checks": checks, "pid": os.getpid()}
    return jsonify(body), 503 if failing else 200


def init_app(app):
    app.add_url_rule("/health/live", "health_live", live)
    # Kept for monitors set up before the split: the same answer as liveness.
    app.add_url_rule("/health", "health", live)
    app.add_url_rule("/health/ready", "health_ready", ready)
