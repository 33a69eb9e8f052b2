"""When a scheduled post may call media_publish: its time, the grace period, the account's
publishing limit and the minimum spacing between two of its posts.

The spacing is checked and the post's turn recorded under the account's lease, so two
workers never publish two posts of one account closer together than the spacing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_

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
    account = db.session.get(SNSAccount, post.account_id)
    grace = grace_of(settings)
    if now > post.publish_at + grace + _spaced_out(post, account):
        return Decision("missed", grace=grace)
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


def grace_of(settings):
    """How late a scheduled post may go out: the configured grace, plus the platform's own
    timing (its timers and sweep run a little after the time itself)."""
    return timedelta(minutes=settings.INSTAGRAM_SCHEDULE_GRACE_MINUTES) + timedelta(
        seconds=max(60, 2 * settings.INSTAGRAM_PUBLISH_POLL_SECONDS))


def _spaced_out(post, account):
    """How long the account's spacing held this post back: one spacing per post of the
    account that went out since its time (waiting for them is no lateness to miss on)."""
    spacing = scheduling.spacing_of(account)
    if not spacing:
        return timedelta(0)
    went = db.session.scalar(db.select(db.func.count(SNSPost.id)).where(
        SNSPost.account_id == account.id, SNSPost.id != post.id,
        SNSPost.publish_started_at >= post.publish_at - spacing))
    return spacing * went


def _take_turn(post, account, now):
    """Posts of one account due together go out in their order (time, then id), the
    account's spacing apart; the turn is recorded under the account's lease."""
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
        if _earlier_one_ready(post, account, now):
            return Decision("wait", "spacing", now + BUSY_RETRY)
        post.publish_started_at = post.publish_started_at or now
        db.session.commit()
    return GO


def _earlier_one_ready(post, account, now):
    """Another post of the account, due before this one (or at the same time with a lower
    id), ready to publish and not yet started: it goes first."""
    earlier = or_(SNSPost.publish_at < post.publish_at,
                  and_(SNSPost.publish_at == post.publish_at, SNSPost.id < post.id))
    return db.session.scalar(db.select(db.func.count(SNSPost.id)).where(
        SNSPost.account_id == account.id, SNSPost.id != post.id,
        SNSPost.status == "container_created", SNSPost.publish_started_at.is_(None),
        SNSPost.publish_at <= now, earlier)) > 0
