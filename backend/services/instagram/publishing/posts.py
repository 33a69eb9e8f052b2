"""Submitting posts (validation, idempotency, quota) and reading them back, per user."""
import hashlib
import json
import os
from datetime import timedelta

from flask import current_app, request, url_for
from sqlalchemy.exc import IntegrityError

from backend.errors import APIError, NotFound
from backend.extensions import db
from backend.models import SNSPost, utcnow
from backend.services.instagram.accounts import connected
from backend.services.instagram.accounts.token_store import acting_as
from backend.services.instagram.comments import first_comment
from backend.services.instagram.core import leases
from backend.services.instagram.core.deadline import request_deadline, within_budget
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.preflight.validator import Validator, item_plan, kind_of
from backend.services.instagram.publishing import best_times, quota, scheduling, timers
from backend.services.instagram.publishing.jobs import check_post
from backend.services.instagram.publishing.progress import progress
from backend.services.instagram.publishing.state_machine import advance

# HTTP status of a post that failed while the request waited, by error category.
FAILED_STATUS = {"media": 422, "user_fixable": 422, "container_error": 422, "auth": 403,
                 "permission": 403, "spam_block": 403, "publish_limit": 429,
                 "rate_limit": 429, "container_expired": 409, "duplicate": 409}


def upload_dir():
    return (runtime().settings.INSTAGRAM_UPLOAD_DIR
            or os.path.join(current_app.instance_path, "uploads"))


def public_upload_url(token):
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    return base.rstrip("/") + url_for("instagram.public_upload", token=token)


def validator():
    return Validator(sandbox=runtime().settings.INSTAGRAM_SANDBOX, upload_dir=upload_dir(),
                     public_url=public_upload_url, deadline=request_deadline())


def submit(user_id, post_type, body, idempotency_key=None):
    """Validate, give the post its time (now, or scheduled), record it, then publish as far
    as it goes now.

    Returns (post, created). The same Idempotency-Key with the same body returns the first
    post without calling Meta; with another body it is refused.
    """
    payload = body.model_dump(exclude_none=True)
    digest = hashlib.sha256(json.dumps([post_type, payload], sort_keys=True).encode()) \
        .hexdigest()
    if idempotency_key:
        existing = _by_key(user_id, idempotency_key)
        if existing is not None:
            return _replay(existing, digest), False
    publish_at = payload.pop("publish_at", None)
    when_limited = payload.pop("when_limited", None) or "refuse"
    account = publishable_account(user_id, payload["account_id"])
    report = valid_report(post_type, payload)
    kind = kind_of(post_type, payload)
    post = SNSPost(
        user_id=user_id, account_id=account.id, platform="instagram", post_type=kind,
        status="pending", caption=report["caption"] or None, request=payload,
        items=item_plan(kind, payload, report), idempotency_key=idempotency_key,
        request_hash=digest, when_limited=when_limited)
    when, how = plan_time(post, account, publish_at)
    if when is not None:
        post.status = "scheduled"  # never "pending" on the way: the job would publish it
    db.session.add(post)
    first_comment.plan(post)
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent request with the same key won the race
        db.session.rollback()
        return _replay(_by_key(user_id, idempotency_key), digest), False
    return go(post, when, how), True


def publishable_account(user_id, account_id):
    account = connected.get_owned(user_id, account_id)
    if connected.connection_status(account) == "needs_reauth":
        raise APIError("Instagram no longer accepts this account's connection; connect it "
                       "again before publishing.", code="account_needs_reauth", status=409)
    return account


def valid_report(post_type, payload):
    """The preview's report of the post; 422 validation_failed when it has errors."""
    report = validator().check(post_type, payload)
    if not report["valid"]:
        raise APIError("The post cannot be published: " + "; ".join(
            e["message"] for e in report["errors"][:3]), code="validation_failed", status=422,
            details={"errors": report["errors"], "warnings": report["warnings"]})
    return report


def plan_time(post, account, publish_at):
    """(when, how) the post goes out: (None, None) for now; a time for a scheduled post.

    Publishing now checks the account's publishing limit: at the limit the post is refused
    with 429, or with `when_limited: "queue"` scheduled for when the 24-hour window frees.
    """
    now = utcnow()
    target = scheduling.parse_publish_at(publish_at, now)
    if target == "next_slot":
        return scheduling.next_free_slot(account, now, post.id), "next_slot"
    if target == "best":
        return best_times.next_best_time(account, now, post.id), "best"
    if target is not None:
        return target, "at"
    with acting_as(account) as client:
        try:
            quota.check(account, client)
        except APIError as exc:
            if exc.code != "publishing_limit_reached" or post.when_limited != "queue":
                raise
            # A minute past the moment the oldest publish leaves Meta's 24-hour window.
            free = now + timedelta(seconds=exc.details["retry_after_seconds"] + 60)
            return scheduling.next_free_time(account, free, post.id), "publishing_limit"
    return None, None


