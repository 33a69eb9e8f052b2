"""First comments: posted once on a post's media right after it is live, retried, never twice.

A post asks for one with `first_comment`; its row is written with the post (plan). Once the
post is published (the post_published signal asks for it at once; the job's sweep is the
safety net), the comment is recorded as `posting` before the call, so an answer that never
comes leaves a trace: the next attempt first looks for the comment among the media's
comments (by the account, same text, not older than the attempt) and only posts again when
it is not there. A first comment that fails never fails its post.
"""
import logging
from datetime import timedelta

from sqlalchemy import and_, or_

from backend.extensions import db, scheduler
from backend.models import SNSAccount, SNSPost, utcnow
from backend.services.instagram.accounts import connected
from backend.services.instagram.accounts.token_store import acting_as
from backend.services.instagram.comments.models import SNSFirstComment
from backend.services.instagram.core.clients import error_record
from backend.services.instagram.core.row_jobs import internal_error_record, work_on_rows
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.graph import errors as graph
from backend.services.instagram.graph.content_publishing import (
    PUBLISH_MATCH_SKEW, _not_sent, same_caption)
from backend.services.instagram.graph.reading import next_page_params
from backend.services.instagram.graph.wire import parse_graph_time

log = logging.getLogger(__name__)
JOB = "instagram_first_comments"
PENDING = ("waiting", "posting")
# Post statuses after which nothing was published: the first comment is skipped.
UNPUBLISHED = ("failed", "expired", "missed")
# Seconds before the next attempt, by attempts made; an unknown outcome waits at least
# CHECK_DELAY so that Meta lists a comment that was in fact created (lessons 14).
BACKOFF = (30, 120, 600, 1800, 3600)
CHECK_DELAY = 60
LOOKUP_PAGES = 3
LOOKUP_FIELDS = "id,text,username,timestamp"


def plan(post):
    """Record the first comment a new post asks for (in the post's own transaction); an
    account that cannot comment is told now, before anything is published."""
    message = (post.request or {}).get("first_comment")
    if message:
        connected.require_scopes(db.session.get(SNSAccount, post.account_id),
                                 connected.COMMENT_SCOPES, "First comments")
        db.session.add(SNSFirstComment(post=post, account_id=post.account_id,
                                       message=message))


def replan(post):
    """A post leaving the drafts: its first comment is the one its request asks for now
    (an edit, or its removal, counts); nothing was posted for it yet."""
    forget(post)
    plan(post)


def forget(post):
    """Drop the first comment of a post going back to the drafts, moved after it missed its
    time, or deleted: never one that was posted, or may have been (posting)."""
    db.session.execute(db.delete(SNSFirstComment).where(
        SNSFirstComment.post_id == post.id, SNSFirstComment.comment_id.is_(None),
        SNSFirstComment.status != "posting"))


def describe(post):
    """The `first_comment` block of a post's status, or None when it asked for none."""
    row = db.session.execute(db.select(SNSFirstComment).filter_by(post_id=post.id)) \
        .scalar_one_or_none()
    if row is None:
        return None
    error = row.last_error and {k: row.last_error.get(k) for k in ("code", "subcode",
                                                                   "message")}
    return {"message": row.message, "status": row.status, "comment_id": row.comment_id,
            "attempts": row.attempts, "next_attempt_at": row.next_attempt_at,
            "posted_at": row.posted_at, "error": error}


def on_published(app, post=None, **_extra):
    """post_published: post the first comment now, on a timer of its own (the publish
    answer does not wait for it; without a scheduler in this process the sweep does it)."""
    row = db.session.execute(db.select(SNSFirstComment.id).filter_by(post_id=post.id)) \
        .scalar_one_or_none()
    if row is not None:
        scheduler.run_once_at(f"instagram_first_comment_{row}", check_one, utcnow(), row)


def check_one(app, row_id):
    work_on_rows(JOB, SNSFirstComment, [row_id], _work, give_up=_give_up, app=app)


