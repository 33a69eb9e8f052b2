"""Unbound extension objects (database, JWT, rate limiter, scheduler) bound by create_app."""
import sqlite3

from flask import request
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

from backend.identity import optional_identity
from backend.scheduler import Scheduler
# memory:// swept once a second, not every 10 ms (registered before any limiter is set up).
from backend.services.instagram.core import memory_storage  # noqa: F401

# Named constraints keep Alembic migrations portable between SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))


@event.listens_for(Engine, "connect")
def _sqlite_for_threads(dbapi_connection, _record):
    """SQLite for a threaded server and concurrent jobs: readers do not block the writer
    (WAL), and a writer waits its turn for up to 30 s instead of failing after 5."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


migrate = Migrate()
jwt = JWTManager()


def user_or_ip_key():
    """Rate-limit key: the JWT user when the request carries a valid token, else the client IP.

    An invalid token is reported by the view itself, not by the limiter; the decoded token is
    shared with the view (backend/identity.py), so the key costs no second decode.
    """
    identity = optional_identity()
    if identity is not None:
        return f"user:{identity}"
    return f"ip:{request.remote_addr or 'unknown'}"


limiter = Limiter(key_func=user_or_ip_key, default_limits=[], headers_enabled=True)


scheduler = Scheduler()
