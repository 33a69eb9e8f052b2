"""Leases on rows: one holder at a time, a fresh owner per claim, renewed, on the database clock.

A lease is a conditional UPDATE of (lease_owner, lease_until) on the row, run on its own
connection so it never commits (or waits for) the caller's session. Every claim gets a new
random owner: two claims in one process are two holders, so there is no re-entrancy, and
forked workers cannot share an owner. Times come from the database, the one clock every
worker and host agrees on.
"""
from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from sqlalchemy import bindparam, case, func, literal, null, or_, text, update

from backend.extensions import db

log = logging.getLogger(__name__)

# A holder stops starting new work this long before its lease runs out, so a step begun
# near the end still finishes (or is cut by its own timeouts) inside the lease.
SAFETY_MARGIN = 0.2  # share of the lease


class LeaseLost(Exception):
    """The lease ran out or another holder took the row: stop working on it."""


# The database's own clock, per dialect; clock_timestamp() moves within a transaction.
NOW_SQL = {"sqlite": "SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')",
           "postgresql": "SELECT clock_timestamp()"}


def _clock(dialect, seconds=0.0):
    """The database's clock (plus `seconds`) as an SQL expression in the form the columns
    store (naive UTC), so a lease is one UPDATE with no separate read of the time; None for
    a database without such an expression (the time is read first then)."""
    if dialect == "postgresql":
        now = func.timezone("UTC", func.clock_timestamp())
        return now + timedelta(seconds=seconds) if seconds else now
    if dialect == "sqlite":
        # SQLite stores datetimes as "YYYY-MM-DD HH:MM:SS.ffffff": %f gives milliseconds
        # ("SS.SSS"), so three zeros make the same text, which compares in time order.
        return func.strftime("%Y-%m-%d %H:%M:%f", "now", f"{seconds:+f} seconds").op("||")(
            literal("000"))
    return None


def one_statement():
    """A connection of its own in autocommit, for one UPDATE atomic by itself (each lease
    operation, and a write that ends a row's work): it needs no BEGIN and COMMIT around it
    (two round trips fewer on PostgreSQL; on SQLite the write lock is held for the statement
    only, not across the Python that ran between it and a COMMIT, which under a dozen busy
    threads is most of the hold). It never commits, or waits for, the caller's session."""
    return db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def db_now(connection=None):
    """The database's current time as an aware UTC datetime (not the application's clock)."""
    if connection is None:
        with db.engine.connect() as own:
            return db_now(own)
    value = connection.execute(text(NOW_SQL.get(connection.dialect.name,
                                                "SELECT CURRENT_TIMESTAMP"))).scalar()
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


class Lease:
    """A held claim on one row. Renew it between steps; respect `deadline`; release it."""

    def __init__(self, model, row_id, owner, seconds, until, row=None):
        self.model, self.row_id, self.owner, self.seconds = model, row_id, owner, seconds
        self.until = until
        # The row's columns as the claim left them ({column name: value}), when asked for.
        self.row = row
        self._expires = time.monotonic() + seconds
        self._released = False

    @property
    def deadline(self):
        """time.monotonic() value after which no new step should start."""
        return self._expires - self.seconds * SAFETY_MARGIN

    def time_left(self):
        return max(0.0, self.deadline - time.monotonic())

    def renew(self):
        """Extend the lease by its length from now; raises LeaseLost when it is no longer ours
        (expired, even if nobody took it since: the holder cannot know what happened)."""
        started = time.monotonic()
        row = _set_lease(self.model.__table__, self.row_id, self.seconds, self.owner, "renew")
        if row is None:
            raise LeaseLost(f"lease on {self.model.__tablename__} {self.row_id} was lost")
        self.until = row["lease_until"]
        self._expires = started + self.seconds

    def ensure(self):
        """Renew when more than half the lease is spent; LeaseLost when it is gone."""
        if self.time_left() < self.seconds / 2:
            self.renew()

    def release(self):
        """Free the row if it is still ours; a lease taken over by another holder is left.
        Nothing to do once a write with `release_values` has freed it."""
        if self._released:
            return
        table = self.model.__table__
        with one_statement() as conn:
            conn.execute(update(table).where(table.c.id == self.row_id)
                         .where(table.c.lease_owner == self.owner)
                         .values(lease_owner=None, lease_until=None,
                                 updated_at=table.c.updated_at))

    def released(self):
        """An UPDATE with `release_values` for this owner changed the row: release and
        clear_failures have nothing left to do."""
        self._released = True

    def record_failure(self):
        """Count one more consecutive unexpected failure on the row; returns the count."""
        return self._set_failures(table_expr=lambda c: c.job_failures + 1)

    def clear_failures(self):
        if not self._released:
            self._set_failures(table_expr=lambda c: 0)

    def _set_failures(self, table_expr):
        table = self.model.__table__
        with one_statement() as conn:
            return conn.execute(update(table).where(table.c.id == self.row_id)
                                .where(table.c.lease_owner == self.owner)
                                .values(job_failures=table_expr(table.c),
                                        updated_at=table.c.updated_at)
                                .returning(table.c.job_failures)).scalar() or 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


