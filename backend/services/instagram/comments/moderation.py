"""Acting on comments at Instagram: comment, reply, hide or unhide, delete; the inbox follows."""
import logging

from sqlalchemy.exc import SQLAlchemyError

from backend.extensions import db
from backend.models import utcnow
from backend.services.instagram.comments import inbox, permissions

log = logging.getLogger(__name__)
# What a reply needs to know about the comment it answers when the inbox does not have it.
TARGET_FIELDS = "id,parent_id,media{id}"


def comment_on_media(account, media_id, message):
    """A new top-level comment of the account on one of its media."""
    with permissions.moderating(account, media=media_id) as client:
        answer = client.create_comment(media_id, message, ig_user_id=account.platform_user_id)
    return _written(account, answer, message, media_id=media_id)


def reply(account, comment_id, message):
    """The account's reply to a comment (Meta attaches a reply to a reply to the top-level
    comment). The comment replied to counts as read."""
    with permissions.moderating(account, comment=comment_id) as client:
        entry = inbox.entry_of(account.id, comment_id)
        if entry is not None and entry.media_id:
            parent, media_id = entry.parent_id or entry.comment_id, entry.media_id
        else:
            # Not in the inbox (yet): Meta says whether it is itself a reply, and on which
            # media, before anything is posted.
            target = client.get_comment(comment_id, TARGET_FIELDS,
                                        ig_user_id=account.platform_user_id)
            parent = _id_in(target.get("parent_id")) or comment_id
            media_id = _id_in((target.get("media") or {}).get("id"))
        answer = client.reply_to_comment(comment_id, message,
                                         ig_user_id=account.platform_user_id)
    if entry is not None and entry.read_at is None:
        entry.read_at = utcnow()
    return _written(account, answer, message, parent_id=parent, media_id=media_id)


def _id_in(value):
    text = str(value) if isinstance(value, (str, int)) else ""
    return text if text.isascii() and text.isdigit() else None


def _written(account, answer, message, media_id=None, parent_id=None):
    """What the account just wrote, kept in its inbox as its own (read) comment.

    The comment exists at Instagram now: a failure to keep the copy is logged, never the
    answer (a client retrying after an error would post it twice); the poll or a webhook
    brings it in later.
    """
    comment_id = str(answer.get("id") or "")
    now = utcnow()
    try:
        if comment_id:
            inbox.store(account, {"comment_id": comment_id, "text": message, "timestamp": now,
                                  "username": account.username, "media_id": media_id,
                                  "parent_id": parent_id}, "platform", now)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("comment %s of account %s posted, but its inbox copy was not kept",
                      comment_id or "(no id)", account.id)
    return {"id": comment_id or None, "text": message, "timestamp": now,
            "username": account.username, "from": None, "like_count": 0, "hidden": False,
            "parent_id": parent_id, "media_id": media_id, "replies": None}


def change(account, comment_id, hidden=None, read=None):
    """Hide or unhide at Instagram, and/or mark read or unread in the inbox."""
    permissions.check_id(comment_id, permissions.comment_not_found)
    entry = inbox.entry_of(account.id, comment_id)
    if read is not None and entry is None and hidden is None:
        raise permissions.comment_not_found({"reason": "not in your inbox"})
    if hidden is not None:
        with permissions.moderating(account, comment=comment_id) as client:
            client.set_comment_hidden(comment_id, hidden, ig_user_id=account.platform_user_id)
        if entry is not None:
            entry.hidden = hidden
    if read is not None and entry is not None:
        entry.read_at = (entry.read_at or utcnow()) if read else None
    db.session.commit()
    return {"comment_id": comment_id, "account_id": account.id,
            "hidden": hidden if hidden is not None else (entry.hidden if entry else None),
            "read": None if entry is None else entry.read_at is not None}


def delete(account, comment_id):
    """Delete a comment at Instagram; it leaves the inbox with its replies, and stays out."""
    with permissions.moderating(account, comment=comment_id) as client:
        client.delete_comment(comment_id, ig_user_id=account.platform_user_id)
    inbox.mark_deleted(account, comment_id)
    db.session.commit()
    return {"deleted": True, "comment_id": comment_id, "account_id": account.id}
