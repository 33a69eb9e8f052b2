"""Publishing state machine: each step is recorded on SNSPost, so any run can resume it.

    pending --create containers--> processing --all FINISHED--> container_created
    container_created --media_publish--> publishing --answer / container PUBLISHED--> published
    publishing --PUBLISHED but media not identified--> needs_reconcile --identified--> published

It never concludes from silence: after any failure of media_publish that may have reached
Meta, the container is read first (PUBLISHED means published); a post in `publishing` is
never ended by a deadline; waiting for Meta (limits, outages, processing) is not a failure
until its own window, each with its own reason, has passed.
"""
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
from backend.services.instagram.graph.content_publishing import _not_sent as not_sent
from backend.services.instagram.publishing import (containers as ct, gate, recovery, scheduling,
                                                   timing)

log = logging.getLogger(__name__)

WAITING = ("pending", "processing", "container_created", "publishing")
# The job keeps reading these until their reconcile window ends.
ACTIVE = WAITING + ("needs_reconcile",)
TERMINAL = ("published", "failed", "expired", "needs_reconcile")
MEDIA_FIELDS = "id,permalink,media_type,media_product_type,timestamp"
# Delays after Meta failed to download media the platform had fetched (lessons 16).
DOWNLOAD_RETRY_DELAYS = (15, 60, 180, 600)
UPLOADS_PATH = "/api/sns/instagram/uploads/"  # where the platform serves uploaded files


def advance(post, deadline=None, lease=None):
    """Move the post forward as far as it can go now; never sleeps.

    Returns when the post is published, failed, expired or needs reconciling, or must wait
    for Meta (`next_check_at` says when it is looked at again, `wait_reason` why), or
    `deadline` (a time.monotonic() value) passed. With a lease, the lease is renewed
    between steps and its deadline respected; LeaseLost propagates (another holder has the
    post now).
    """
    if lease is not None:
        deadline = lease.deadline if deadline is None else min(deadline, lease.deadline)
    settings = runtime().settings
    account = db.session.get(SNSAccount, post.account_id)
    if account.status in ("needs_reauth", "disconnected") and post.status in ACTIVE:
        return _account_unusable(post, account, settings)
    try:
        with acting_as(account) as client:
            before = client.calls_made
            try:
                while _runnable(post):
                    if lease is not None:
                        lease.ensure()
                    if deadline is not None and time.monotonic() > deadline:
                        post.next_check_at = utcnow()
                        break
                    _step(post, client, settings)
            finally:
                post.graph_calls += client.calls_made - before
                db.session.commit()
    except graph.InstagramAPIError as exc:
        _on_error(post, exc, settings)
    if post.status == "published" and post.platform_post_id and not post.permalink:
        post.next_check_at = post.next_check_at or utcnow() + timedelta(seconds=10)
        db.session.commit()
    return post


def _account_unusable(post, account, settings):
    """Nothing can be read or published as an account Meta no longer accepts: a post that
    may be live waits for the account to be connected again (within its reconcile window);
    any other ends, as nothing was published."""
    if post.status in ("publishing", "needs_reconcile"):
        now = utcnow()
        if post.reconcile_until is not None and now >= post.reconcile_until:
            return _wait_reconcile(post, settings)
        _wait(post, "account_needs_reauth", min(now + timedelta(minutes=30),
                                                post.reconcile_until or now))
        return post
    _finish(post, "failed", code="account_needs_reauth", category="auth", message=(
        "Instagram no longer accepts this account's connection (it was disconnected or must "
        "be connected again); nothing was published. Connect it again and publish again."))
    return post


def _runnable(post):
    if post.status not in ACTIVE:
        return False
    if post.next_check_at is not None:
        return post.next_check_at <= utcnow()
    return post.status != "needs_reconcile"  # its schedule ended with its window


