"""Let the publishing job run as its timers would, with time travelled instead of slept."""
from datetime import timedelta

import time_machine
from sqlalchemy import func, or_

from backend.extensions import db
from backend.models import SNSPost, utcnow
from backend.services.instagram.publishing.jobs import process_due_posts
from backend.services.instagram.publishing.state_machine import ACTIVE

STEP = timedelta(milliseconds=5)


def next_due(now):
    """When the job next has something to do (now for a post with no check planned)."""
    rows = db.session.execute(
        db.select(SNSPost.next_check_at).where(or_(
            SNSPost.status.in_(ACTIVE), SNSPost.next_check_at.is_not(None)))
        .where(or_(SNSPost.next_check_at.is_not(None), SNSPost.status != "needs_reconcile"))
    ).scalars().all()
    if not rows:
        return None
    return min(r or now for r in rows)


def settle(app, within=timedelta(minutes=30), max_passes=200):
    """Run each due check at its time until nothing is due within `within`; the passes.

    Mirrors production: each post is looked at when its own next check comes (its timer),
    the sandbox's clock moving with the platform's.
    """
    start = utcnow()
    passes = 0
    with app.app_context():
        while passes < max_passes:
            db.session.expire_all()
            due = next_due(utcnow())
            if due is None or due > start + within:
                break
            with time_machine.travel(max(due, utcnow()) + STEP, tick=False):
                process_due_posts(app)
            start = min(start, utcnow())
            passes += 1
    return passes


def post_reads(app):
    with app.app_context():
        return db.session.execute(db.select(func.sum(SNSPost.status_reads))).scalar() or 0
