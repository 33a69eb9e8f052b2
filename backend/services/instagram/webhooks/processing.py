"""The webhook job: stored events become inbox comments, mentions and story insights."""
import logging
import re

from sqlalchemy import or_

from backend.extensions import db, scheduler
from backend.models import SNSAccount, SNSPost, utcnow
from backend.services.instagram.accounts.token_store import acting_as
from backend.services.instagram.comments import feeds, inbox, mentions
from backend.services.instagram.core.row_jobs import work_on_rows
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.graph import errors as graph
from backend.services.instagram.graph.insights_catalogue import STORY
from backend.services.instagram.insights.store import save_media_snapshot
from backend.services.instagram.webhooks.models import SNSWebhookEvent

log = logging.getLogger(__name__)
JOB = "instagram_webhook_events"
METRIC = re.compile(r"[a-z_]{1,64}")
STORY_CHECK_FIELDS = "id,media_product_type"


def process_events(app):
    """Scheduler job (and the kick after each delivery): pending events, oldest first."""
    limit = runtime(app).settings.INSTAGRAM_WEBHOOK_BATCH_SIZE
    ids = db.session.execute(db.select(SNSWebhookEvent.id).where(
        SNSWebhookEvent.status == "pending").order_by(SNSWebhookEvent.id).limit(limit)) \
        .scalars().all()
    return work_on_rows(JOB, SNSWebhookEvent, ids, _process, give_up=_give_up, app=app)


def kick():
    """Process the events just stored now, in this process's scheduler; a burst of
    deliveries replaces the one pending run instead of queueing one each."""
    scheduler.run_once_at("instagram_webhook_events_now", process_events, utcnow())


class Ignored(Exception):
    """A well-formed event this platform does not keep; `reason` is its outcome."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def _process(event, lease):
    if event.status != "pending":
        return "done"
    handler = HANDLERS.get(event.field)
    if handler is None:
        return _finish(event, "ignored", "field_not_handled")
    accounts = db.session.execute(db.select(SNSAccount).where(
        SNSAccount.platform == "instagram", SNSAccount.status != "disconnected",
        or_(SNSAccount.platform_user_id == event.entry_id,
            SNSAccount.app_scoped_id == event.entry_id))).scalars().all()
    if not accounts:
        return _finish(event, "ignored", "no_connected_account")
    value = event.value if isinstance(event.value, dict) else {}
    outcome = None
    for account in accounts:
        lease.ensure()
        try:
            outcome = handler(account, value, event)
        except Ignored as ignored:
            return _finish(event, "ignored", ignored.reason)
        if outcome is None:
            return _finish(event, "ignored", "malformed")
        feeds.feed_of(account).last_event_at = utcnow()
    return _finish(event, "processed", outcome)


def _finish(event, status, outcome):
    event.status, event.outcome, event.processed_at = status, outcome, utcnow()
    db.session.commit()
    return f"{event.field}_{outcome}" if status == "processed" else outcome


def _comment(account, value, event):
    """A `comments` (or `live_comments`) change: one comment in the account's inbox."""
    media = value.get("media") if isinstance(value.get("media"), dict) else {}
    author = value.get("from") if isinstance(value.get("from"), dict) else {}
    comment_id, media_id = _id(value.get("id")), _id(media.get("id"))
    if comment_id is None or not isinstance(value.get("text"), str):
        return None
    # inbox.store keeps of the texts what a database can (no NUL, bounded lengths).
    _row, created = inbox.store(account, {
        "comment_id": comment_id, "text": value["text"], "timestamp": event.entry_time,
        "username": author.get("username"), "from_id": _id(author.get("id")),
        "media_id": media_id, "media_product_type": media.get("media_product_type"),
        "parent_id": _id(value.get("parent_id"))}, "webhook")
    return "stored" if created else "updated"


def _mention(account, value, event):
    """A `mentions` change: the media (caption) or comment that @mentions the account."""
    media_id = _id(value.get("media_id"))
    comment_id = _id(value.get("comment_id")) if "comment_id" in value else None
    if media_id is None or ("comment_id" in value and comment_id is None):
        return None
    stored = mentions.store(account, media_id, comment_id, event.entry_time)
    return "stored" if stored is not None else "duplicate"


def _story_insights(account, value, event):
    """A `story_insights` change: the story's final figures, kept as its insights (Meta
    sends -1 for counts under 5: those say nothing and are left out)."""
    media_id = _id(value.get("media_id"))
    rows = [{"metric": name, "value": float(number), "period": "lifetime"}
            for name, number in value.items()
            if name != "media_id" and METRIC.fullmatch(name)
            and isinstance(number, (int, float)) and not isinstance(number, bool)
            and 0 <= number < 2 ** 53]
    if media_id is None:
        return None
    post = db.session.execute(db.select(SNSPost).where(
        SNSPost.account_id == account.id, SNSPost.platform_post_id == media_id)).scalar()
    if not _is_story_of(account, media_id, post):
        raise Ignored("not_a_story_of_the_account")
    save_media_snapshot(account.id, media_id, post and post.id, STORY, rows, event.entry_time)
    db.session.commit()
    return "stored" if rows else "below_threshold"


def _is_story_of(account, media_id, post):
    """Whether the media is one of the account's stories: a post published here says so by
    its type; any other is asked of Meta as the account (another account's media does not
    exist for it). Meta failing otherwise raises: the row job retries the event, a bounded
    number of times."""
    if post is not None:
        return post.post_type == "story"
    try:
        with acting_as(account) as client:
            media = client.get_media(media_id, STORY_CHECK_FIELDS)
    except (graph.NotFoundError, graph.UserFixableError):
        return False
    return media.get("media_product_type") == STORY


HANDLERS = {"comments": _comment, "live_comments": _comment, "mentions": _mention,
            "story_insights": _story_insights}


def _id(value):
    """An Instagram id from an event: digits, as a string; None otherwise."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value)
    return text if text.isascii() and text.isdigit() and len(text) <= 64 else None


def _give_up(event_id, exc):
    event = db.session.get(SNSWebhookEvent, event_id)
    event.status, event.outcome, event.processed_at = "ignored", "internal_error", utcnow()
