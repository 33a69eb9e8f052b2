"""Subscribing accounts to webhook fields (subscribed_apps): on connect, retried by a job, and
undone on disconnect unless another connection of the same account still needs it."""
import logging
from datetime import timedelta

from sqlalchemy import or_

from backend.extensions import db
from backend.models import SNSAccount, utcnow
from backend.services.instagram.accounts import connected
from backend.services.instagram.accounts.token_store import acting_as
from backend.services.instagram.comments import feeds
from backend.services.instagram.comments.models import SNSCommentFeed
from backend.services.instagram.core.clients import error_record
from backend.services.instagram.core.row_jobs import internal_error_record, work_on_rows
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.graph import errors as graph

log = logging.getLogger(__name__)
JOB = "instagram_webhook_subscriptions"
RETRY_SECONDS = (300, 1800, 7200, 21600)
# Facebook Login subscribes the Page to "any Page field" (Meta); the Instagram fields come
# from the app's webhook configuration.
PAGE_FIELDS = ("feed",)
COMMENT_FIELDS = ("comments", "live_comments", "mentions")


def wanted_fields(account, settings):
    """The configured fields the account granted the permission for."""
    allowed = {name for name in COMMENT_FIELDS if connected.can_manage_comments(account)}
    if connected.can_read_insights(account):
        allowed.add("story_insights")
    return [name for name in settings.webhook_fields() if name in allowed]


def on_connected(app, account=None, **_extra):
    """account_connected: subscribe the account now (a failure is recorded and retried;
    it never fails the connection)."""
    if not runtime(app).settings.INSTAGRAM_WEBHOOKS:
        return
    feed = feeds.feed_of(account)
    feed.next_subscribe_at, feed.subscription_error, feed.subscribe_attempts = utcnow(), None, 0
    db.session.commit()
    work_on_rows(JOB, SNSCommentFeed, [feed.id], _subscribe, give_up=_give_up, app=app)


def retry_subscriptions(app):
    """Scheduler job: subscriptions that are due again, and accounts never tried."""
    if not runtime(app).settings.INSTAGRAM_WEBHOOKS:
        return {}
    feeds.ensure_all()
    now = utcnow()
    never = (SNSCommentFeed.subscribed_at.is_(None)
             & SNSCommentFeed.subscription_error.is_(None)
             & SNSCommentFeed.next_subscribe_at.is_(None))
    ids = db.session.execute(
        db.select(SNSCommentFeed.id).join(SNSAccount, SNSAccount.id == SNSCommentFeed.account_id)
        .where(SNSAccount.status == "active",
               or_(never, SNSCommentFeed.next_subscribe_at <= now))).scalars().all()
    return work_on_rows(JOB, SNSCommentFeed, ids, _subscribe, give_up=_give_up, app=app)


def _subscribe(feed, lease):
    settings = runtime().settings
    account = db.session.get(SNSAccount, feed.account_id)
    if account.status == "disconnected":
        return _done(feed, "skipped")
    fields = wanted_fields(account, settings)
    if not fields:
        return _done(feed, "no_permission", error={
            "code": "instagram_permission_missing", "subcode": None, "at": utcnow().isoformat(),
            "message": "The account granted no permission that webhooks need (comments or "
                       "insights); its comments are polled.", "fbtrace_id": None})
    node = "me" if account.login_type == "instagram" else account.page_id
    try:
        with acting_as(account) as client:
            client.subscribe_app(node, fields if node == "me" else PAGE_FIELDS,
                                 ig_user_id=account.platform_user_id)
    except (graph.RateLimitError, graph.TransientError) as exc:
        feed.subscribe_attempts += 1
        delay = RETRY_SECONDS[min(feed.subscribe_attempts, len(RETRY_SECONDS)) - 1]
        return _done(feed, "retry", error=error_record(exc),
                     retry_at=utcnow() + timedelta(seconds=delay))
    except graph.InstagramAPIError as exc:
        log.info("webhooks: account %s not subscribed: code %s", account.id, exc.code)
        # Meta's own (redacted) words name the missing permission; the table's sentence
        # would only say that one is missing.
        return _done(feed, "refused", error={
            **error_record(exc), "message": f"Meta refused the webhook subscription "
            f"({exc.message}); the account's comments are polled instead."})
    feed.subscribed_fields, feed.subscribed_at = fields, utcnow()
    return _done(feed, "subscribed")


def _done(feed, outcome, error=None, retry_at=None):
    feed.subscription_error, feed.next_subscribe_at = error, retry_at
    if outcome != "subscribed":
        feed.subscribed_fields = feed.subscribed_at = None
    db.session.commit()
    return outcome


def on_disconnecting(app, account=None, **_extra):
    """account_disconnecting: unsubscribe while the token still works, unless another
    connection (another user's) of the same Instagram account is still active."""
    feed = db.session.execute(db.select(SNSCommentFeed).filter_by(account_id=account.id)) \
        .scalar_one_or_none()
    if feed is None or not feed.subscribed_at:
        return
    outcome = work_on_rows(JOB, SNSCommentFeed, [feed.id], _unsubscribe, give_up=_give_up,
                           app=app)
    if outcome.get("busy"):
        log.warning("webhooks: account %s disconnected while its subscription was being "
                    "renewed; it may stay subscribed at Meta", account.id)


def _unsubscribe(feed, lease):
    account = db.session.get(SNSAccount, feed.account_id)
    others = db.session.scalar(db.select(db.func.count(SNSAccount.id)).where(
        SNSAccount.platform_user_id == account.platform_user_id, SNSAccount.id != account.id,
        SNSAccount.platform == account.platform, SNSAccount.status != "disconnected"))
    if not others:
        node = "me" if account.login_type == "instagram" else account.page_id
        try:
            with acting_as(account) as client:
                client.unsubscribe_app(node, ig_user_id=account.platform_user_id)
        except graph.InstagramAPIError as exc:  # the disconnect goes on regardless
            log.info("webhooks: account %s not unsubscribed: code %s", account.id, exc.code)
    return _done(feed, "unsubscribed" if not others else "kept_for_other_connection")


def _give_up(feed_id, exc):
    feed = db.session.get(SNSCommentFeed, feed_id)
    feed.subscribed_fields = feed.subscribed_at = feed.next_subscribe_at = None
    feed.subscription_error = internal_error_record(JOB, exc)
