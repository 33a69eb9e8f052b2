"""The comment inbox: comments on every account of a user, stored as webhooks and the poll bring
them, newest first, read or unread."""
import base64
import binascii
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, func, or_, update
from sqlalchemy.exc import IntegrityError

from backend.errors import invalid_field
from backend.extensions import db
from backend.models import SNSAccount, utcnow
from backend.services.instagram.accounts import connected
from backend.services.instagram.comments.models import MAX_ROW_ID, SNSComment

SOURCES = ("webhook", "poll", "platform")
# Meta's times have whole seconds and its clock is not ours.
CLOCK_SKEW = timedelta(minutes=2)
MUTABLE = ("text", "hidden", "like_count", "media_product_type", "username", "from_id",
           "media_id", "parent_id")
# Text columns and the most each keeps of what Meta sends.
TEXT_LIMITS = {"text": 10000, "username": 255, "media_product_type": 32}
# NUL (PostgreSQL's text refuses it) and unpaired surrogates (not UTF-8): Meta's JSON may
# carry either, and they are dropped rather than losing the comment.
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def is_own(account, username):
    return bool(username) and username.lower() == (account.username or "").lower()


def store(account, item, source, seen_at=None):
    """Insert or update the account's copy of a comment; returns (row, created).

    `item` has the SNSComment column names (comment_id, text, timestamp, ...). A comment
    the poll finds that is older than the account's connection arrives read: it predates
    the inbox. Concurrent deliveries of one comment meet on the unique key, and the loser
    updates instead.
    """
    seen_at = seen_at or utcnow()
    item = {**item, **{key: storable(item.get(key), limit) for key, limit in TEXT_LIMITS.items()}}
    row = _find(account.id, item["comment_id"])
    if row is None:
        own = is_own(account, item.get("username"))
        timestamp = item.get("timestamp") or seen_at
        old = (source == "poll" and account.connected_at is not None
               and timestamp < account.connected_at - CLOCK_SKEW)
        row = SNSComment(account_id=account.id, comment_id=item["comment_id"],
                         timestamp=timestamp, own=own, source=source,
                         read_at=seen_at if own or old else None,
                         deleted_at=None if source == "poll" else _parent_deleted(account, item),
                         **{k: item.get(k) for k in MUTABLE if item.get(k) is not None})
        try:
            with db.session.begin_nested():
                db.session.add(row)
            return row, True
        except IntegrityError:
            row = _find(account.id, item["comment_id"])
    for key in MUTABLE:
        if item.get(key) is not None:
            setattr(row, key, item[key])
    if source == "poll":  # Meta lists it now, so it exists (an event may be older)
        row.deleted_at = None
    return row, False


def _find(account_id, comment_id):
    return db.session.execute(db.select(SNSComment).filter_by(
        account_id=account_id, comment_id=comment_id)).scalar_one_or_none()


def _parent_deleted(account, item):
    """When a reply's top-level comment was deleted here: Meta deleted the reply with it, so
    a late event about the reply must not bring it into the inbox."""
    parent = item.get("parent_id") and _find(account.id, item["parent_id"])
    return parent.deleted_at if parent else None


def entry_of(account_id, comment_id):
    """The inbox entry of one of the account's comments, or None (also once deleted)."""
    row = _find(account_id, comment_id)
    return row if row is not None and row.deleted_at is None else None


def mark_deleted(account, comment_id, now=None):
    """A comment deleted at Instagram leaves the inbox with its replies, for every connection
    of the Instagram account (it is gone for all of them). Its entry is kept as a marker,
    written when there was none yet: Meta delivers events for about 36 hours, and one
    processed after the delete must not bring the comment back."""
    now = now or utcnow()
    holders = db.session.execute(db.select(SNSAccount).where(
        SNSAccount.platform == account.platform, SNSAccount.status != "disconnected",
        SNSAccount.platform_user_id == account.platform_user_id)).scalars().all()
    for holder in holders or [account]:
        row, _created = store(holder, {"comment_id": comment_id}, "platform", now)
        row.deleted_at = row.deleted_at or now
        db.session.execute(
            update(SNSComment).where(SNSComment.account_id == holder.id,
                                     SNSComment.parent_id == comment_id,
                                     SNSComment.deleted_at.is_(None))
            .values(deleted_at=now).execution_options(synchronize_session=False))


