"""Unbound extension objects (database, JWT, rate limiter, scheduler) bound by create_app."""
from apscheduler.schedulers.background import BackgroundScheduler
from flask import request
from flask_jwt_extended import JWTManager, get_jwt_identity, verify_jwt_in_request
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

# Named constraints keep Alembic migrations portable between SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate()
jwt = JWTManager()


def user_or_ip_key():
    """Rate-limit key: the JWT user when the request carries a valid token, else the client IP."""
    try:
        verify_jwt_in_request(optional=True)
        identity = get_jwt_identity()
    except Exception:  # an invalid token is reported by the view itself, not by the limiter
        identity = None
    if identity is not None:
        return f"user:{identity}"
    return f"ip:{request.remote_addr or 'unknown'}"


limiter = Limiter(key_func=user_or_ip_key, default_limits=[], headers_enabled=True)


class Scheduler:
    """A lazily created APScheduler BackgroundScheduler with Flask app-context job wrapping."""

    def __init__(self):
        self.app = None
        self._scheduler = None

    def init_app(self, app):
        self.app = app
        app.extensions["scheduler"] = self

    @property
    def scheduler(self):
        if self._scheduler is None:
            self._scheduler = BackgroundScheduler(timezone="UTC", job_defaults={
                "coalesce": True, "max_instances": 1, "misfire_grace_time": 300})
        return self._scheduler

    def add_job(self, job_id, func, **trigger):
        """Schedule func(app) every so often, inside an app context; replaces a job of that id."""
        app = self.app

        def run():
            with app.app_context():
                func(app)

        self.scheduler.add_job(run, "interval", id=job_id, replace_existing=True, **trigger)

    def run_once_at(self, job_id, func, when, *args):
        """Run func(app, *args) once at `when` (an aware datetime), in an app context; a job
        of that id not yet run is replaced. Only while the scheduler runs in this process."""
        if not self.running:
            return False
        app = self.app

        def run():
            with app.app_context():
                func(app, *args)

        self.scheduler.add_job(run, "date", id=job_id, name=job_id, run_date=when,
                               replace_existing=True, misfire_grace_time=60)
        return True

    def start(self):
        if not self.scheduler.running:
            self.scheduler.start()

    @property
    def running(self):
        return self._scheduler is not None and self._scheduler.running

    def job_ids(self):
        return [job.id for job in self.scheduler.get_jobs()]


scheduler = Scheduler()
