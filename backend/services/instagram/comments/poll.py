"""The budgeted poll: the inbox of accounts no webhook feeds, read from Meta every few minutes.

Each run reads an account's newest media with their `comments_count` (one call) and then
the comments of those whose count moved, newest first (replies come nested in their
comment). A media's count is recorded only once its read has caught up: a page brought
nothing new and the inbox holds as many of its comments as Meta counts, or the last page
was read. A read that stops before (MAX_PAGES a run, or the budget) goes on from its
cursor in the next run. Before every call the poll checks the account's share of Meta's
budget (INSTAGRAM_COMMENTS_BUDGET_SHARE), as the insights sync does.
"""
import logging
from datetime import timedelta

from sqlalchemy import func

from backend.extensions import db
from backend.models import SNSAccount, utcnow
from backend.services.instagram.accounts import connected
from backend.services.instagram.accounts.token_store import acting_as
from backend.services.instagram.comments import feeds, inbox
from backend.services.instagram.comments.models import SNSComment, SNSCommentFeed
from backend.services.instagram.comments.reading import normalise
from backend.services.instagram.core.row_jobs import work_on_rows
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.graph import errors as graph
from backend.services.instagram.graph.comments import THREAD_FIELDS
from backend.services.instagram.graph.reading import next_page_params
from backend.services.instagram.graph.wire import as_int
from backend.services.instagram.insights.jobs import Budget

log = logging.getLogger(__name__)
JOB = "instagram_poll_comments"
MEDIA_FIELDS = "id,comments_count,media_product_type"
PAGE_SIZE, MAX_PAGES = 50, 3


class OverBudget(Exception):
    """The account's share of Meta's budget is used: the rest waits for the next run."""


def poll_comments(app):
    """Scheduler job: poll every account whose comments are due and not fed by webhooks."""
    settings = runtime(app).settings
    feeds.ensure_all()
    now = utcnow()
    due = db.session.execute(
        db.select(SNSCommentFeed).join(SNSAccount, SNSAccount.id == SNSCommentFeed.account_id)
        .where(SNSAccount.status == "active")
        .where((SNSCommentFeed.next_poll_at.is_(None)) | (SNSCommentFeed.next_poll_at <= now))
        .order_by(SNSCommentFeed.next_poll_at)).scalars().all()
    ids = [f.id for f in due if feeds.mode(f, settings) == feeds.POLLING]
    return work_on_rows(JOB, SNSCommentFeed, ids, _poll, give_up=_give_up, app=app)


class Progress:
    """The feed's `media_counts`: per media, the count read up to (an int), or the read in
    progress (`{"after": cursor, "count": the count it started for}`). Every change is
    committed at once, with the comments stored so far, so a run cut short loses nothing."""

    def __init__(self, feed):
        self.feed, self.state = feed, dict(feed.media_counts or {})

    def get(self, media_id):
        return self.state.get(media_id)

    def save(self, media_id, value):
        self.state[media_id] = value
        self.feed.media_counts = dict(self.state)
        db.session.commit()

    def keep_only(self, media_ids):
        """Media no longer among the newest are forgotten (read afresh if they come back)."""
        self.feed.media_counts = {k: v for k, v in self.state.items() if k in media_ids}


