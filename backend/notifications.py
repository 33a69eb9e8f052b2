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
from datetime import datetime
from typing import Annotated

from blinker import Namespace
from flask import Blueprint
from pydantic import BaseModel, ConfigDict, Field, Strict
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from backend.auth import current_user_id
from backend.endpoints import RowId, dump
from backend.errors import NotFound
from backend.extensions import db, limiter
from backend.host_api import platform_api
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


class NotificationOut(BaseModel):
    id: int
    kind: str = Field(description="instagram.token_refresh_failed, instagram.token_expiring, "
                                  "instagram.account_needs_reauth, instagram.post_failed")
    title: str
    message: str
    action: str | None
    data: dict
    created_at: datetime
    read: bool
    read_at: datetime | None


class NotificationsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unread: bool = Field(False, description="`true`: unread ones only.")
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    before: RowId | None = Field(None, description="`next_before` of the previous page.")


class NotificationPage(BaseModel):
    notifications: list[NotificationOut]
    unread_count: int
    next_before: int | None


class NotificationEnvelope(BaseModel):
    notification: NotificationOut


MAX_IDS = 1000  # ids marked per request


class MarkRead(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Strict: JSON true is not the id 1. Bounded: the statement the database gets is too.
    ids: list[Annotated[RowId, Strict()]] | None = Field(
        None, max_length=MAX_IDS, description="Without it, every unread one.")


class Marked(BaseModel):
    marked: int


LIMIT = "120/minute"


@platform_api.route(notifications_bp, "", "GET", "The caller's notifications, newest first",
                    query=NotificationsQuery, response=NotificationPage, errors=(429,),
                    tag="Notifications")
@limiter.limit(LIMIT)
def list_notifications(query):
    user_id = current_user_id()
    rows_query = db.select(Notification).filter_by(user_id=user_id)
    if query.unread:
        rows_query = rows_query.where(Notification.read_at.is_(None))
    if query.before is not None:
        rows_query = rows_query.where(Notification.id < query.before)
    limit = query.limit
    rows = db.session.execute(rows_query.order_by(Notification.id.desc()).limit(limit + 1)) \
        .scalars().all()
    unread = db.session.scalar(db.select(db.func.count(Notification.id)).filter_by(
        user_id=user_id).where(Notification.read_at.is_(None)))
    return dump(NotificationPage, {"notifications": [serialize(n) for n in rows[:limit]],
                                   "unread_count": unread,
                                   "next_before": rows[limit - 1].id if len(rows) > limit
                                   else None})


@platform_api.route(notifications_bp, "/<int:notification_id>/read", "POST",
                    "Mark a notification read", response=NotificationEnvelope,
                    errors=(404, 429), tag="Notifications")
@limiter.limit(LIMIT)
def mark_read(notification_id):
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user_id():
        raise NotFound("No such notification.", code="notification_not_found")
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    return dump(NotificationEnvelope, {"notification": serialize(notification)})


@platform_api.route(notifications_bp, "/read", "POST", "Mark notifications read (the given "
                    "ids, or every unread one)", body=MarkRead, response=Marked, errors=(429,),
                    tag="Notifications", example={"ids": [1, 2]})
@limiter.limit(LIMIT)
def mark_all_read(body):
    query = db.update(Notification).where(Notification.user_id == current_user_id(),
                                          Notification.read_at.is_(None))
    if body.ids is not None:
        query = query.where(Notification.id.in_(body.ids))
    marked = db.session.execute(query.values(read_at=utcnow())).rowcount
    db.session.commit()
    return dump(Marked, {"marked": marked})


def init_app(app):
    from backend import instagram_notices
    app.extensions["notifications"] = True
    app.register_blueprint(notifications_bp)
    instagram_notices.subscribe()