def _step(post, client, settings):
    try:
        STEPS[post.status](post, client, settings)
    except ct.ContainerFailed as failure:
        _container_failed(post, failure, settings)
    except ct.UnconfirmedContainers:
        _finish(post, "failed", code="container_not_confirmed", category="meta_unavailable",
                message="Instagram did not confirm creating this post's media container "
                f"{settings.INSTAGRAM_CONTAINER_RETRIES + 1} times (its answers were lost or "
                "it failed after receiving the request). To leave no more unused containers "
                "on the account, the platform stopped; nothing was published. Try again "
                "later.")


# --------------------------------------------------------------------------- the steps

def _create(post, client, settings):
    """pending: make every missing container, then wait for Meta to process them."""
    ct.create_missing(post, client, settings)
    post.wait_reason = None
    if post.post_type != "carousel" and post.items[0]["kind"] == "image":
        # A single image is usually ready at once: publish, and a 9007 answer (read back
        # from the container) sends it to processing.
        post.status = "container_created"
        db.session.commit()
        return
    post.status = "processing"
    _wait_processing(post, settings, first=True)


def _check(post, client, settings):
    """processing: read what Meta is still processing (children first, then the container)."""
    if post.post_type == "carousel" and not post.container_id:
        items = [dict(i) for i in post.items]
        waiting = [i["container_id"] for i in items if i.get("status") != ct.FINISHED]
        states = ct.read_states(post, client, waiting) if waiting else {}
        for index, item in enumerate(items):
            if item["container_id"] in states:
                code, text = states[item["container_id"]]
                item["status"] = ct.IN_PROGRESS if code == ct.UNKNOWN else code
                if code in (ct.ERROR, ct.EXPIRED):
                    ct.save_items(post, items)
                    raise ct.ContainerFailed(index, code, text)
        ct.save_items(post, items)
        if any(i["status"] not in (ct.FINISHED, ct.PUBLISHED) for i in items):
            return _wait_processing(post, settings)
        ct.create_parent(post, client, settings)
        return _ready(post)
    code, text = ct.read_states(post, client, [post.container_id])[post.container_id]
    if post.post_type != "carousel" and code != ct.UNKNOWN:
        post.items = [{**post.items[0], "status": code}]
    if code == ct.FINISHED:
        return _ready(post)
    if code == ct.PUBLISHED:
        return _recovered(post, client, settings)
    if code in (ct.ERROR, ct.EXPIRED):
        raise ct.ContainerFailed(_single_index(post), code, text)
    _wait_processing(post, settings)


def _publish(post, client, settings):
    """container_created: media_publish, recorded before the call (its answer may be lost)."""
    if post.publish_at is not None and _held_by_gate(post, client, settings):
        return None
    now = utcnow()
    post.status = "publishing"
    post.publish_started_at = post.publish_started_at or now
    post.reconcile_until = post.reconcile_until or now + timedelta(
        hours=settings.INSTAGRAM_RECONCILE_HOURS)
    post.attempts += 1
    post.last_publish_at = now
    post.wait_reason = None
    db.session.commit()
    try:
        answer = client.publish_container(ct.ig_user(post), post.container_id)
    except graph.InstagramAPIError as exc:
        if not_sent(exc):
            post.status = "container_created"
            db.session.commit()
            raise
        return _read_back(post, client, settings, exc)
    if not answer.get("id"):  # an answer without the media id tells nothing: read back
        return _read_back(post, client, settings, None)
    _published(post, client, answer.get("id"))


def _resume(post, client, settings):
    """publishing: a run left it mid-publish; the container says what happened."""
    _read_back(post, client, settings, None)


def _reconcile(post, client, settings):
    """needs_reconcile: look for the media again, until the reconcile window ends. When the
    container is known PUBLISHED only the media is looked for; otherwise it is read."""
    if post.error_code == "media_not_identified":
        return _recovered(post, client, settings)
    _read_back(post, client, settings, None)


