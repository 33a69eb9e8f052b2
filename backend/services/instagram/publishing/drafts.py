"""Drafts and the life of a post before publishing starts: save, edit, publish later,
reschedule, cancel. Every save runs the preview's validation and keeps its result."""
from __future__ import annotations

from contextlib import contextmanager

from backend.errors import APIError, NotFound
from backend.extensions import db
from backend.models import SNSPost, utcnow
from backend.services.instagram.accounts import connected
from backend.services.instagram.comments import first_comment
from backend.services.instagram.core import leases
from backend.services.instagram.preflight.validator import item_plan, kind_of
from backend.services.instagram.publishing import posts, scheduling
from backend.services.instagram.publishing.best_times import next_best_time

# Until media_publish is called a post can still be moved or called back.
# (A missed post never started publishing either: it can be given another time.)
BEFORE_PUBLISHING = ("scheduled", "pending", "processing", "container_created", "missed")
REPORT_KEYS = ("valid", "errors", "warnings", "counts")


def type_of(post):
    """The publish type a post was saved as (a carousel is a feed post with items)."""
    return "feed" if post.post_type == "carousel" else post.post_type


def _validate(post, post_type, payload):
    """Run the preview's checks on the draft and keep the result (never refuses a draft)."""
    report = posts.validator().check(post_type, payload)
    kind = kind_of(post_type, payload)
    post.post_type = kind
    post.request = payload
    post.caption = report["caption"] or None
    post.items = item_plan(kind, payload, report) if report["valid"] else []
    post.validation = {k: report.get(k) for k in REPORT_KEYS}
    return post


def create(user_id, body):
    payload = body.model_dump(exclude_none=True)
    post_type = payload.pop("type")
    account = connected.get_owned(user_id, payload["account_id"])
    post = SNSPost(user_id=user_id, account_id=account.id, platform="instagram",
                   status="draft")
    _validate(post, post_type, payload)
    db.session.add(post)
    db.session.commit()
    return post


def get_draft(user_id, post_id):
    post = posts.get_owned(user_id, post_id)
    if post.status != "draft":
        raise NotFound("No draft with this id (a post that left the drafts is at "
                       f"/posts/{post.id}/status).", code="draft_not_found")
    return post


def update(user_id, post_id, body):
    """Change some fields of a draft (null removes one); the whole draft is validated again."""
    post = get_draft(user_id, post_id)
    changes = body.model_dump(exclude_unset=True)
    post_type = changes.pop("type", None) or type_of(post)
    payload = dict(post.request)
    for key, value in changes.items():
        if value is None:
            payload.pop(key, None)
        else:
            payload[key] = value
    if "account_id" in changes:
        post.account_id = connected.get_owned(user_id, payload.get("account_id")).id
    _validate(post, post_type, payload)
    db.session.commit()
    return post


def delete(user_id, post_id):
    post = get_draft(user_id, post_id)
    first_comment.forget(post)
    db.session.delete(post)
    db.session.commit()


def list_drafts(user_id, query):
    """One page of drafts, newest first: by id, as GET /posts, so that editing a draft
    while paging neither repeats nor skips one."""
    page = posts.list_owned(user_id, query, status="draft")
    return {"drafts": page["posts"], "next_before": page["next_before"]}


def publish(user_id, post_id, body):
    """Send a draft out: now, or at `publish_at`; it must pass the checks again now."""
    post = get_draft(user_id, post_id)
    account = posts.publishable_account(user_id, post.account_id)
    payload = dict(post.request)
    report = posts.valid_report(type_of(post), payload)
    post.caption = report["caption"] or None
    post.items = item_plan(post.post_type, payload, report)
    post.validation = {k: report.get(k) for k in REPORT_KEYS}
    post.when_limited = body.when_limited or "refuse"
    first_comment.replan(post)  # the draft's own, as it is now (checks the permission)
    when, how = posts.plan_time(post, account, body.publish_at)
    return posts.go(post, when, how)


def reschedule(user_id, post_id, body):
    """Move a post that has not started publishing to another time."""
    with _movable(user_id, post_id) as post:
        account = connected.get_owned(user_id, post.account_id)
        target = scheduling.parse_publish_at(body.publish_at)
        now = utcnow()
        if target is None:
            raise scheduling.refuse("To publish now, cancel the schedule and publish the "
                                    "draft.", "publish_at_required")
        if target == "next_slot":
            when, how = scheduling.next_free_slot(account, now, post.id), target
        elif target == "best":
            when, how = next_best_time(account, now, post.id), target
        else:
            when, how = target, "at"
        if body.when_limited:
            post.when_limited = body.when_limited
        if post.status == "missed":
            first_comment.replan(post)
        scheduling.schedule(post, when, how)
        return post


def cancel(user_id, post_id):
    """Call a post back to the drafts before it is published; its containers (if any) are
    left to expire at Meta."""
    with _movable(user_id, post_id) as post:
        scheduling.forget_containers(post)
        first_comment.forget(post)  # planned again from the draft when it is published
        post.status = "draft"
        post.publish_at = post.schedule_kind = post.next_check_at = post.wait_reason = None
        db.session.commit()
        return post


@contextmanager
def _movable(user_id, post_id):
    """The post, held under its lease (so no job starts publishing it meanwhile), when it
    has not started publishing; 409 otherwise."""
    post = posts.get_owned(user_id, post_id)
    lease = leases.claim(SNSPost, post.id, 30)
    if lease is None:
        raise APIError("This post is being worked on right now; try again in a moment.",
                       code="post_busy", status=409)
    with lease:
        db.session.refresh(post)
        if post.status not in BEFORE_PUBLISHING or post.publish_started_at is not None:
            raise APIError(f"This post is {post.status}: only a post that has not started "
                           "publishing can be moved or cancelled.", code="post_not_movable",
                           status=409, details={"status": post.status})
        yield post