def claim(model, row_id, seconds, *, read_row=False):
    """Take the lease on one row when it is free or expired; the Lease, or None when held.

    A conditional UPDATE is the whole protocol: on SQLite and PostgreSQL alike only one of
    several concurrent claimers changes the row. `updated_at` is left as it was: a lease is
    bookkeeping, not a change of the row. With `read_row`, the same UPDATE returns every
    column of the row, as `lease.row` ({column name: value}): no read of its own needed.
    """
    owner = uuid.uuid4().hex
    started = time.monotonic()
    row = _set_lease(model.__table__, row_id, seconds, owner, "claim", read_row)
    if row is None:
        return None
    lease = Lease(model, row_id, owner, seconds, row["lease_until"],
                  row=dict(row) if read_row else None)
    lease._expires = started + seconds
    return lease


def release_values(table, owner):
    """Column values (SQL expressions) that free the row if the lease of `owner` (a value or
    a bindparam) still holds it and, the work on it being done, reset its count of
    consecutive failures: for a caller ending its work with one UPDATE of the row, so the
    release costs no statement of its own. Call the Lease's `released()` when that UPDATE
    changed the row; else release it as usual. A NULL owner matches no lease."""
    c = table.c
    ours = c.lease_owner == owner
    return {"lease_owner": case((ours, null()), else_=c.lease_owner),
            "lease_until": case((ours, null()), else_=c.lease_until),
            "job_failures": case((ours, 0), else_=c.job_failures)}


def _set_lease(table, row_id, seconds, owner, kind, read_row=False):
    """One conditional UPDATE (see _lease_statement), on a connection of its own and the
    database's clock, setting the row's lease to `owner` until now + `seconds`; a mapping of
    the row's new lease_until (every column with `read_row`), or None when the row did not
    qualify."""
    with one_statement() as conn:
        dialect = conn.dialect.name
        params = {"row_id": row_id, "owner": owner}
        if dialect not in NOW_SQL:  # no clock expression for this database: read it first
            now = db_now(conn)
            params.update(now=now, until=now + timedelta(seconds=seconds))
        return conn.execute(_lease_statement(table, dialect, seconds, kind, read_row),
                            params).mappings().first()


@lru_cache(maxsize=None)
def _lease_statement(table, dialect, seconds, kind, read_row):
    """The UPDATE setting a lease, built once per table, database, length and kind (building
    and keying a statement took more CPU than running it): a "claim" takes a free or
    expired row, a "renew" one the owner holds unexpired. Executions bind row_id and owner,
    and on a database without a clock expression (_clock) now and until too."""
    c = table.c
    now, until = _clock(dialect), _clock(dialect, seconds)
    if now is None:
        now, until = (bindparam(name, type_=c.lease_until.type) for name in ("now", "until"))
    owner = bindparam("owner", type_=c.lease_owner.type)
    condition = ((c.lease_owner == owner) & (c.lease_until > now) if kind == "renew"
                 else or_(c.lease_until.is_(None), c.lease_until < now))
    return (update(table).where(c.id == bindparam("row_id")).where(condition)
            .values(lease_owner=owner, lease_until=until, updated_at=c.updated_at)
            .returning(*(c if read_row else [c.lease_until])))
