"""Leases on rows: a background job claims a row so exactly one process works on it."""
import os
import socket
import uuid
from datetime import timedelta

from sqlalchemy import or_, update

from backend.extensions import db
from backend.models import utcnow

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim(model, row_id, seconds, owner=WORKER_ID):
    """Atomically take the lease on one row when it is free or expired; True when taken.

    A conditional UPDATE is the whole protocol: on SQLite and PostgreSQL alike only one of
    several concurrent claimers sees rowcount 1.
    """
    now = utcnow()
    result = db.session.execute(
        update(model)
        .where(model.id == row_id)
        .where(or_(model.lease_until.is_(None), model.lease_until < now,
                   model.lease_owner == owner))
        .values(lease_owner=owner, lease_until=now + timedelta(seconds=seconds))
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def release(model, row_id, owner=WORKER_ID):
    db.session.execute(
        update(model).where(model.id == row_id).where(model.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False))
    db.session.commit()
