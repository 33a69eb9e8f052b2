"""What a post does while it waits for Meta, and how it ends: the error policy, the waits
with their windows and reasons, new containers, and the final states (failed, expired,
missed), kept on the post with the reason in words.
"""
import logging
from datetime import timedelta

from flask import current_app

from backend.extensions import db
from backend.models import utcnow
from backend.services.instagram.core import signals
from backend.services.instagram.core.clients import error_record
from backend.services.instagram.core.metrics import observe_finished_post
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.graph import errors as graph
from backend.services.instagram.publishing import containers as ct
from backend.services.instagram.publishing import timing

log = logging.getLogger(__name__)

# Delays after Meta failed to download media the platform had fetched (lessons 16).
DOWNLOAD_RETRY_DELAYS = (15, 60, 180, 600)
UPLOADS_PATH = "/api/sns/instagram/uploads/"  # where the platform serves uploaded files


def account_unusable(post, account, settings):
    """Nothing can be read or published as an account Meta no longer accepts: a post that
    may be live waits for the account to be connected again (within its reconcile window);
    any other ends, as nothing was published."""
    if post.status in ("publishing", "needs_reconcile"):
        now = utcnow()
        if post.reconcile_until is not None and now >= post.reconcile_until:
            return wait_reconcile(post, settings)
        wait(post, "account_needs_reauth", min(now + timedelta(minutes=30),
                                               post.reconcile_until or now))
        return post
    finish(post, "failed", code="account_needs_reauth", category="auth", message=(
        "Instagram no longer accepts this account's connection (it was disconnected or must "
        "be connected again); nothing was published. Connect it again and publish again."))
    return post


def single_index(post):
    return None if post.post_type == "carousel" else 0


def container_failed(post, failure, settings):
    """ERROR or EXPIRED: a new container when a new one can fix it (a few times per item),
    else the post ends with the reason in words (lessons 17)."""
    index = failure.item_index
    renewed = False
    if failure.renewable and index is None:  # the carousel parent: its children stay good
        done = post.items[0].get("parent_renewals", 0)
        if done < settings.INSTAGRAM_CONTAINER_RETRIES:
            first = {**post.items[0], "parent_renewals": done + 1}
            post.items = [first, *post.items[1:]]
            post.container_id = None
            post.status = "processing"
            renewed = True
        tries = done + 1
    elif failure.renewable:
        renewed = ct.renew_item(post, index, settings)
        tries = post.items[index].get("renewals", 0) + (0 if renewed else 1)
        if renewed:
            post.status = "pending"
    else:
        tries = 1
    if renewed:
        post.next_check_at = None
        post.wait_reason = "new_container"
        if failure.subcode == ct.DOWNLOAD_FAILED:  # spaced, as for a failed download
            delay = DOWNLOAD_RETRY_DELAYS[min(tries, len(DOWNLOAD_RETRY_DELAYS)) - 1]
            post.wait_reason = "download_retry"
            post.next_check_at = utcnow() + timedelta(seconds=delay)
        db.session.commit()
        log.info("post %s: container %s, making a new one", post.id, failure)
        return
    finish(post, "expired" if failure.status_code == ct.EXPIRED else "failed",
           code=f"container_{failure.status_code}".lower(),
           subcode=None if failure.subcode is None else str(failure.subcode),
           message=failure.message(tries), category=failure.category)


def wait(post, reason, at):
    post.wait_reason = reason
    post.next_check_at = at
    db.session.commit()


def wait_processing(post, settings, first=False):
    """Waiting for Meta to process the media, up to INSTAGRAM_PUBLISH_DEADLINE_MINUTES."""
    now = utcnow()
    post.processing_started_at = post.processing_started_at or now
    limit = timing.processing_deadline(post, settings)
    if now >= limit:
        return finish(post, "failed", code="processing_timeout", category="media", message=(
            "Instagram did not finish processing the media within "
            f"{settings.INSTAGRAM_PUBLISH_DEADLINE_MINUTES} minutes of receiving it."))
    if first and not timing.video_seconds(post):
        return wait(post, "media_processing", None)  # images: read at once
    wait(post, "media_processing", min(limit, timing.next_processing_read(post, settings, now)))