def process_first_comments(app, limit=50):
    """Scheduler job: every first comment that is due, each under its lease."""
    return work_on_rows(JOB, SNSFirstComment, due(utcnow(), limit), _work,
                        give_up=_give_up, app=app)


def due(now, limit):
    """First comments to act on: their post is live, ended unpublished, or is no longer
    reconciled; and their next attempt, if any, has come."""
    post_done = or_(and_(SNSPost.status == "published", SNSPost.platform_post_id.is_not(None)),
                    SNSPost.status.in_(UNPUBLISHED), _reconcile_ended())
    return db.session.execute(
        db.select(SNSFirstComment.id).join(SNSPost, SNSPost.id == SNSFirstComment.post_id)
        .where(SNSFirstComment.status.in_(PENDING), post_done,
               or_(SNSFirstComment.next_attempt_at.is_(None),
                   SNSFirstComment.next_attempt_at <= now))
        .order_by(SNSFirstComment.next_attempt_at).limit(limit)).scalars().all()


def _reconcile_ended():
    """needs_reconcile with no next check: the publishing job stopped looking for the media
    (its reconcile window ended, or it gave up on the post), so no media id will come."""
    return and_(SNSPost.status == "needs_reconcile", SNSPost.next_check_at.is_(None))


def _work(row, lease):
    if row.status not in PENDING:
        return "done"
    post = row.post
    if post.status in UNPUBLISHED:
        return _end(row, "skipped")
    if post.status == "needs_reconcile" and post.next_check_at is None:
        return _end(row, "failed", code="post_not_identified", message=(
            "Instagram did not tell which media this post became, and the platform stopped "
            "looking; the first comment was not posted. Add it by hand if the post is live."))
    if post.status != "published" or not post.platform_post_id:
        return "waiting"
    account = db.session.get(SNSAccount, row.account_id)
    if connected.connection_status(account) in ("needs_reauth", "disconnected"):
        return _end(row, "failed", code="account_needs_reauth", message="The account must be "
                    "connected again; the first comment was not posted.")
    if not connected.can_manage_comments(account):
        return _end(row, "failed", code="instagram_permission_missing", message=(
            "The account did not allow managing comments; the first comment was not posted."))
    creating = False
    try:
        with acting_as(account) as client:
            if row.status == "posting":
                found = _find_posted(client, row, account, post)
                if found:
                    return _posted(row, found)
            if row.attempts >= runtime().settings.INSTAGRAM_FIRST_COMMENT_ATTEMPTS:
                return _exhausted(row)
            row.status, row.attempts, row.attempt_started_at = "posting", row.attempts + 1, \
                utcnow()
            db.session.commit()
            lease.ensure()
            creating = True
            answer = client.create_comment(post.platform_post_id, row.message,
                                           ig_user_id=account.platform_user_id)
    except graph.InstagramAPIError as exc:
        return _on_error(row, exc, creating)
    if not answer.get("id"):
        return _retry(row, CHECK_DELAY, None)  # an answer without an id: look for it later
    return _posted(row, str(answer["id"]))


def _find_posted(client, row, account, post):
    """The id of the comment an earlier attempt created, if Meta lists it: the account's,
    with the same text, not older than the post (any earlier attempt counts, not only the
    last one; the same text written by hand since is as good as posted)."""
    since = (post.published_at or row.created_at) - PUBLISH_MATCH_SKEW
    params = {}
    for _ in range(LOOKUP_PAGES):
        page = client.list_comments(post.platform_post_id, LOOKUP_FIELDS, 50, **params,
                                    ig_user_id=account.platform_user_id)
        for item in page.get("data") or []:
            moment = parse_graph_time(item.get("timestamp"))
            if (str(item.get("username") or "").lower() == (account.username or "").lower()
                    and same_caption(item.get("text"), row.message)
                    and (moment is None or moment >= since)):
                return str(item.get("id"))
        following = next_page_params(page.get("paging") or {})
        if following is None or "after" not in following:
            return None
        params = {"after": following["after"]}
    return None


