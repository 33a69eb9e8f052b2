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


# The largest value of an INTEGER key (PostgreSQL binds every value as int4): a larger one
# cannot name a notification, and the database would refuse to compare with it.
MAX_ID = 2 ** 31 - 1
MAX_IDS = 1000  # ids marked per request (a bound on the statement the database gets)


def invalid(message):
    return APIError(message, code="validation_error", status=422)


def is_id(value):
    """A positive integer a key can hold (JSON true is not 1 here)."""
    return type(value) is int and 1 <= value <= MAX_ID


def int_arg(name, default=None):
    text = request.args.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise invalid(f"{name} must be an integer.") from None
    if not -MAX_ID <= value <= MAX_ID:
        raise invalid(f"{name} is out of range.")
    return value


@notifications_bp.get("")
@limiter.limit("120/minute")
def list_notifications():
    """Newest first; `unread=true` for unread only; `before=<id>` and `limit` page."""
    require_jwt()
    user_id = current_user_id()
    limit = min(MAX_PAGE, max(1, int_arg("limit", 50)))
    before = int_arg("before")
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
    notification = db.session.get(Notification, notification_id) if is_id(notification_id) \
        else None
    if notification is None or notification.user_id != current_user_id():
        raise NotFound("No such notification.", code="notification_not_found")
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    return jsonify({"notification": serialize(notification)})


@notifications_bp.post("/read")
@limiter.limit("120/minute")
def mark_all_read():
    """Mark the given `ids` (or, with an empty body or none, every unread notification) read."""
    require_jwt()
    ids = requested_ids()
    query = db.update(Notification).where(Notification.user_id == current_user_id(),
                                          Notification.read_at.is_(None))
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    marked = db.session.execute(query.values(read_at=utcnow())).rowcount
    db.session.commit()
    return jsonify({"marked": marked})


def requested_ids():
    """The body's `ids`; None for "all" (no body, `{}`, or `"ids": null`). Anything else that
    is not a JSON object with a list of ids is refused: it must never mean "all"."""
    if not request.get_data(cache=True).strip():
        return None
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise invalid('The body must be a JSON object such as {"ids": [1, 2]}, or empty to '
                      "mark every notification read.")
    ids = body.get("ids")
    if ids is None:
        return None
    if isinstance(ids, list) and len(ids) > MAX_IDS:
        raise invalid(f"At most {MAX_IDS} ids at a time.")
    if not isinstance(ids, list) or not all(is_id(i) for i in ids):
        raise invalid("ids must be a list of notification ids (positive integers).")
    return ids


def init_app(app):
    from backend import instagram_notices
    app.extensions["notifications"] = True
    app.register_blueprint(notifications_bp)
    instagram_notices.subscribe()
