"""The job that removes uploaded files once no post needs them any more."""
import logging
from datetime import timedelta

from sqlalchemy import or_

from backend.extensions import db
from backend.models import SNSPost, utcnow
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.preflight.uploads import purge_uploads
from backend.services.instagram.publishing.posts import upload_dir
from backend.services.instagram.publishing.state_machine import WAITING

log = logging.getLogger(__name__)
KEEPING = WAITING + ("draft", "scheduled", "needs_reconcile")


def purge_old_uploads(app):
    """Remove uploaded files a day after their post is done; keep those still needed."""
    settings = runtime(app).settings
    older = utcnow() - timedelta(hours=settings.INSTAGRAM_UPLOAD_RETENTION_HOURS)
    keep = set()
    # Keep what posts still to go out need (drafts and scheduled posts too, however far
    # ahead), and what finished ones used until the retention ends.
    for items, request in db.session.execute(
            db.select(SNSPost.items, SNSPost.request).where(or_(
                SNSPost.status.in_(KEEPING), SNSPost.updated_at > older))):
        keep.add(request.get("upload_token"))
        keep.update(i.get("upload_token") for i in request.get("items") or []
                    if isinstance(i, dict))
        keep.update((i.get("url") or "").rsplit("/", 1)[-1] for i in items)
    removed = purge_uploads(upload_dir(), older, keep - {None, ""})
    if removed:
        log.info("removed %d old upload(s)", removed)
    return removed
