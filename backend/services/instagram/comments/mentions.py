"""@mentions of an account in others' captions and comments: stored from webhooks, listed,
replied to where Meta allows it (Facebook Login only)."""
import logging

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError

from backend.errors import APIError, NotFound
from backend.extensions import db
from backend.models import SNSAccount, utcnow
from backend.services.instagram.accounts.token_store import acting_as
from backend.services.instagram.comments import permissions
from backend.services.instagram.comments.inbox import owned_accounts
from backend.services.instagram.comments.models import MAX_ROW_ID, SNSMention
from backend.services.instagram.core.clients import error_record
from backend.services.instagram.graph import errors as graph
from backend.services.instagram.graph.wire import parse_graph_time

log = logging.getLogger(__name__)
NOT_ON_INSTAGRAM_LOGIN = ("Instagram Login cannot reply to @mentions (Meta offers it with "
                          "Facebook Login only): reply from the Instagram app, or connect the "
                          "account with Facebook Login.")


def store(account, media_id, comment_id, seen_at):
    """Keep a mention from a `mentions` event (once), with what Meta tells about it."""
    key = comment_id or ""
    if db.session.execute(db.select(SNSMention.id).filter_by(
            account_id=account.id, media_id=media_id, mention_key=key)).first():
        return None
    mention = SNSMention(account_id=account.id, media_id=media_id, mention_key=key,
                         comment_id=comment_id, timestamp=seen_at)
    if account.login_type == "facebook":
        _describe(account, mention)
    try:
        with db.session.begin_nested():
            db.session.add(mention)
    except IntegrityError:  # the same mention stored meanwhile
        return None
    return mention


def _describe(account, mention):
    """The caption or comment that mentions the account; a failure is kept, not raised (the
    mention itself is what matters)."""
    try:
        with acting_as(account) as client:
            if mention.comment_id:
                raw = client.get_mentioned_comment(account.platform_user_id,
                                                   mention.comment_id)
                mention.text = raw.get("text")
                mention.permalink = (raw.get("media") or {}).get("permalink")
            else:
                raw = client.get_mentioned_media(account.platform_user_id, mention.media_id)
                mention.text, mention.permalink = raw.get("caption"), raw.get("permalink")
                mention.media_type = raw.get("media_type")
    except graph.InstagramAPIError as exc:
        log.info("mention of account %s on media %s: details not read (%s)", account.id,
                 mention.media_id, exc.code)
        mention.details_error = error_record(exc)
        return
    mention.username = raw.get("username")
    mention.timestamp = parse_graph_time(raw.get("timestamp")) or mention.timestamp


def list_mentions(user_id, query):
    conditions = _owned(user_id, query.account_id)
    unread = db.session.scalar(db.select(func.count(SNSMention.id)).where(
        *conditions, SNSMention.read_at.is_(None)))
    if query.status != "all":
        conditions.append(SNSMention.read_at.is_(None) if query.status == "unread"
                          else SNSMention.read_at.is_not(None))
    if query.before is not None:
        conditions.append(SNSMention.id < query.before)
    rows = db.session.execute(db.select(SNSMention, SNSAccount.login_type)
                              .join(SNSAccount, SNSAccount.id == SNSMention.account_id)
                              .where(*conditions).order_by(SNSMention.id.desc())
                              .limit(query.limit + 1)).all()
    more = len(rows) > query.limit
    rows = rows[:query.limit]
    return {"mentions": [serialize(m, login) for m, login in rows], "unread": unread,
            "next_before": rows[-1][0].id if more else None}


def _owned(user_id, account_id=None):
    return [SNSMention.account_id.in_(owned_accounts(user_id, account_id))]


def mark(user_id, body):
    conditions = _owned(user_id, body.account_id)
    if body.mention_ids:
        conditions.append(SNSMention.id.in_(body.mention_ids))
    result = db.session.execute(update(SNSMention).where(*conditions).values(
        read_at=utcnow() if body.read else None).execution_options(synchronize_session=False))
    db.session.commit()
    return {"marked": result.rowcount}


def get_owned(user_id, mention_id):
    # An id past the column's range names no mention (and PostgreSQL would refuse it).
    mention = db.session.get(SNSMention, mention_id) if 0 < mention_id < MAX_ROW_ID else None
    account = mention and db.session.get(SNSAccount, mention.account_id)
    if (account is None or account.user_id != user_id or account.status == "disconnected"):
        raise NotFound("No mention with this id.", code="mention_not_found")
    return mention, account


def reply(user_id, mention_id, message):
    """Comment on the media (or reply to the comment) that mentioned the account."""
    mention, account = get_owned(user_id, mention_id)
    if account.login_type != "facebook":
        raise APIError(NOT_ON_INSTAGRAM_LOGIN, code="mention_reply_not_supported", status=409)
    permissions.require(account)
    with acting_as(account) as client:
        answer = client.reply_to_mention(account.platform_user_id, mention.media_id, message,
                                         mention.comment_id)
    mention.replied_comment_id = str(answer.get("id") or "") or None
    mention.read_at = mention.read_at or utcnow()
    db.session.commit()
    return serialize(mention, account.login_type)


def serialize(mention, login_type):
    return {"id": mention.id, "account_id": mention.account_id, "media_id": mention.media_id,
            "comment_id": mention.comment_id, "text": mention.text,
            "username": mention.username, "permalink": mention.permalink,
            "media_type": mention.media_type, "timestamp": mention.timestamp,
            "can_reply": login_type == "facebook", "replied_comment_id":
            mention.replied_comment_id, "details_error": mention.details_error,
            "read": mention.read_at is not None}
