"""Runs a job's work on rows, each under its lease, with one policy for unexpected failures.

Every background job (token refresh, publishing, insights) and every on-demand action on the
same rows goes through here, so they share one behaviour: a row held by someone else is
skipped; a lost lease stops the work on that row; an unexpected exception is logged once with
its traceback, counted, and after INSTAGRAM_JOB_MAX_FAILURES consecutive failures the row is
ended by the job's `give_up` with reason internal_error. One bad row never stops the others.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor

from flask import current_app
from sqlalchemy import inspect
from sqlalchemy.orm import make_transient_to_detached

from backend.extensions import db
from backend.models import utcnow
from backend.services.instagram.core.leases import LeaseLost, claim
from backend.services.instagram.core.runtime import runtime

log = logging.getLogger(__name__)
INTERNAL_ERROR = "internal_error"


class StopRows(Exception):
    """Raised by a job's work to end the batch (the account is paused, the budget is spent).

    `outcome` is counted for the current row; `remaining` says whether the rows not yet
    started are counted as deferred.
    """

    def __init__(self, outcome, remaining="deferred"):
        super().__init__(outcome)
        self.outcome, self.remaining = outcome, remaining


def work_on_rows(job, model, row_ids, work, *, give_up, app=None, before_each=None,
                 concurrency=1):
    """For each id: claim the lease, load the row, call `work(row, lease)`, release.

    `work` returns an outcome name (counted) and handles the failures it expects; anything
    it raises besides StopRows and LeaseLost is unexpected. `give_up(row_id, exc)` ends a
    row that failed too often (it runs in a clean session). `before_each(row_id)` may return
    an outcome to stop the batch before the next row (a budget check, say).
    With `concurrency` > 1, that many threads work on rows at once, each in its own app
    context and so its own database session; the same policy applies to every row, and a
    stop ends the rows not yet started in every thread.
    Returns a Counter of outcomes.
    """
    rt = runtime(app)
    batch = _Batch(row_ids)
    if concurrency <= 1 or len(batch.pending) <= 1:
        _work_through(job, model, work, give_up, before_each, rt, batch)
    else:
        flask_app = app or current_app._get_current_object()

        def worker():
            with flask_app.app_context():
                _work_through(job, model, work, give_up, before_each, rt, batch)

        threads = min(concurrency, len(batch.pending))
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix=job) as pool:
            for future in [pool.submit(worker) for _ in range(threads)]:
                future.result()  # a bug in the loop itself is raised, not swallowed
    for outcome, count in batch.outcomes.items():
        rt.metrics.job_rows.labels(job, outcome).inc(count)
    return batch.outcomes


class _Batch:
    """The rows not yet started and the outcomes so far, shared by the threads of a run."""

    def __init__(self, row_ids):
        self.pending = deque(row_ids)
        self.outcomes = Counter()
        self._lock = threading.Lock()

    def next(self):
        with self._lock:
            return self.pending.popleft() if self.pending else None

    def count(self, outcome, amount=1):
        with self._lock:
            self.outcomes[outcome] += amount

    def stop(self, outcome_of_rest):
        """No further row starts; those left are counted as `outcome_of_rest` (if any)."""
        with self._lock:
            if outcome_of_rest:
                self.outcomes[outcome_of_rest] += len(self.pending)
            self.pending.clear()


def _work_through(job, model, work, give_up, before_each, rt, batch):
    while (row_id := batch.next()) is not None:
        if before_each is not None:
            stop = before_each(row_id)
            if stop:
                batch.count(stop)
                batch.stop(stop)
                break
        _one_row(job, model, row_id, work, give_up, rt, batch)


def _one_row(job, model, row_id, work, give_up, rt, batch):
    lease = claim(model, row_id, rt.settings.INSTAGRAM_LEASE_SECONDS, read_row=True)
    if lease is None:
        batch.count("busy")
        return
    started = time.monotonic()
    try:
        row = _in_session(model, row_id, lease.row)
        # Read now: the work's commits expire the row, and reading it again costs a query.
        failures = row.job_failures
        outcome = work(row, lease) or "done"
        if failures:
            lease.clear_failures()
        batch.count(outcome)
    except StopRows as stop:
        batch.count(stop.outcome)
        batch.stop(stop.remaining)
    except LeaseLost:
        db.session.rollback()
        log.warning("%s: lease on %s %s lost mid-work; another holder continues", job,
                    model.__tablename__, row_id)
        batch.count("lease_lost")
    except Exception as exc:  # the one place unexpected failures are handled
        db.session.rollback()
        batch.count(INTERNAL_ERROR)
        _unexpected(job, model, row_id, lease, exc, give_up, rt)
    finally:
        db.session.rollback()
        try:
            lease.release()
        except Exception:  # the lease then lapses by itself; the other rows go on
            log.exception("%s: could not release the lease on %s %s", job,
                          model.__tablename__, row_id)
        rt.metrics.job_row_seconds.labels(job).observe(time.monotonic() - started)


def _in_session(model, row_id, values):
    """The row as an object of the session, from the `values` its claim returned (no read of
    its own); the session's object when it already holds one (a caller's, as it stands)."""
    session = db.session
    if session.identity_map.get(session.identity_key(model, row_id)) is not None:
        return session.get(model, row_id)
    mapper = inspect(model)
    row = model(**{mapper.get_property_by_column(column).key: values[column.name]
                   for column in model.__table__.c})
    make_transient_to_detached(row)  # as if just loaded: every column clean, none changed
    session.add(row)
    return row


def _unexpected(job, model, row_id, lease, exc, give_up, rt):
    limit = rt.settings.INSTAGRAM_JOB_MAX_FAILURES
    try:
        failures = lease.record_failure()
    except Exception:  # the database itself may be what failed; the traceback says so
        failures = 0
    if failures <= 1:
        log.exception("%s: unexpected failure on %s %s (1 of %d before it is stopped)", job,
                      model.__tablename__, row_id, limit)
    else:
        log.error("%s: unexpected failure on %s %s again (%d of %d): %s", job,
                  model.__tablename__, row_id, failures, limit, type(exc).__name__)
    rt.metrics.job_failures.labels(job).inc()
    if failures >= limit:
        try:
            give_up(row_id, exc)
            db.session.commit()
            lease.clear_failures()
            log.error("%s: %s %s stopped after %d consecutive failures (internal_error)", job,
                      model.__tablename__, row_id, failures)
        except Exception:
            db.session.rollback()
            log.exception("%s: could not stop %s %s", job, model.__tablename__, row_id)


def internal_error_record(job, exc):
    """What a row keeps when a job gave up on it: no traceback, no secrets, just the facts."""
    return {"code": INTERNAL_ERROR, "subcode": None, "at": utcnow().isoformat(),
            "message": f"The platform failed repeatedly while working on this ({job}: "
                       f"{type(exc).__name__}) and stopped trying. Operators can find the "
                       "traceback in the log.", "fbtrace_id": None}