STEPS = {"pending": _create, "processing": _check, "container_created": _publish,
         "publishing": _resume, "needs_reconcile": _reconcile}


# --------------------------------------------------------------------------- outcomes

def _read_back(post, client, settings, failure):
    """After media_publish failed (`failure`) or its outcome is unknown: read the container.

    PUBLISHED: published (the media is identified, or the post is marked for reconciling).
    FINISHED: nothing was published; the failure was real and follows the error policy, or
    with no failure the container is published now. IN_PROGRESS: processing again.
    """
    try:
        code, text = ct.read_states(post, client, [post.container_id])[post.container_id]
    except graph.AuthError:
        raise  # acting_as marks the account; the policy keeps the post waiting for it
    except graph.RateLimitError as exc:
        # Throttled (often refused here, before sending): read it when the limit lifts.
        return _wait(post, "throttled", utcnow() + timedelta(seconds=exc.retry_after or 60))
    except graph.InstagramAPIError as exc:
        log.warning("post %s: container %s unreadable after publishing (%s); looking again "
                    "later", post.id, post.container_id, exc.code)
        return _wait_reconcile(post, settings, unknown=True)
    if code == ct.UNKNOWN:  # Meta lags on it (100/33): after a publish that proves nothing
        return _wait_reconcile(post, settings, unknown=True)
    if code == ct.PUBLISHED:
        return _recovered(post, client, settings)
    if code == ct.FINISHED:
        if post.status == "needs_reconcile":
            return _finish(post, "failed", code="not_published", category="reconciled",
                           message="Instagram did not publish this post: its outcome was "
                           "unknown for too long and its container was never used. Publish "
                           "it again if you still want it.")
        if _may_still_be_publishing(post, failure, settings):
            return _wait_reconcile(post, settings, unknown=True)
        post.status = "container_created"
        db.session.commit()
        if failure is not None:
            raise failure
        return None
    if code in (ct.ERROR, ct.EXPIRED):
        raise ct.ContainerFailed(_single_index(post), code, text)
    post.status = "processing"
    _wait_processing(post, settings)


def _may_still_be_publishing(post, failure, settings):
    """A media_publish whose answer was lost may still be at work at Meta: a FINISHED read
    right after it proves nothing yet. Publishing again waits until it has settled (three
    read timeouts after the call); an answer with Meta's error code settles it at once."""
    if failure is not None and not ct.answer_lost(failure):
        return False
    if post.last_publish_at is None:
        return False
    settle = timedelta(seconds=3 * settings.INSTAGRAM_HTTP_READ_TIMEOUT)
    return utcnow() - post.last_publish_at < settle


def _recovered(post, client, settings):
    """The container is PUBLISHED: find the media it became, or say it is not known yet."""
    media, found = recovery.identify(post, client)
    if media is not None:
        return _published(post, client, str(media["id"]), media)
    post.status = "needs_reconcile"
    post.items = [{**i, "status": ct.PUBLISHED} for i in post.items]
    post.wait_reason = "media_not_identified"
    post.error_code, post.error_subcode = "media_not_identified", None
    post.error_category = "reconciling"
    post.error_message = (
        "Instagram published this post, but its answer was lost and "
        + ("no recent media matches it yet" if not found else
           f"{len(found)} recent media match it ({', '.join(found[:5])})")
        + "; the platform keeps looking and does not publish it again.")
    _wait_reconcile(post, settings)


def _published(post, client, media_id, media=None):
    now = utcnow()
    post.platform_post_id = media_id
    post.status = "published"
    post.published_at = now
    post.next_check_at = None
    post.wait_reason = None
    post.error_code = post.error_subcode = post.error_message = post.error_category = None
    post.items = [{**i, "status": ct.PUBLISHED} for i in post.items]
    db.session.commit()
    if media and media.get("permalink"):
        post.permalink = media["permalink"]
        post.media_product_type = media.get("media_product_type")
    elif media_id:
        fill_permalink(post, client)
    db.session.commit()
    observe_finished_post(post)
    log.info("post %s published as media %s", post.id, media_id)
    signals.post_published.send(current_app._get_current_object(), post=post)


