"""When a scheduled post may call media_publish: its time, the grace period, the account's
publishing limit and the minimum spacing between two of its posts.

The spacing is checked and the post's turn recorded under the account's lease, so two
workers never publish two posts of one account closer together than the spacing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from backend.errors import APIError
from backend.extensions import db
from backend.models import SNSAccount, SNSPost, utcnow
from backend.services.instagram.core import leases
from backend.services.instagram.publishing import quota, scheduling

TURN_LEASE_SECONDS = 30
BUSY_RETRY = timedelta(seconds=2)


@dataclass
class Decision:
    """What the gate decided: go (`action` None), wait, requeue, missed or refused."""

    action: str | None = None
    reason: str | None = None
    at: datetime | None = None
    error: APIError | None = None
    grace: timedelta | None = None


GO = Decision()


def decide(post, client, settings):
    """The gate's decision for a post that has a publish_at and is ready to publish."""
    now = utcnow()
    if now < post.publish_at:
        return Decision("wait", "scheduled", post.publish_at)
    grace = timedelta(minutes=settings.INSTAGRAM_SCHEDULE_GRACE_MINUTES)
    if now > post.publish_at + grace:
        return Decision("missed", grace=grace)
    account = db.session.get(SNSAccount, post.account_id)
    try:
        quota.check(account, client)
    except APIError as exc:
        if exc.code != "publishing_limit_reached":
            raise
        if post.when_limited == "queue":
            free = now + timedelta(seconds=(exc.details.get("retry_after_seconds") or 3600) + 60)
            return Decision("requeue", "publishing_limit",
                            scheduling.next_free_time(account, free, post.id))
        return Decision("refused", error=exc)
    return _take_turn(post, account, now)


def _take_turn(post, account, now):
    spacing = scheduling.spacing_of(account)
    if not spacing:
        return GO
    lease = leases.claim(SNSAccount, account.id, TURN_LEASE_SECONDS)
    if lease is None:  # another worker is taking a turn for this account right now
        return Decision("wait", "spacing", now + BUSY_RETRY)
    with lease:
        last = db.session.scalar(db.select(db.func.max(SNSPost.publish_started_at)).where(
            SNSPost.account_id == account.id, SNSPost.id != post.id,
            SNSPost.publish_started_at > now - spacing))
        if last is not None:
            return Decision("wait", "spacing", last + spacing)
        post.publish_started_at = post.publish_started_at or now
        db.session.commit()
    return GO
