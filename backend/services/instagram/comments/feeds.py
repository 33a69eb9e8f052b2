"""How an account's comments reach the platform: by webhooks when it is subscribed, else by poll."""
from sqlalchemy.exc import IntegrityError

from backend.extensions import db
from backend.models import SNSAccount
from backend.services.instagram.comments.models import SNSCommentFeed

WEBHOOKS, POLLING = "webhooks", "polling"


def feed_of(account):
    """The account's feed row, created on first use."""
    feed = db.session.execute(db.select(SNSCommentFeed).filter_by(account_id=account.id)) \
        .scalar_one_or_none()
    if feed is not None:
        return feed
    feed = SNSCommentFeed(account_id=account.id, media_counts={})
    try:
        with db.session.begin_nested():
            db.session.add(feed)
    except IntegrityError:  # created meanwhile by another request or job
        return db.session.execute(db.select(SNSCommentFeed).filter_by(
            account_id=account.id)).scalar_one()
    return feed


def mode(feed, settings):
    """webhooks when webhooks are on and the account is subscribed to comments."""
    subscribed = "comments" in (feed.subscribed_fields or ()) if feed is not None else False
    return WEBHOOKS if settings.INSTAGRAM_WEBHOOKS and subscribed else POLLING


def ensure_all():
    """A feed row for every active account that has none yet (one query when all have)."""
    missing = db.session.execute(
        db.select(SNSAccount).outerjoin(SNSCommentFeed,
                                        SNSCommentFeed.account_id == SNSAccount.id)
        .where(SNSAccount.platform == "instagram", SNSAccount.status == "active",
               SNSCommentFeed.id.is_(None))).scalars().all()
    for account in missing:
        feed_of(account)
    db.session.commit()
