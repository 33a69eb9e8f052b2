"""The calendar: a user's posts in a time range, by the moment that matters for each."""
from sqlalchemy import and_, or_

from backend.extensions import db
from backend.models import SNSPost

STATES = ("draft", "scheduled", "publishing", "published", "failed", "missed")
# Started ahead of their time (containers made early) but not yet due: still "scheduled".
PREPARING = ("pending", "processing", "container_created")
FINAL = {"draft": ("draft",), "published": ("published", "needs_reconcile"),
         "failed": ("failed", "expired"), "missed": ("missed",)}


def state_of(post, now):
    """The calendar state of a post at `now`."""
    if post.status in PREPARING:
        return "scheduled" if post.publish_at is not None and post.publish_at > now \
            else "publishing"
    for state, statuses in FINAL.items():
        if post.status in statuses:
            return state
    return post.status  # scheduled, publishing


def _condition(state, now):
    if state == "scheduled":
        return or_(SNSPost.status == "scheduled",
                   and_(SNSPost.status.in_(PREPARING), SNSPost.publish_at > now))
    if state == "publishing":
        return or_(SNSPost.status == "publishing", and_(
            SNSPost.status.in_(PREPARING),
            or_(SNSPost.publish_at.is_(None), SNSPost.publish_at <= now)))
    return SNSPost.status.in_(FINAL[state])


def moment():
    """When a post sits in the calendar: its time to go out, else when it went, else when
    it was written (drafts)."""
    return db.func.coalesce(SNSPost.publish_at, SNSPost.published_at, SNSPost.created_at)


def entries(user_id, start, end, now, account_id=None, states=None):
    """(post, when, state) of the user's posts between start and end (inclusive), in order."""
    at = moment()
    query = db.select(SNSPost, at).where(SNSPost.user_id == user_id, at >= start, at <= end)
    if account_id is not None:
        query = query.where(SNSPost.account_id == account_id)
    if states:
        query = query.where(or_(*(_condition(state, now) for state in states)))
    return [(post, when, state_of(post, now))
            for post, when in db.session.execute(query.order_by(at, SNSPost.id))]