def finish_permalink(post):
    """For the job: a published post's permalink, read as its account."""
    account = db.session.get(SNSAccount, post.account_id)
    try:
        with acting_as(account) as client:
            fill_permalink(post, client)
    except graph.InstagramAPIError as exc:  # the account cannot read it any more: stop
        db.session.rollback()
        log.info("post %s: permalink not read (%s); left empty", post.id, exc.code)
        post.next_check_at = None
    db.session.commit()


def fill_permalink(post, client):
    """Read a published post's permalink; Meta lags on fresh media (100/33), so a failure
    leaves it for a later look (next_check_at) rather than giving up."""
    try:
        media = client.get_media(post.platform_post_id, MEDIA_FIELDS)
    except graph.InstagramAPIError as exc:
        log.info("post %s: permalink of media %s not readable yet (%s)", post.id,
                 post.platform_post_id, exc.code)
        age = (utcnow() - (post.published_at or utcnow())).total_seconds()
        post.next_check_at = None if age > 86400 else utcnow() + timedelta(
            seconds=timing.reconcile_delay(age))
        return
    post.permalink = media.get("permalink")
    post.media_product_type = media.get("media_product_type")
    post.next_check_at = None


def _ready(post):
    post.status = "container_created"
    post.ready_at = utcnow()
    post.next_check_at = None
    post.wait_reason = None
    db.session.commit()


def _single_index(post):
    return None if post.post_type == "carousel" else 0


def _container_failed(post, failure, settings):
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
    _finish(post, "expired" if failure.status_code == ct.EXPIRED else "failed",
            code=f"container_{failure.status_code}".lower(),
            subcode=None if failure.subcode is None else str(failure.subcode),
            message=failure.message(tries), category=failure.category)


# --------------------------------------------------------------------------- waiting

def _wait(post, reason, at):
    post.wait_reason = reason
    post.next_check_at = at
    db.session.commit()


def _wait_processing(post, settings, first=False):
    """Waiting for Meta to process the media, up to INSTAGRAM_PUBLISH_DEADLINE_MINUTES."""
    now = utcnow()
    post.processing_started_at = post.processing_started_at or now
    limit = timing.processing_deadline(post, settings)
    if now >= limit:
        return _finish(post, "failed", code="processing_timeout", category="media", message=(
            "Instagram did not finish processing the media within "
            f"{settings.INSTAGRAM_PUBLISH_DEADLINE_MINUTES} minutes of receiving it."))
    if first and not timing.video_seconds(post):
        return _wait(post, "media_processing", None)  # images: read at once
    _wait(post, "media_processing", min(limit, timing.next_processing_read(post, settings, now)))


def _wait_for_meta(post, reason, seconds, exc):
    """Throttled or Meta unavailable: wait (saying until when), within the wait window."""
    now = utcnow()
    if post.deadline_at is not None and now >= post.deadline_at:
        hours = runtime().settings.INSTAGRAM_PUBLISH_WAIT_HOURS
        words = ("Instagram kept this account rate-limited" if reason == "throttled"
                 else "Instagram stayed unavailable")
        return _finish(post, "failed", exc=exc, code="throttled_too_long" if reason ==
                       "throttled" else "instagram_unavailable",
                       message=f"{words} for {hours:g} hours; nothing was published. Try "
                       "again later.")
    at = now + timedelta(seconds=max(1.0, seconds))
    if post.deadline_at is not None:
        at = min(at, post.deadline_at)
    _wait(post, reason, at)


def _wait_reconcile(post, settings, unknown=False):
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
    _wait(post, "reconciling" if unknown or post.status == "publishing" else post.wait_reason,
          now + timedelta(seconds=delay))