def _poll(feed, lease):
    settings = runtime().settings
    account = db.session.get(SNSAccount, feed.account_id)
    if account.status != "active" or not connected.can_manage_comments(account):
        return _next(feed, settings, "skipped")
    budget = Budget(settings.INSTAGRAM_COMMENTS_BUDGET_SHARE)
    progress = Progress(feed)
    try:
        with acting_as(account) as client:
            def spend():
                lease.ensure()
                if not budget.allows(client, account):
                    raise OverBudget()
            spend()
            listing = client.list_media(account.platform_user_id, MEDIA_FIELDS,
                                        settings.INSTAGRAM_COMMENTS_POLL_MEDIA)
            listed = set()
            for media in listing.get("data") or []:
                media_id, count = str(media.get("id")), as_int(media.get("comments_count"))
                listed.add(media_id)
                if count is None or count == progress.get(media_id):
                    continue
                _read_media(client, account, media_id, media.get("media_product_type"),
                            count, progress, spend)
    except OverBudget:
        return _next(feed, settings, "deferred")
    except graph.AuthError:
        return "needs_reauth"
    except (graph.RateLimitError, graph.TransientError) as exc:
        log.info("comments poll of account %s paused: %s", account.id, exc.code)
        return _next(feed, settings, "deferred")
    progress.keep_only(listed)
    feed.polled_at = utcnow()
    return _next(feed, settings, "polled")


def _read_media(client, account, media_id, product, count, progress, spend):
    """Store the media's comments (and their nested replies), newest first, until the read
    has caught up (then its count is recorded) or this run's pages are spent (then where
    it stopped is). A read in progress goes on from its cursor and records the count it
    started for: comments that came since move the count again, and the next run reads
    from the newest."""
    state = progress.get(media_id)
    resumed = isinstance(state, dict) and bool(state.get("after"))
    target = state.get("count", count) if resumed else count
    params = {"after": state["after"]} if resumed else {}
    known = set(db.session.execute(db.select(SNSComment.comment_id).filter_by(
        account_id=account.id, media_id=media_id)).scalars())
    seen_at = utcnow()
    for _ in range(MAX_PAGES):
        spend()
        try:
            page = client.list_comments(media_id, THREAD_FIELDS, PAGE_SIZE, **params,
                                        ig_user_id=account.platform_user_id)
        except graph.NotFoundError:  # deleted meanwhile: nothing more to read
            return progress.save(media_id, count)
        except graph.UserFixableError:
            if not resumed:
                raise
            # Meta no longer takes the saved cursor: the next run reads from the newest.
            return progress.save(media_id, None)
        new = _store_page(account, media_id, product, page, known, seen_at)
        following = next_page_params(page.get("paging") or {}) or {}
        if "after" not in following or (not new and _live(account, media_id) >= target):
            return progress.save(media_id, target)
        params = {"after": following["after"]}
        progress.save(media_id, {**params, "count": target})


def _store_page(account, media_id, product, page, known, seen_at):
    """Store a page's comments and their nested replies; how many were not known."""
    new = 0
    for raw in page.get("data") or []:
        thread = normalise(raw, media_id)
        for item in [thread, *(thread["replies"] or [])]:
            if not item["id"]:
                continue
            if item["id"] not in known:
                new += 1
                known.add(item["id"])
            inbox.store(account, row_of(item, product), "poll", seen_at)
    return new


def _live(account, media_id):
    """The media's comments in the account's inbox that were not deleted."""
    return db.session.scalar(db.select(func.count(SNSComment.id)).where(
        SNSComment.account_id == account.id, SNSComment.media_id == media_id,
        SNSComment.deleted_at.is_(None)))


def row_of(item, product=None):
    """A normalised comment (reading.normalise) as SNSComment columns."""
    return {"comment_id": item["id"], "text": item["text"], "timestamp": item["timestamp"],
            "username": item["username"], "from_id": (item["from"] or {}).get("id"),
            "like_count": item["like_count"], "hidden": item["hidden"],
            "parent_id": item["parent_id"], "media_id": item["media_id"],
            "media_product_type": product}


def _next(feed, settings, outcome):
    feed.next_poll_at = utcnow() + timedelta(minutes=settings.INSTAGRAM_COMMENTS_POLL_MINUTES)
    db.session.commit()
    return outcome


def _give_up(feed_id, exc):
    feed = db.session.get(SNSCommentFeed, feed_id)
    feed.next_poll_at = utcnow() + timedelta(
        minutes=runtime().settings.INSTAGRAM_COMMENTS_POLL_MINUTES)
