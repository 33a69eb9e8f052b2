"""Publishing state machine: each step is recorded on SNSPost, so any run can resume it."""
import logging
import time
from datetime import timedelta

from flask import current_app

from backend.extensions import db
from backend.models import SNSAccount, utcnow
from backend.services.instagram.accounts.token_store import acting_as
from backend.services.instagram.core import signals
from backend.services.instagram.core.clients import error_record
from backend.services.instagram.core.metrics import observe_finished_post
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.graph import errors as graph

log = logging.getLogger(__name__)

WAITING = ("pending", "container_created", "processing", "publishing")
TERMINAL = ("published", "failed", "expired")
MEDIA_FIELDS = "id,permalink,media_type,media_product_type,timestamp"
# Meta's words for container states, for users.
STATUS_WORDS = {"EXPIRED": "The media container expired before it was published (Instagram "
                           "keeps them 24 hours).",
                "ERROR": "Instagram could not process the media."}


def advance(post, deadline=None, lease=None):
    """Move the post forward as far as it can go now; never sleeps.

    Returns when the post is published, failed or expired, or must wait for Meta
    (`next_check_at` says when the background job looks again), or `deadline` (a
    time.monotonic() value) passed. With a lease, it is renewed between steps and its own
    deadline is respected; LeaseLost propagates (another holder has the post now).
    """
    if lease is not None:
        deadline = lease.deadline if deadline is None else min(deadline, lease.deadline)
    account = db.session.get(SNSAccount, post.account_id)
    try:
        with acting_as(account) as client:
            before = client.calls_made
            try:
                while post.status in WAITING and not _due_later(post):
                    if lease is not None:
                        lease.ensure()
                    if deadline is not None and time.monotonic() > deadline:
                        post.next_check_at = utcnow()
                        break
                    STEPS[post.status](post, client)
            finally:
                post.graph_calls += client.calls_made - before
                db.session.commit()
    except graph.InstagramAPIError as exc:
        _on_error(post, exc)
    return post


def _due_later(post):
    return post.next_check_at is not None and post.next_check_at > utcnow()


def _create_containers(post, client):
    ig_user = _ig_user(post)
    items = [dict(i) for i in post.items]
    if post.post_type == "carousel":
        for item in items:
            if item["container_id"] is None:
                params = {"is_carousel_item": True, **item.get("options", {})}
                if item["kind"] == "video":
                    params.update(media_type="VIDEO", video_url=item["url"])
                else:
                    params["image_url"] = item["url"]
                item["container_id"] = client.create_container(ig_user, **params)["id"]
                item["status"] = "FINISHED" if item["kind"] == "image" else "IN_PROGRESS"
                _save_items(post, items)
        if any(i["status"] != "FINISHED" for i in items):
            return _wait(post, "processing")
        return _create_parent(post, client)
    item = items[0]
    params = _container_params(post, item)
    post.container_id = client.create_container(ig_user, **params)["id"]
    item["container_id"] = post.container_id
    item["status"] = "FINISHED" if item["kind"] == "image" else "IN_PROGRESS"
    _save_items(post, items)
    post.status = "container_created" if item["kind"] == "image" else "processing"
    if post.status == "processing":
        _wait(post, "processing")
    db.session.commit()


def _container_params(post, item):
    request = post.request
    media = {"image_url": item["url"]} if item["kind"] == "image" else {"video_url": item["url"]}
    if post.post_type == "story":
        return {"media_type": "STORIES", **media, **_pick(request, "user_tags")}
    if post.post_type == "reel":
        params = {"media_type": "REELS", **media, **_pick(
            request, "cover_url", "thumb_offset", "share_to_feed", "audio_name",
            "collaborators", "location_id")}
        if request.get("user_tags"):
            params["user_tags"] = [{"username": t["username"]} for t in request["user_tags"]]
    else:
        params = {**media, **_pick(request, "user_tags", "alt_text", "location_id",
                                   "collaborators")}
    if post.caption:
        params["caption"] = post.caption
    return params


def _create_parent(post, client):
    params = {"media_type": "CAROUSEL", "children": [i["container_id"] for i in post.items],
              **_pick(post.request, "location_id", "collaborators")}
    if post.caption:
        params["caption"] = post.caption
    post.container_id = client.create_container(_ig_user(post), **params)["id"]
    post.status = "container_created"
    post.next_check_at = None
    db.session.commit()


def _check_processing(post, client):
    """Poll what Meta is still processing: carousel children first, then the container."""
    items = [dict(i) for i in post.items]
    if post.post_type == "carousel" and post.container_id is None:
        for item in items:
            if item["status"] != "FINISHED":
                item["status"] = _container_state(post, client, item["container_id"])
                if item["status"] is None:
                    return
        _save_items(post, items)
        if all(i["status"] == "FINISHED" for i in items):
            return _create_parent(post, client)
        return _wait(post, "processing")
    state = _container_state(post, client, post.container_id)
    if state == "FINISHED":
        post.status = "container_created"
        post.next_check_at = None
        db.session.commit()
    elif state is not None:
        _wait(post, "processing")