def _on_error(post, exc, settings):
    """The error policy, by what the error means for this post now."""
    db.session.rollback()
    if post.status in ("publishing", "needs_reconcile"):
        if isinstance(exc, graph.AuthError):
            return _account_unusable(post, None, settings)
        # Whatever failed, the outcome is unknown until the container is read.
        return _wait_reconcile(post, settings, unknown=post.status == "publishing")
    if isinstance(exc, graph.RateLimitError):
        return _wait_for_meta(post, "throttled", exc.retry_after or 60, exc)
    if isinstance(exc, graph.NotReadyError):
        if post.post_type == "carousel" and not post.container_id:
            # The parent was refused: a child is not ready after all. Read them again.
            post.items = [{**i, "status": ct.IN_PROGRESS} for i in post.items]
        post.status = "processing" if post.status != "pending" else post.status
        return _wait_processing(post, settings)
    if isinstance(exc, graph.TransientError):
        waited = (utcnow() - post.created_at).total_seconds()
        return _wait_for_meta(post, "meta_unavailable",
                              max(exc.retry_after or 0, timing.backoff(waited)), exc)
    if isinstance(exc, graph.MediaError) and exc.code == 9004 and post.status == "pending":
        return _download_failed(post, exc, settings)
    if isinstance(exc, graph.ContainerExpiredError) and post.status == "pending":
        # Meta failed creating it (-1/2207032, 2207053): create it again, a few times.
        return _creation_failed(post, exc, settings)
    if isinstance(exc, graph.ContainerExpiredError) and post.container_id:
        return _container_failed(post, ct.ContainerFailed(
            _single_index(post), ct.EXPIRED, exc.message), settings)
    _finish(post, "expired" if isinstance(exc, graph.ContainerExpiredError) else "failed",
            exc=exc)


def _creation_failed(post, exc, settings):
    index = next((n for n, i in enumerate(post.items) if not i.get("container_id")), 0)
    if ct.renew_item(post, index, settings):
        return _wait(post, "new_container", utcnow() + timedelta(seconds=5))
    _finish(post, "failed", exc=exc, message=(
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
        return _wait(post, "download_retry", utcnow() + timedelta(seconds=delay))
    if UPLOADS_PATH in (item.get("url") or ""):  # the platform hosts it itself
        words = ("it is an upload this platform serves: check that PUBLIC_BASE_URL is "
                 "reachable from the internet over https (Meta fetches the file from it), "
                 "and post again.")
    else:
        words = ("the platform could fetch it: the server holding it may block or slow down "
                 "Meta's crawler (facebookexternalhit). Host the file elsewhere, or upload "
                 "it to the platform, and post again.")
    _finish(post, "failed", exc=exc, message=(
        f"Instagram could not download {item['field']} after {tries} tries, although "
        + words))


def _finish(post, status, *, exc=None, code=None, subcode=None, message=None,
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
    _finish(post, "missed", code="missed", category="missed", message=(
        f"This post was due at {post.publish_at.isoformat()} but could not go out within "
        f"{minutes} minutes of its time ({why}); it was not published. Schedule it again "
        "(PATCH /posts/<id>/schedule) or send it back to the drafts."))


def _held_by_gate(post, client, settings):
    """A scheduled post waits for its time, its turn and the publishing limit (gate.py)."""
    decision = gate.decide(post, client, settings)
    if decision.action is None:
        return False
    if decision.action == "wait":
        _wait(post, decision.reason, decision.at)
    elif decision.action == "missed":
        mark_missed(post, decision.grace)
    elif decision.action == "requeue":
        scheduling.schedule(post, decision.at, "publishing_limit")
    else:
        _finish(post, "failed", code=decision.error.code, category="publish_limit",
                message=decision.error.message)
    return True


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
    _finish(post, "failed", code=record["code"], message=record["message"],
            category="internal")
