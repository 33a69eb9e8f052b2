"""The publishing job: every post whose next check is due, moved on under its lease."""
import logging

from sqlalchemy import and_, or_

from backend.extensions import db
from backend.models import SNSPost, utcnow
from backend.services.instagram.core.leases import db_now
from backend.services.instagram.core.row_jobs import internal_error_record, work_on_rows
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.publishing import scheduling, timers
from backend.services.instagram.publishing.gate import grace_of
from backend.services.instagram.publishing.state_machine import (ACTIVE, WAITING, advance,
                                                                 finish_permalink)
from backend.services.instagram.publishing.waits import mark_missed, stop_with_internal_error

log = logging.getLogger(__name__)


JOB = "instagram_publish_posts"


def process_due_posts(app, limit=50):
    """Advance every post whose next check is due, each under its lease (the sweep)."""
    concurrency = runtime(app).settings.INSTAGRAM_PUBLISH_CONCURRENCY
    return sum(work_on_rows(JOB, SNSPost, due_posts(utcnow(), limit), _advance_row,
                            give_up=_give_up, app=app, concurrency=concurrency).values())


def check_post(app, post_id):
    """One post's own timer (publishing/timers.py): the same leased work as the sweep."""
    work_on_rows(JOB, SNSPost, [post_id], _advance_row, give_up=_give_up, app=app)


def _advance_row(post, lease):
    if post.status == "published":
        finish_permalink(post)
        return "permalink"
    if post.status == "scheduled":
        if not _start_if_due(post, utcnow()):
            timers.schedule(post, check_post)
            return "not_due"
    if post.status not in ACTIVE:
        return "not_waiting"
    advance(post, lease=lease)
    timers.schedule(post, check_post)
    return post.status


def _start_if_due(post, now):
    """A scheduled post whose start time came becomes pending (the state machine then
    creates its containers and waits for publish_at before media_publish); one whose time
    passed beyond the grace while nothing ran is missed. True when it moved on."""
    if post.publish_at is None or now < post.publish_at - scheduling.lead(post):
        return False
    grace = grace_of(runtime().settings)
    if now > post.publish_at + grace:
        mark_missed(post, grace)
        return True
    post.status = "pending"
    post.next_check_at = None
    db.session.commit()
    return True


def _give_up(post_id, exc):
    post = db.session.get(SNSPost, post_id)
    if post.status in WAITING:
        stop_with_internal_error(post, internal_error_record(JOB, exc))
    else:
        post.next_check_at = None


def due_posts(now, limit):
    """Posts whose next check is due (scheduled ones whose start came, waiting ones, those
    being reconciled, published ones still without a permalink), and waiting posts with no
    check planned whose lease has lapsed: a request or job that died mid-way left them, and
    they resume from their record. Lease times are compared on the database clock, as they
    were written."""
    lease_now = db_now()
    return db.session.execute(
        db.select(SNSPost.id).where(or_(
            and_(SNSPost.status.in_(WAITING), or_(SNSPost.next_check_at <= now, and_(
                SNSPost.next_check_at.is_(None),
                or_(SNSPost.lease_until.is_(None), SNSPost.lease_until < lease_now)))),
            and_(SNSPost.status.in_(("scheduled", "needs_reconcile", "published")),
                 SNSPost.next_check_at <= now)))
        .order_by(SNSPost.next_check_at).limit(limit)).scalars().all()
