"""The in-process job scheduler (APScheduler): named jobs in an app context, timed and counted.

Every job run is one DEBUG line unless it raised (ERROR with the traceback; before the
database is migrated, one WARNING per process for all jobs) and one sample of
`background_job_runs_total` / `background_job_duration_seconds`; the jobs themselves log at
INFO only when they did something.

A preforking server that loaded the app before forking (gunicorn --preload) would leave the
scheduler's thread in the master only, while the forked workers believe it runs. So when a
process with a running scheduler forks, the scheduler stops before the fork (no job holds a
lock or a database connection across it) and starts afresh in each child, with the child's
own database connections; the master runs no jobs.
"""
from __future__ import annotations

import logging
import os
import threading
import time

from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger(__name__)


class Scheduler:
    """A lazily created BackgroundScheduler whose jobs run func(app) inside an app context."""

    def __init__(self):
        self.app = None
        self._scheduler = None
        self._jobs = {}
        self._pid = None
        self._hand_over = False
        self._fork_hooks = False
        self._schema_seen_missing = False
        self._schema_lock = threading.Lock()

    def init_app(self, app):
        self.app = app
        app.extensions["scheduler"] = self

    @property
    def scheduler(self):
        if self._scheduler is None:
            self._scheduler = BackgroundScheduler(timezone="UTC", job_defaults={
                "coalesce": True, "max_instances": 1, "misfire_grace_time": 300})
            for job_id, (func, trigger) in self._jobs.items():
                self._schedule(job_id, func, trigger)
        return self._scheduler

    def add_job(self, job_id, func, **trigger):
        """Schedule func(app) every so often, inside an app context; replaces a job of that id."""
        self._jobs[job_id] = (func, trigger)
        if self._scheduler is not None:
            self._schedule(job_id, func, trigger)

    def _schedule(self, job_id, func, trigger):
        self._scheduler.add_job(self._runner(job_id, func), "interval", id=job_id, name=job_id,
                                replace_existing=True, **trigger)

    def _runner(self, job_id, func):
        app = self.app

        def run():
            from backend.metrics import host_metrics
            started = time.perf_counter()
            outcome = "ok"
            try:
                with app.app_context():
                    result = func(app)
            except Exception as exc:  # logged and counted here; APScheduler would log it again
                outcome = self._failed(app, job_id, exc)
            else:
                if self._schema_seen_missing and self._schema_flag(False):
                    log.info("background jobs run again: the database is migrated")
            duration = time.perf_counter() - started
            metrics = host_metrics()
            metrics.job_runs.labels(job_id, outcome).inc()
            metrics.job_seconds.labels(job_id).observe(duration)
            if outcome == "ok":
                log.debug("job %s finished in %.3f s: %s", job_id, duration, result,
                          extra={"job": job_id, "duration_ms": round(duration * 1000, 2)})

        run.__name__ = run.__qualname__ = job_id
        return run

    def _failed(self, app, job_id, exc):
        """Log a job's failure: its traceback, unless the database is not migrated yet (every
        job fails then, every few seconds in every worker: said once, with what to do)."""
        missing = _schema_missing(app, exc)
        if missing is None:
            log.exception("job %s failed", job_id, extra={"job": job_id})
            return "error"
        if self._schema_flag(True):
            log.warning("background jobs wait: the database is %s; they run once it is "
                        "migrated", missing, extra={"job": job_id})
        return "not_migrated"

    def _schema_flag(self, missing):
        """Set whether jobs wait for migrations; True when that changed (said once)."""
        with self._schema_lock:
            changed = self._schema_seen_missing != missing
            self._schema_seen_missing = missing
            return changed

    def run_once_at(self, job_id, func, when, *args):
        """Run func(app, *args) once at `when` (an aware datetime), in an app context; a job
        of that id not yet run is replaced. Only while the scheduler runs in this process
        (a post's own timer; the periodic jobs are the safety net)."""
        if not self.running:
            return False
        app = self.app

        def run():
            try:
                with app.app_context():
                    func(app, *args)
            except Exception:  # logged here; APScheduler would log it again
                log.exception("timer %s failed", job_id, extra={"job": job_id})

        self._scheduler.add_job(run, "date", id=job_id, name=job_id, run_date=when,
                                replace_existing=True, misfire_grace_time=60)
        return True

    def start(self):
        if not self.running:
            if self._scheduler is not None and self._pid != os.getpid():
                self._scheduler = None  # a copy inherited through fork: its thread is gone
            self.scheduler.start()
            self._pid = os.getpid()
            self._install_fork_hooks()

    def shutdown(self, wait=True):
        if self.running:
            self._scheduler.shutdown(wait=wait)

    @property
    def running(self):
        """True when the scheduler's thread is alive in this very process."""
        sched = self._scheduler
        if sched is None or not sched.running or self._pid != os.getpid():
            return False
        thread = getattr(sched, "_thread", None)
        return thread is None or thread.is_alive()

    def job_ids(self):
        return list(self._jobs)

    def _install_fork_hooks(self):
        if not self._fork_hooks:
            os.register_at_fork(before=self._before_fork, after_in_parent=self._after_parent,
                                after_in_child=self._after_child)
            self._fork_hooks = True

    def _before_fork(self):
        # Stays set in the parent: workers it forks later (respawns) take the jobs up too.
        if self.running:
            self._hand_over = True
            self._scheduler.shutdown(wait=True)
            self._handed_over_logged = False

    def _after_parent(self):
        if self._hand_over and not getattr(self, "_handed_over_logged", True):
            self._handed_over_logged = True
            log.info("scheduler: handed over to the forked worker processes; this process "
                     "runs no jobs")

    def _after_child(self):
        if not self._hand_over:
            return
        self._hand_over = False
        self._scheduler = None
        # Connections opened before the fork belong to the parent: the child opens its own.
        threading.Thread(target=self._start_in_child, name="scheduler-handover",
                         daemon=True).start()

    def _start_in_child(self):
        from backend.extensions import db
        with self.app.app_context():
            for engine in db.engines.values():
                engine.dispose(close=False)
        self.start()
        log.info("scheduler: started in worker process %d: %s", os.getpid(),
                 ", ".join(self.job_ids()))


def _schema_missing(app, exc):
    """What is wrong with the database's schema for this code when the database refused a
    job's statement (a missing table or column), or None when nothing is (or the database
    cannot even be asked: the job's own traceback says more then)."""
    from sqlalchemy.exc import DBAPIError

    from backend import schema
    from backend.extensions import db
    migrate = app.extensions.get("migrate")
    if migrate is None or not isinstance(exc, DBAPIError):
        return None
    try:
        with app.app_context():
            state = schema.state_of(db.engine, migrate.directory)
    except Exception:
        return None
    return None if state.usable else state.describe()
