"""Background jobs of publishing: finish waiting posts, and purge old uploads."""
import logging
from datetime import timedelta

from sqlalchemy import and_, or_

from backend.extensions import db
from backend.models import SNSPost, utcnow
from backend.services.instagram.core.leases import db_now
from backend.services.instagram.core.row_jobs import internal_error_record, work_on_rows
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.preflight.uploads import purge_uploads
from backend.services.instagram.publishing.posts import upload_dir
from backend.services.instagram.publishing.state_machine import (WAITING, advance,
                                                                 stop_with_internal_error)

log = logging.getLogger(__name__)


JOB = "instagram_publish_posts"


def process_due_posts(app, limit=50):
    """Advance every waiting post whose next check is due, each under its lease."""
    return sum(work_on_rows(JOB, SNSPost, due_posts(utcnow(), limit), _advance_row,
                            give_up=_give_up, app=app).values())


def _advance_row(post, lease):
    if post.status not in WAITING:
        return "not_waiting"
    post.next_check_at = None
    advance(post, lease=lease)
    return post.status


def _give_up(post_id, exc):
    post = db.session.get(SNSPost, post_id)
    if post.status in WAITING:
        stop_with_internal_error(post, internal_error_record(JOB, exc))


def due_posts(now, limit):
    """Waiting posts whose next check is due, and those with none whose lease has lapsed:
    a request or job that died mid-way left them, and they resume from their record.
    Lease times are compared on the database clock, as they were written."""
    lease_now = db_now()
    return db.session.execute(
        db.select(SNSPost.id).where(SNSPost.status.in_(WAITING))
        .where(or_(SNSPost.next_check_at <= now, and_(
            SNSPost.next_check_at.is_(None),
            or_(SNSPost.lease_until.is_(None), SNSPost.lease_until < lease_now))))
        .order_by(SNSPost.next_check_at).limit(limit)).scalars().all()


def purge_old_uploads(app):
    """Remove uploaded files a day after their post is done; keep those still needed."""
    settings = runtime(app).settings
    older = utcnow() - timedelta(hours=settings.INSTAGRAM_UPLOAD_RETENTION_HOURS)
    keep = set()
    # Keep what unfinished posts need, and what finished ones used until the retention ends.
    for items, request in db.session.execute(
            db.select(SNSPost.items, SNSPost.request).where(or_(
                SNSPost.status.in_(WAITING), SNSPost.updated_at > older))):
        keep.add(request.get("upload_token"))
        keep.update((i.get("url") or "").rsplit("/", 1)[-1] for i in items)
    removed = purge_uploads(upload_dir(), older, keep - {None, ""})
    if removed:
        log.info("removed %d old upload(s)", removed)
    return removed
