"""Runs a job's work on rows, each under its lease, with one policy for unexpected failures.

Every background job (token refresh, publishing, insights) and every on-demand action on the
same rows goes through here, so they share one behaviour: a row held by someone else is
skipped; a lost lease stops the work on that row; an unexpected exception is logged once with
its traceback, counted, and after INSTAGRAM_JOB_MAX_FAILURES consecutive failures the row is
ended by the job's `give_up` with reason internal_error. One bad row never stops the others.
"""
from __future__ import annotations

import logging
import time
from collections import Counter

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


def work_on_rows(job, model, row_ids, work, *, give_up, app=None, before_each=None):
    """For each id: claim the lease, load the row, call `work(row, lease)`, release.

    `work` returns an outcome name (counted) and handles the failures it expects; anything
    it raises besides StopRows and LeaseLost is unexpected. `give_up(row_id, exc)` ends a
    row that failed too often (it runs in a clean session). `before_each(row_id)` may return
    an outcome to stop the batch before the next row (a budget check, say).
    Returns a Counter of outcomes.
    """
    rt = runtime(app)
    settings = rt.settings
    outcomes = Counter()
    row_ids = list(row_ids)
    for index, row_id in enumerate(row_ids):
        if before_each is not None:
            stop = before_each(row_id)
            if stop:
                outcomes[stop] += len(row_ids) - index
                break
        lease = claim(model, row_id, settings.INSTAGRAM_LEASE_SECONDS)
        if lease is None:
            outcomes["busy"] += 1
            continue
        started = time.monotonic()
        try:
            row = db.session.get(model, row_id)
            if row is None:
                continue
            outcome = work(row, lease) or "done"
            if row.job_failures:
                lease.clear_failures()
            outcomes[outcome] += 1
        except StopRows as stop:
            outcomes[stop.outcome] += 1
            if stop.remaining:
                outcomes[stop.remaining] += len(row_ids) - index - 1
            break
        except LeaseLost:
            db.session.rollback()
            log.warning("%s: lease on %s %s lost mid-work; another holder continues", job,
                        model.__tablename__, row_id)
            outcomes["lease_lost"] += 1
        except Exception as exc:  # the one place unexpected failures are handled
            db.session.rollback()
            outcomes[INTERNAL_ERROR] += 1
            _unexpected(job, model, row_id, lease, exc, give_up, rt)
        finally:
            db.session.rollback()
            lease.release()
            rt.metrics.observe("instagram_job_row_seconds", time.monotonic() - started, job=job)
    for outcome, count in outcomes.items():
        rt.metrics.inc("instagram_job_rows_total", count, job=job, outcome=outcome)
    return outcomes


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
    rt.metrics.inc("instagram_job_failures_total", job=job)
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
