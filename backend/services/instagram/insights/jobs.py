"""The insights sync job: posts on a decaying schedule, stories before they expire, accounts
daily, each account held to a share of its Meta call budget."""
from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import or_

from backend.extensions import db
from backend.models import SNSAccount, SNSPost, utcnow
from backend.services.instagram.accounts.connected import can_read_insights
from backend.services.instagram.core.clients import make_client
from backend.services.instagram.core.row_jobs import StopRows, work_on_rows
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.graph import errors as graph
from backend.services.instagram.graph.usage import APP_ACCOUNT
from backend.services.instagram.insights.account_insights import fetch_and_store as fetch_account
from backend.services.instagram.graph.insights_catalogue import DEFAULT_ACCOUNT_METRICS
from backend.services.instagram.insights.media_insights import fetch_and_store, post_target

log = logging.getLogger(__name__)
DAY = timedelta(days=1)
# Series stored daily; online_followers also feeds best times to post (publishing/best_times).
ACCOUNT_SERIES = ("follower_count", "online_followers")


def next_check(published_at, now, story, settings):
    """When a post's insights are due next after `now`, or None when the schedule is over.

    Posts: the configured checkpoints, then daily up to the maximum age. Stories: their
    checkpoints only, all before the 24 hours Meta keeps their insights.
    """
    key = "INSTAGRAM_STORY_INSIGHTS_HOURS" if story else "INSTAGRAM_INSIGHTS_SCHEDULE_HOURS"
    points = [timedelta(hours=h) for h in settings.hours(key)]
    for point in points:
        if published_at + point > now:
            return published_at + point
    if story or not points:
        return None
    last = published_at + points[-1]
    following = last + DAY * ((now - last) // DAY + 1)
    end = published_at + timedelta(days=settings.INSTAGRAM_INSIGHTS_MAX_AGE_DAYS)
    return following if following <= end else None


class Budget:
    """Asks the shared usage tracker whether the sync may still call Meta for an account."""

    def __init__(self, share):
        self.share = share

    def allows(self, client, account):
        return not (client.should_defer(account.platform_user_id, self.share)
                    or client.should_defer(APP_ACCOUNT, self.share))


def sync_insights(app):
    """Scheduler job: one pass over due posts, then accounts due for their daily totals."""
    rt = runtime(app)
    settings = rt.settings
    now = utcnow()
    stats = Counter()
    budget = Budget(settings.INSTAGRAM_INSIGHTS_BUDGET_SHARE)
    schedule_new_posts(now, settings)
    for account_id, post_ids in due_posts(now, settings).items():
        _sync_posts(db.session.get(SNSAccount, account_id), post_ids, now, settings, budget,
                    stats)
    for account_id in due_accounts(now):
        _sync_account(account_id, now, settings, budget, stats)
    for outcome, count in stats.items():
        rt.metrics.insights_sync.labels(outcome).inc(count)
    if stats:
        log.info("insights sync: %s", dict(stats))
    return dict(stats)


def schedule_new_posts(now, settings):
    """Give recently published posts their first checkpoint."""
    oldest = now - timedelta(days=settings.INSTAGRAM_INSIGHTS_MAX_AGE_DAYS)
    fresh = db.session.execute(db.select(SNSPost).where(
        SNSPost.status == "published", SNSPost.platform_post_id.is_not(None),
        SNSPost.insights_next_at.is_(None), SNSPost.insights_synced_at.is_(None),
        SNSPost.published_at >= oldest)).scalars().all()
    for post in fresh:
        post.insights_next_at = next_check(post.published_at, post.published_at,
                                           post.post_type == "story", settings) \
            or post.published_at
    db.session.commit()


def due_posts(now, settings):
    """Due post ids per active account, at most a batch each so one busy or deferred
    account never starves the others: stories first (they expire), then oldest due first."""
    due = (SNSPost.status == "published", SNSPost.insights_next_at <= now)
    account_ids = db.session.execute(
        db.select(SNSPost.account_id).join(SNSAccount, SNSAccount.id == SNSPost.account_id)
        .where(*due, SNSAccount.status == "active").distinct()).scalars().all()
    grouped = {}
    for account_id in sorted(account_ids):
        grouped[account_id] = db.session.execute(
            db.select(SNSPost.id).where(*due, SNSPost.account_id == account_id)
            .order_by((SNSPost.post_type != "story"), SNSPost.insights_next_at)
            .limit(settings.INSTAGRAM_INSIGHTS_BATCH_SIZE)).scalars().all()
    return grouped


def _sync_posts(account, post_ids, now, settings, budget, stats):
    if not can_read_insights(account):
        stats["accounts_without_permission"] += 1
        return
    probe = make_client(account.login_type)

    def within_budget(_post_id):
        return None if budget.allows(probe, account) else "posts_deferred"

    def work(post, _lease):
        try:
            return "posts_" + _sync_post(post, account, now, settings)
        except graph.AuthError:
            # acting_as marked the account (or it was reconnected meanwhile): stop here.
            raise StopRows("accounts_need_reauth", remaining=None)
        except (graph.RateLimitError, graph.TransientError) as exc:
            log.warning("insights sync: account %s paused: %s", account.id, exc.code)
            raise StopRows("posts_deferred", remaining="posts_deferred")

    outcomes = work_on_rows(JOB, SNSPost, post_ids, work, give_up=_stop_post_schedule,
                            before_each=within_budget)
    stats.update({RENAMED.get(k, k): v for k, v in outcomes.items()})


JOB = "instagram_sync_insights"
# The runner's own outcomes, named as the rest of the sync's stats.
RENAMED = {"busy": "posts_busy", "internal_error": "posts_failed",
           "lease_lost": "posts_busy"}


def _stop_post_schedule(post_id, exc):
    """A post the sync kept failing on leaves the schedule (its stored insights stay)."""
    db.session.get(SNSPost, post_id).insights_next_at = None


def _sync_post(post, account, now, settings):
    """Fetch one post's insights and move it along its schedule, whatever Meta answered."""
    try:
        status = fetch_and_store(post_target(post, account), now=now)["status"]
    except (graph.AuthError, graph.RateLimitError, graph.TransientError):
        raise
    except graph.InstagramAPIError as exc:
        log.warning("insights sync: post %s skipped: code %s", post.id, exc.code)
        status = "failed"
    post.insights_synced_at = now
    post.insights_next_at = next_check(post.published_at, now, post.post_type == "story",
                                       settings)
    if status in ("not_supported", "expired"):
        post.insights_next_at = None
    db.session.commit()
    return status


def due_accounts(now):
    """Active accounts whose totals were not stored since the last UTC midnight."""
    midnight = datetime.combine(now.date(), time(), timezone.utc)
    return db.session.execute(db.select(SNSAccount.id).where(
        SNSAccount.platform == "instagram", SNSAccount.status == "active",
        or_(SNSAccount.insights_synced_at.is_(None),
            SNSAccount.insights_synced_at < midnight))).scalars().all()


def _sync_account(account_id, now, settings, budget, stats):
    """Yesterday's totals (UTC) and the follower series; under the account's lease."""
    def work(account, _lease):
        if not can_read_insights(account):
            return "accounts_without_permission"
        if not budget.allows(make_client(account.login_type), account):
            return "accounts_deferred"
        until = datetime.combine(now.date(), time(), timezone.utc)
        names = [n.strip() for n in (settings.INSTAGRAM_ACCOUNT_INSIGHTS_METRICS or "")
                 .split(",") if n.strip()] or list(DEFAULT_ACCOUNT_METRICS)
        try:
            report = fetch_account(account, names + [n for n in ACCOUNT_SERIES
                                                     if n not in names],
                                   until - DAY, until, now=now,
                                   budget=lambda client: budget.allows(client, account))
        except graph.AuthError:
            return "accounts_need_reauth"
        except graph.InstagramAPIError as exc:
            log.warning("insights sync: account %s not synced: code %s", account_id,
                        exc.code)
            return "accounts_failed"
        if "deferred" in report["unavailable_metrics"].values():
            return "accounts_deferred"
        account.insights_synced_at = now
        db.session.commit()
        return "accounts_synced"

    def skip_today(_account_id, _exc):
        db.session.get(SNSAccount, account_id).insights_synced_at = now

    outcomes = work_on_rows(JOB, SNSAccount, [account_id], work, give_up=skip_today)
    outcomes.pop("busy", None)
    stats.update({"accounts_failed" if k == "internal_error" else k: v
                  for k, v in outcomes.items()})
