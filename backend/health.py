"""Health probes: /health/live (the process answers) and /health/ready (it can do its work).

Liveness never touches the database: a database outage must not make an orchestrator
restart every worker. Readiness checks what a request or a job needs: the database answers
and is migrated to this code's newest revision or past it (the deploy order upgrades the
database before new workers start, see backend/schema.py), the scheduler runs in this
process (or was turned off on purpose), and Redis answers when it is configured. A Redis
outage leaves the platform ready but "degraded" (limits and guards fall back to each
process, see docs/operations.md), since taking every worker out of service would turn a
degraded API into none.
"""
import logging
import os

from flask import current_app, jsonify
from sqlalchemy import text

from backend import schema
from backend.extensions import db, scheduler

log = logging.getLogger(__name__)


def live():
    return jsonify({"status": "ok"})


def _database():
    """(database check, SchemaState or None)."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = schema.current_revisions(connection)
    except Exception as exc:  # report, don't crash: this is what monitors poll
        log.warning("readiness: database unavailable (%s)", type(exc).__name__)
        return "unavailable", None
    return "ok", schema.compare(current, current_app.extensions["migrate"].directory)


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
    database, state = _database()
    migrations = "unavailable" if state is None else (
        schema.AHEAD if state.state == schema.AHEAD else state.describe())
    checks = {"database": database, "migrations": migrations, "scheduler": _scheduler(),
              "redis": _redis()}
    failing = state is None or not state.usable or checks["scheduler"] == "stopped"
    status = "not_ready" if failing else ("degraded" if checks["redis"] == "unavailable"
                                          else "ready")
    body = {"status": status, "checks": checks, "pid": os.getpid()}
    if state is not None and state.state == schema.AHEAD:
        body["note"] = state.describe()
    return jsonify(body), 503 if failing else 200


def init_app(app):
    app.add_url_rule("/health/live", "health_live", live)
    # Kept for monitors set up before the split: the same answer as liveness.
    app.add_url_rule("/health", "health", live)
    app.add_url_rule("/health/ready", "health_ready", ready)