def storable(value, limit):
    """Text as the database keeps it: no NUL or unpaired surrogate, at most `limit`
    characters; None for anything else or when nothing is left."""
    if not isinstance(value, str):
        return None
    return _UNSTORABLE.sub("", value)[:limit] or None


def owned_accounts(user_id, account_id=None):
    """A query of the ids of the user's connected accounts (or of the one named, after a
    404 when it is not theirs)."""
    accounts = db.select(SNSAccount.id).where(SNSAccount.user_id == user_id,
                                              SNSAccount.status != "disconnected")
    if account_id is not None:
        connected.get_owned(user_id, account_id)
        accounts = accounts.where(SNSAccount.id == account_id)
    return accounts


def _owned(user_id, account_id=None, media_id=None):
    """Conditions for the user's inbox entries (optionally one account's, one media's)."""
    conditions = [SNSComment.account_id.in_(owned_accounts(user_id, account_id)),
                  SNSComment.deleted_at.is_(None)]
    if media_id is not None:
        conditions.append(SNSComment.media_id == media_id)
    return conditions


def list_inbox(user_id, query):
    """A page of the user's inbox, newest comment first, and the unread count."""
    conditions = _owned(user_id, query.account_id, query.media_id)
    unread = db.session.scalar(db.select(func.count(SNSComment.id)).where(
        *conditions, SNSComment.read_at.is_(None), SNSComment.own.is_(False)))
    if not query.include_own:
        conditions.append(SNSComment.own.is_(False))
    if query.status != "all":
        conditions.append(SNSComment.read_at.is_(None) if query.status == "unread"
                          else SNSComment.read_at.is_not(None))
    if query.before:
        moment, row_id = decode_cursor(query.before)
        conditions.append(or_(SNSComment.timestamp < moment,
                              and_(SNSComment.timestamp == moment, SNSComment.id < row_id)))
    rows = db.session.execute(
        db.select(SNSComment).where(*conditions)
        .order_by(SNSComment.timestamp.desc(), SNSComment.id.desc())
        .limit(query.limit + 1)).scalars().all()
    more = len(rows) > query.limit
    rows = rows[:query.limit]
    return {"comments": [serialize(r) for r in rows], "unread": unread,
            "next_before": encode_cursor(rows[-1]) if more else None}


def mark(user_id, body):
    """Mark the named entries (or all matching the filters) read or unread; how many."""
    conditions = _owned(user_id, body.account_id, body.media_id)
    if body.comment_ids:
        conditions.append(SNSComment.comment_id.in_(body.comment_ids))
    result = db.session.execute(
        update(SNSComment).where(*conditions)
        .values(read_at=utcnow() if body.read else None)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return {"marked": result.rowcount}


def encode_cursor(row):
    text = f"{row.timestamp.isoformat()}|{row.id}"
    return base64.urlsafe_b64encode(text.encode()).decode()


def decode_cursor(cursor):
    try:
        moment, row_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        moment, row_id = datetime.fromisoformat(moment), int(row_id)
        if moment.tzinfo is None or not 0 < row_id < MAX_ROW_ID:
            raise ValueError(cursor)
        # In UTC here, as the column holds it: a time at the edge of year 1 or 9999 that has
        # no UTC equivalent is refused now (OverflowError), not by the database driver.
        return moment.astimezone(timezone.utc), row_id
    except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError):
        raise invalid_field("before", "invalid_cursor",
                            "The cursor `before` is not one this platform gave.") from None


def serialize(row):
    return {"id": row.id, "account_id": row.account_id, "comment_id": row.comment_id,
            "media_id": row.media_id, "media_product_type": row.media_product_type,
            "parent_id": row.parent_id, "text": row.text, "username": row.username,
            "from_id": row.from_id, "timestamp": row.timestamp, "hidden": row.hidden,
            "like_count": row.like_count, "own": row.own, "source": row.source,
            "read": row.read_at is not None, "received_at": row.created_at}