def _container_state(post, client, container_id):
    """FINISHED or IN_PROGRESS; ERROR and EXPIRED end the post (returns None then)."""
    status = client.get_container_status(container_id, ig_user_id=_ig_user(post))
    code = status.get("status_code")
    if code in ("FINISHED", "IN_PROGRESS", "PUBLISHED"):
        return "FINISHED" if code == "PUBLISHED" else code
    detail = status.get("status") or ""
    subcode = "".join(ch for ch in detail.rsplit(" ", 1)[-1] if ch.isdigit()) or None
    message = STATUS_WORDS.get(code, f"Instagram reported the container as {code}.")
    if detail:
        message = f"{message} ({detail})"
    _finish(post, "expired" if code == "EXPIRED" else "failed", code=f"container_{code}".lower(),
            subcode=subcode, message=message)
    return None


def _publish(post, client):
    post.status = "publishing"
    post.attempts += 1
    db.session.commit()  # recorded before the call: a crash here resumes by reading status
    try:
        result = client.publish_container_safely(_ig_user(post), post.container_id)
    except graph.NotReadyError:
        return _wait(post, "processing")
    _published(post, client, result.get("id"))


def _resume_publishing(post, client):
    """A previous run may have published before it lost the answer: ask the container."""
    status = client.get_container_status(post.container_id, ig_user_id=_ig_user(post))
    if status.get("status_code") == "PUBLISHED":
        since = (post.updated_at or post.created_at) - timedelta(minutes=5)
        return _published(post, client, client.find_published_media(_ig_user(post), since))
    if status.get("status_code") == "FINISHED":
        return _publish(post, client)
    if _container_state(post, client, post.container_id) == "IN_PROGRESS":
        _wait(post, "processing")


def _published(post, client, media_id):
    post.platform_post_id = media_id
    post.status = "published"
    post.published_at = utcnow()
    post.next_check_at = None
    post.error_code = post.error_subcode = post.error_message = None
    db.session.commit()
    if media_id:
        try:
            media = client.get_media(media_id, MEDIA_FIELDS, retry_not_found=2)
            post.permalink = media.get("permalink")
            post.media_product_type = media.get("media_product_type")
        except graph.InstagramAPIError as exc:  # published all the same; permalink later
            log.warning("post %s published as %s; reading its permalink failed: %s",
                        post.id, media_id, exc.code)
    db.session.commit()
    observe_finished_post(post)
    log.info("post %s published as media %s", post.id, media_id)


def _wait(post, status):
    """Look again later, with growing delays; give up after the configured deadline."""
    settings = runtime().settings
    post.status = status
    post.attempts += 1
    now = utcnow()
    if post.deadline_at is not None and now >= post.deadline_at:
        return _finish(post, "failed", code="processing_timeout", message=(
            "Instagram did not finish processing the media within "
            f"{settings.INSTAGRAM_PUBLISH_DEADLINE_MINUTES} minutes."))
    delay = min(settings.INSTAGRAM_PUBLISH_POLL_SECONDS * 2 ** min(post.attempts, 6), 60)
    post.next_check_at = now + timedelta(seconds=delay)
    db.session.commit()


def _on_error(post, exc):
    """Transient trouble waits for a later run; anything else ends the post, kept on record."""
    db.session.rollback()
    # A post in "publishing" resumes by reading its container first, so waiting is safe
    # whether or not the failed request reached Meta.
    if isinstance(exc, (graph.TransientError, graph.RateLimitError)):
        post.error_message = exc.user_message or exc.message
        return _wait(post, post.status)
    if isinstance(exc, graph.ContainerExpiredError):
        return _finish(post, "expired", exc=exc)
    _finish(post, "failed", exc=exc)


def _finish(post, status, *, exc=None, code=None, subcode=None, message=None,
            category="container_error"):
    post.status = status
    post.next_check_at = None
    post.error_category = category
    if exc is not None:
        record = error_record(exc)
        code, subcode, message = record["code"], record["subcode"], record["message"]
        post.error_category = exc.category
    post.error_code, post.error_subcode, post.error_message = code, subcode, message
    db.session.commit()
    observe_finished_post(post)
    log.info("post %s %s: %s", post.id, status, code)
    if status in ("failed", "expired"):
        signals.post_failed.send(current_app._get_current_object(), post=post)


def stop_with_internal_error(post, record):
    """End a post the jobs kept failing on (core/row_jobs.py), keeping why on record."""
    _finish(post, "failed", code=record["code"], message=record["message"],
            category="internal")


def _save_items(post, items):
    post.items = items
    db.session.commit()


def _pick(request, *keys):
    return {k: request[k] for k in keys if request.get(k) not in (None, [], "")}


def _ig_user(post):
    return db.session.get(SNSAccount, post.account_id).platform_user_id


STEPS = {"pending": _create_containers, "container_created": _publish,
         "processing": _check_processing, "publishing": _resume_publishing}