def go(post, when, how):
    """Set a recorded post going: scheduled for `when`, or published now as far as it goes
    within INSTAGRAM_SYNC_PUBLISH_TIMEOUT (the job and the post's timer do the rest)."""
    settings = runtime().settings
    if when is not None:
        scheduling.schedule(post, when, how)
        timers.schedule(post, check_post)
        return post
    post.status = "pending"
    post.deadline_at = utcnow() + timedelta(hours=settings.INSTAGRAM_PUBLISH_WAIT_HOURS)
    db.session.commit()
    # Held like the job's lease: should this request die, the job takes the post over once
    # the lease lapses (see publishing/jobs.due_posts).
    lease = leases.claim(SNSPost, post.id, settings.INSTAGRAM_LEASE_SECONDS)
    if lease is not None:
        with lease:
            try:
                # Graph calls stop at the request's budget too (make_client): past it the
                # post waits for the job and the answer is 202.
                advance(post, deadline=within_budget(settings.INSTAGRAM_SYNC_PUBLISH_TIMEOUT),
                        lease=lease)
            except leases.LeaseLost:  # the job has it now; the answer is 202 either way
                db.session.rollback()
    db.session.refresh(post)
    timers.schedule(post, check_post)
    return post


def _by_key(user_id, key):
    return db.session.execute(db.select(SNSPost).filter_by(
        user_id=user_id, idempotency_key=key)).scalar_one_or_none()


def _replay(post, digest):
    if post.request_hash != digest:
        raise APIError("This Idempotency-Key was already used with a different request.",
                       code="idempotency_key_reused", status=422,
                       details={"post_id": post.id})
    return post


def response_status(post):
    """201 published, 202 still in progress; a failure raises the envelope, post included."""
    if post.status == "published":
        return 201
    if post.status in ("needs_reconcile", "scheduled"):
        return 202
    if post.status in ("failed", "expired"):
        raise APIError(post.error_message or "Publishing failed.",
                       code="publish_failed" if post.status == "failed" else "container_expired",
                       status=FAILED_STATUS.get(post.error_category, 502),
                       details={"post": serialize(post)})
    return 202


def get_owned(user_id, post_id):
    post = db.session.get(SNSPost, post_id)
    if post is None or post.user_id != user_id:
        raise NotFound("No post with this id.", code="post_not_found")
    return post


def list_owned(user_id, query, status=None):
    """One page (query.limit, query.before) of the user's posts, newest first; `status`
    (else query.status) filters them."""
    stmt = db.select(SNSPost).filter_by(user_id=user_id)
    if query.account_id is not None:
        stmt = stmt.filter_by(account_id=query.account_id)
    status = status or getattr(query, "status", None)
    if status:
        stmt = stmt.filter_by(status=status)
    if query.before is not None:
        stmt = stmt.where(SNSPost.id < query.before)
    rows = db.session.execute(stmt.order_by(SNSPost.id.desc()).limit(query.limit + 1)) \
        .scalars().all()
    more = len(rows) > query.limit
    rows = rows[:query.limit]
    return {"posts": [serialize(p) for p in rows],
            "next_before": rows[-1].id if more and rows else None}


def status_url(post):
    return url_for("instagram.post_status", post_id=post.id)


def serialize(post):
    error = None
    if post.error_message or post.error_code:
        error = {"code": post.error_code, "subcode": post.error_subcode,
                 "message": post.error_message, "category": post.error_category}
    return {
        "id": post.id, "account_id": post.account_id, "type": post.post_type,
        "status": post.status, "caption": post.caption, "media_id": post.platform_post_id,
        "permalink": post.permalink, "media_product_type": post.media_product_type,
        "error": error, "attempts": post.attempts, "graph_calls": post.graph_calls,
        "container_id": post.container_id,
        "items": [{k: i.get(k) for k in ("field", "kind", "url", "container_id", "status")}
                  for i in post.items],
        "publish_at": post.publish_at, "schedule_kind": post.schedule_kind,
        "when_limited": post.when_limited, "validation": post.validation,
        "progress": progress(post),
        "first_comment": first_comment.describe(post),
        "status_url": status_url(post), "created_at": post.created_at,
        "updated_at": post.updated_at, "published_at": post.published_at,
    }