def _posted(row, comment_id):
    row.status, row.comment_id, row.posted_at = "posted", comment_id, utcnow()
    row.next_attempt_at, row.last_error = None, None
    db.session.commit()
    log.info("first comment of post %s posted as comment %s", row.post_id, comment_id)
    return "posted"


def _on_error(row, exc, creating):
    """Meta refused (nothing was created: try again), the outcome is unknown (look for the
    comment before posting again), or the failure is final (the reason is kept)."""
    db.session.rollback()
    if not creating and row.status == "posting":
        return _lookup_failed(row, exc)
    if isinstance(exc, graph.RateLimitError):
        delay, maybe_created = exc.retry_after or BACKOFF[0], False
    elif _not_sent(exc) or isinstance(exc, graph.NotFoundError):
        # Nothing reached Meta, or Meta lags on the fresh media (lessons 14).
        delay, maybe_created = _backoff(row), False
    elif isinstance(exc, (graph.TransientError, graph.SpamBlockError)):
        # A lost answer, a 5xx, a block: Meta may have created it all the same.
        delay, maybe_created = max(CHECK_DELAY, _backoff(row)), True
    else:
        return _end(row, "failed", exc=exc)
    if creating and not maybe_created:
        row.status = "waiting"
    return _retry(row, delay, exc)


def _lookup_failed(row, exc):
    """Looking for an earlier attempt's comment failed. It counts as an attempt: a comment
    whose outcome Meta never lets the platform read (its media gone, 100/33, or Meta
    failing) ends within INSTAGRAM_FIRST_COMMENT_ATTEMPTS, with the reason, instead of
    being looked for forever; it is never posted again unchecked."""
    row.attempts += 1
    reason = f"the platform could not check whether it was posted: {exc.message}"
    if (row.attempts >= runtime().settings.INSTAGRAM_FIRST_COMMENT_ATTEMPTS
            or not isinstance(exc, (graph.RateLimitError, graph.TransientError,
                                    graph.NotFoundError))):
        return _end(row, "failed", exc=exc, message=f"The first comment may or may not be on "
                    f"the post ({reason}); check the post before adding it by hand.")
    delay = exc.retry_after if isinstance(exc, graph.RateLimitError) else None
    return _retry(row, delay or max(CHECK_DELAY, _backoff(row)), exc)


def _exhausted(row):
    """INSTAGRAM_FIRST_COMMENT_ATTEMPTS tries failed: the last one's reason is kept."""
    last = (row.last_error or {}).get("message") or "no answer from Instagram"
    return _end(row, "failed", code="attempts_exhausted", message=(
        f"The first comment was not posted after {row.attempts} attempts; the last failed "
        f"with: {last}"))


def _retry(row, seconds, exc):
    if exc is not None:
        row.last_error = error_record(exc)
    row.next_attempt_at = utcnow() + timedelta(seconds=seconds)
    db.session.commit()
    return "retry"


def _backoff(row):
    return BACKOFF[min(max(row.attempts, 1), len(BACKOFF)) - 1]


def _end(row, status, *, exc=None, code=None, message=None):
    row.status, row.next_attempt_at = status, None
    if exc is not None:
        # Meta's own (redacted) words: the generic sentences of the error table are about
        # posts, not comments.
        row.last_error = {**error_record(exc), "message": message or "Instagram refused the "
                          f"first comment: {exc.message}"}
    elif code is not None:
        row.last_error = {"code": code, "subcode": None, "message": message,
                          "at": utcnow().isoformat(), "fbtrace_id": None}
    db.session.commit()
    log.info("first comment of post %s %s", row.post_id, status)
    return status


def _give_up(row_id, exc):
    row = db.session.get(SNSFirstComment, row_id)
    row.status, row.next_attempt_at = "failed", None
    row.last_error = internal_error_record(JOB, exc)