def wait_for_meta(post, reason, seconds, exc):
    """Throttled or Meta unavailable: wait (saying until when), within the wait window."""
    now = utcnow()
    if post.deadline_at is not None and now >= post.deadline_at:
        hours = runtime().settings.INSTAGRAM_PUBLISH_WAIT_HOURS
        words = ("Instagram kept this account rate-limited" if reason == "throttled"
                 else "Instagram stayed unavailable")
        return finish(post, "failed", exc=exc, code="throttled_too_long" if reason ==
                      "throttled" else "instagram_unavailable",
                      message=f"{words} for {hours:g} hours; nothing was published. Try "
                      "again later.")
    at = now + timedelta(seconds=max(1.0, seconds))
    if post.deadline_at is not None:
        at = min(at, post.deadline_at)
    wait(post, reason, at)


def wait_reconcile(post, settings, unknown=False):
    """An outcome Meta has not told yet: read again, sooner then later, until the window."""
    now = utcnow()
    started = post.publish_started_at or now
    if post.reconcile_until is not None and now >= post.reconcile_until:
        hours = f"{settings.INSTAGRAM_RECONCILE_HOURS:g}"
        if post.status == "publishing":
            post.status = "needs_reconcile"
            post.error_code, post.error_category = "outcome_unknown", "reconciling"
            post.error_message = ("Instagram did not tell whether this post was published, "
                                  f"for {hours} hours; the platform stopped asking. Check the "
                                  "account before publishing it again.")
        elif post.error_code == "media_not_identified":
            post.error_message = ("Instagram published this post, but the media it became "
                                  f"could not be told apart from others within {hours} hours; "
                                  "the platform stopped looking. It was not published twice.")
        post.next_check_at = None
        post.wait_reason = None
        db.session.commit()
        return
    delay = timing.reconcile_delay((now - started).total_seconds())
    wait(post, "reconciling" if unknown or post.status == "publishing" else post.wait_reason,
         now + timedelta(seconds=delay))


def on_error(post, exc, settings):
    """The error policy, by what the error means for this post now."""
    db.session.rollback()
    if post.status in ("publishing", "needs_reconcile"):
        if isinstance(exc, graph.AuthError):
            return account_unusable(post, None, settings)
        # Whatever failed, the outcome is unknown until the container is read.
        return wait_reconcile(post, settings, unknown=post.status == "publishing")
    if isinstance(exc, graph.RateLimitError):
        return wait_for_meta(post, "throttled", exc.retry_after or 60, exc)
    if isinstance(exc, graph.NotReadyError):
        if post.post_type == "carousel" and not post.container_id:
            # The parent was refused: a child is not ready after all. Read them again.
            post.items = [{**i, "status": ct.IN_PROGRESS} for i in post.items]
        post.status = "processing" if post.status != "pending" else post.status
        return wait_processing(post, settings)
    if isinstance(exc, graph.TransientError):
        waited = (utcnow() - post.created_at).total_seconds()
        return wait_for_meta(post, "meta_unavailable",
                             max(exc.retry_after or 0, timing.backoff(waited)), exc)
    if isinstance(exc, graph.MediaError) and exc.code == 9004 and post.status == "pending":
        return _download_failed(post, exc, settings)
    if isinstance(exc, graph.ContainerExpiredError) and post.status == "pending":
        # Meta failed creating it (-1/2207032, 2207053): create it again, a few times.
        return _creation_failed(post, exc, settings)
    if isinstance(exc, graph.ContainerExpiredError) and post.container_id:
        return container_failed(post, ct.ContainerFailed(
            single_index(post), ct.EXPIRED, exc.message), settings)
    finish(post, "expired" if isinstance(exc, graph.ContainerExpiredError) else "failed",
           exc=exc)


