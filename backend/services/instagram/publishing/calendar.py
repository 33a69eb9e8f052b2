"""The calendar: a user's posts in a time range, by the moment that matters for each."""
from backend.extensions import db
from backend.models import SNSPost

# The calendar's states, and the post statuses each covers.
STATES = {"draft": ("draft",), "scheduled": ("scheduled",),
          "publishing": ("pending", "processing", "container_created", "publishing"),
          "published": ("published", "needs_reconcile"), "failed": ("failed", "expired"),
          "missed": ("missed",)}
STATE_OF = {status: state for state, statuses in STATES.items() for status in statuses}


def moment():
    """When a post sits in the calendar: its time to go out, else when it went, else when
    it was written (drafts)."""
    return db.func.coalesce(SNSPost.publish_at, SNSPost.published_at, SNSPost.created_at)


def entries(user_id, start, end, account_id=None, states=None):
    """Posts of the user between start and end (inclusive), in time order."""
    at = moment()
    query = db.select(SNSPost, at).where(SNSPost.user_id == user_id, at >= start, at <= end)
    if account_id is not None:
        query = query.where(SNSPost.account_id == account_id)
    if states:
        query = query.where(SNSPost.status.in_([s for state in states for s in STATES[state]]))
    return [(post, when) for post, when in db.session.execute(query.order_by(at, SNSPost.id))]
