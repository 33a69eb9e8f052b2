"""Notifications for users: stored once per event, listed and marked read, and a signal for mail.

The store subscribes to the Instagram integration's signals (a token that cannot be
refreshed, expires within a day or must be reconnected; a post that failed). Each
notification has a unique `dedupe_key`, so an event that several workers see is stored
once; `notification_created` (blinker) is sent only by the worker that stored it, which
makes it the signal to hang mail or chat on:

    from backend.notifications import notification_created
    @notification_created.connect
    def mail(app, notification, **extra): ...
"""
import logging

from blinker import Namespace
from flask import Blueprint, jsonify, request
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from backend.auth import current_user_id
from backend.errors import APIError, NotFound
from backend.extensions import db, limiter
from backend.identity import require_jwt
from backend.metrics import host_metrics
from backend.models import Notification, utcnow

log = logging.getLogger(__name__)
notification_created = Namespace().signal("notification-created")
notifications_bp = Blueprint("notifications", __name__, url_prefix="/api/notifications")
MAX_PAGE = 100
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def notify(app, user_id, kind, title, message, *, dedupe_key, action=None, data=None):
    """Store a notification unless one with `dedupe_key` exists; True when this call stored it.

    Written on its own connection, so it neither commits nor waits for the caller's session.
    """
    values = {"user_id": user_id, "kind": kind, "title": title, "message": message,
              "action": action, "data": data or {}, "dedupe_key": dedupe_key,
              "created_at": utcnow()}
    table = Notification.__table__
    insert = _INSERTS.get(db.engine.dialect.name)
    try:
        with db.engine.begin() as connection:
            if insert is not None:
                result = connection.execute(insert(table).values(**values)
                                            .on_conflict_do_nothing(index_elements=["dedupe_key"]))
            else:  # other databases: the unique constraint alone decides
                result = connection.execute(table.insert().values(**values))
    except IntegrityError:
        return False
    if result.rowcount != 1:
        return False
    host_metrics().notifications.labels(kind).inc()
    notification = db.session.execute(db.select(Notification).filter_by(
        dedupe_key=dedupe_key)).scalar_one()
    log.info("notification %s for user %s: %s", kind, user_id, title)
    notification_created.send(app, notification=notification)
    return True


def serialize(notification):
    return {"id": notification.id, "kind": notification.kind, "title": notification.title,
            "message": notification.message, "action": notification.action,
            "data": notification.data or {}, "created_at": notification.created_at,
            "read": notification.read_at is not None, "read_at": notification.read_at}


@notifications_bp.get("")
@limiter.limit("120/minute")
def list_notifications():
    """Newest first; `unread=true` for unread only; `before=<id>` and `limit` page."""
    require_jwt()
    user_id = current_user_id()
    try:
        limit = min(MAX_PAGE, max(1, int(request.args.get("limit", 50))))
        before = request.args.get("before")
        before = int(before) if before else None
    except ValueError:
        raise APIError("limit and before must be integers.", code="validation_error",
                       status=422) from None
    query = db.select(Notification).filter_by(user_id=user_id)
    if request.args.get("unread", "").lower() in ("1", "true", "yes"):
        query = query.where(Notification.read_at.is_(None))
    if before is not None:
        query = query.where(Notification.id < before)
    rows = db.session.execute(query.order_by(Notification.id.desc()).limit(limit + 1)) \
        .scalars().all()
    unread = db.session.scalar(db.select(db.func.count(Notification.id)).filter_by(
        user_id=user_id).where(Notification.read_at.is_(None)))
    return jsonify({"notifications": [serialize(n) for n in rows[:limit]],
                    "unread_count": unread,
                    "next_before": rows[limit - 1].id if len(rows) > limit else None})


@notifications_bp.post("/<int:notification_id>/read")
@limiter.limit("120/minute")
def mark_read(notification_id):
    require_jwt()
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user_id():
        raise NotFound("No such notification.", code="notification_not_found")
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    return jsonify({"notification": serialize(notification)})


@notifications_bp.post("/read")
@limiter.limit("120/minute")
def mark_all_read():
    """Mark the given `ids` (or, without them, every unread notification) as read."""
    require_jwt()
    body = request.get_json(silent=True) or {}
    ids = body.get("ids") if isinstance(body, dict) else None
    if ids is not None and not (isinstance(ids, list)
                                and all(isinstance(i, int) for i in ids)):
        raise APIError("ids must be a list of notification ids.", code="validation_error",
                       status=422)
    query = db.update(Notification).where(Notification.user_id == current_user_id(),
                                          Notification.read_at.is_(None))
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    marked = db.session.execute(query.values(read_at=utcnow())).rowcount
    db.session.commit()
    return jsonify({"marked": marked})


def init_app(app):
    from backend import instagram_notices
    app.extensions["notifications"] = True
    app.register_blueprint(notifications_bp)
    instagram_notices.subscribe()