def _creation_failed(post, exc, settings):
    index = next((n for n, i in enumerate(post.items) if not i.get("container_id")), 0)
    if ct.renew_item(post, index, settings):
        return wait(post, "new_container", utcnow() + timedelta(seconds=5))
    finish(post, "failed", exc=exc, message=(
        f"Instagram failed to create the media container "
        f"{settings.INSTAGRAM_CONTAINER_RETRIES + 1} times: {exc.user_message or exc.message}"))


def _download_failed(post, exc, settings):
    """Meta failed to download a file the platform itself had just fetched: try again a few
    times, spaced, before blaming the link (nothing is published yet)."""
    items = [dict(i) for i in post.items]
    index = next((n for n, i in enumerate(items) if not i.get("container_id")), 0)
    item = items[index]
    item["download_retries"] = item.get("download_retries", 0) + 1
    post.items = items
    tries = item["download_retries"]
    if tries <= settings.INSTAGRAM_DOWNLOAD_RETRIES:
        delay = DOWNLOAD_RETRY_DELAYS[min(tries, len(DOWNLOAD_RETRY_DELAYS)) - 1]
        return wait(post, "download_retry", utcnow() + timedelta(seconds=delay))
    if UPLOADS_PATH in (item.get("url") or ""):  # the platform hosts it itself
        words = ("it is an upload this platform serves: check that PUBLIC_BASE_URL is "
                 "reachable from the internet over https (Meta fetches the file from it), "
                 "and post again.")
    else:
        words = ("the platform could fetch it: the server holding it may block or slow down "
                 "Meta's crawler (facebookexternalhit). Host the file elsewhere, or upload "
                 "it to the platform, and post again.")
    finish(post, "failed", exc=exc, message=(
        f"Instagram could not download {item['field']} after {tries} tries, although "
        + words))


def finish(post, status, *, exc=None, code=None, subcode=None, message=None,
           category="container_error"):
    post.status = status
    post.next_check_at = None
    post.wait_reason = None
    post.error_category = category
    if exc is not None:
        record = error_record(exc)
        code = code or record["code"]
        subcode = record["subcode"]
        message = message or record["message"]
        post.error_category = exc.category if category == "container_error" else category
    post.error_code, post.error_subcode, post.error_message = code, subcode, message
    db.session.commit()
    observe_finished_post(post)
    log.info("post %s %s: %s", post.id, status, code)
    if status in ("failed", "expired", "missed"):
        signals.post_failed.send(current_app._get_current_object(), post=post)


def mark_missed(post, grace):
    """A scheduled post whose time passed while the platform could not publish it: not
    published late beyond the grace period, and the user is told."""
    minutes = int(grace.total_seconds() // 60)
    if post.processing_started_at is not None and post.ready_at is None:
        why = "Instagram had not finished processing its media by then"
    elif post.processing_started_at is None:
        why = "the platform was not running at its time"
    else:
        why = "Instagram was unavailable or limiting the account"
    finish(post, "missed", code="missed", category="missed", message=(
        f"This post was due at {post.publish_at.isoformat()} but could not go out within "
        f"{minutes} minutes of its time ({why}); it was not published. Schedule it again "
        "(PATCH /posts/<id>/schedule) or send it back to the drafts."))


def stop_with_internal_error(post, record):
    """End a post the jobs kept failing on (core/row_jobs.py), keeping why on record. A post
    that may be live is not failed: its outcome is left to reconciling."""
    if post.status == "publishing":
        post.status = "needs_reconcile"
        post.error_code, post.error_message = record["code"], record["message"]
        post.error_category = "internal"
        post.next_check_at = None
        db.session.commit()
        return
    finish(post, "failed", code=record["code"], message=record["message"],
           category="internal")
