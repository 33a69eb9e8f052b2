"""Publishing state machine: each step is recorded on SNSPost, so any run can resume it.

    pending --create containers--> processing --all FINISHED--> container_created
    container_created --media_publish--> publishing --answer / container PUBLISHED--> published
    publishing --PUBLISHED but media not identified--> needs_reconcile --identified--> published

It never concludes from silence: after any failure of media_publish that may have reached
Meta, the container is read first (PUBLISHED means published); a post in `publishing` is
never ended by a deadline; waiting for Meta (limits, outages, processing) is not a failure
until its own window, each with its own reason, has passed (the waits and the error policy
are in waits.py).
"""
import logging
import time
from datetime import timedelta

from flask import current_app

from backend.extensions import db
from backend.models import SNSAccount, utcnow
from backend.services.instagram.accounts.token_store import acting_as
from backend.services.instagram.core import signals
from backend.services.instagram.core.metrics import observe_finished_post
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.graph import errors as graph
from backend.services.instagram.graph.content_publishing import _not_sent as not_sent
from backend.services.instagram.publishing import (containers as ct, gate, recovery, scheduling,
                                                   timing, waits)

log = logging.getLogger(__name__)

WAITING = ("pending", "processing", "container_created", "publishing")
# The job keeps reading these until their reconcile window ends.
ACTIVE = WAITING + ("needs_reconcile",)
TERMINAL = ("published", "failed", "expired", "needs_reconcile")
MEDIA_FIELDS = "id,permalink,media_type,media_product_type,timestamp"


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
        return waits.account_unusable(post, account, settings)
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
        waits.on_error(post, exc, settings)
    if post.status == "published" and post.platform_post_id and not post.permalink:
        post.next_check_at = post.next_check_at or utcnow() + timedelta(seconds=10)
        db.session.commit()
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
        waits.container_failed(post, failure, settings)
    except ct.UnconfirmedContainers:
        waits.finish(post, "failed", code="container_not_confirmed", category="meta_unavailable",
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
    waits.wait_processing(post, settings, first=True)


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
            return waits.wait_processing(post, settings)
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
        raise ct.ContainerFailed(waits.single_index(post), code, text)
    waits.wait_processing(post, settings)


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
        return waits.wait(post, "throttled", utcnow() + timedelta(seconds=exc.retry_after or 60))
    except graph.InstagramAPIError as exc:
        log.warning("post %s: container %s unreadable after publishing (%s); looking again "
                    "later", post.id, post.container_id, exc.code)
        return waits.wait_reconcile(post, settings, unknown=True)
    if code == ct.UNKNOWN:  # Meta lags on it (100/33): after a publish that proves nothing
        return waits.wait_reconcile(post, settings, unknown=True)
    if code == ct.PUBLISHED:
        return _recovered(post, client, settings)
    if code == ct.FINISHED:
        if post.status == "needs_reconcile":
            return waits.finish(post, "failed", code="not_published", category="reconciled",
                                message="Instagram did not publish this post: its outcome was "
                                "unknown for too long and its container was never used. Publish "
                                "it again if you still want it.")
        if _may_still_be_publishing(post, failure, settings):
            return waits.wait_reconcile(post, settings, unknown=True)
        post.status = "container_created"
        db.session.commit()
        if failure is not None:
            raise failure
        return None
    if code in (ct.ERROR, ct.EXPIRED):
        raise ct.ContainerFailed(waits.single_index(post), code, text)
    post.status = "processing"
    waits.wait_processing(post, settings)


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
    waits.wait_reconcile(post, settings)


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


def _held_by_gate(post, client, settings):
    """A scheduled post waits for its time, its turn and the publishing limit (gate.py)."""
    decision = gate.decide(post, client, settings)
    if decision.action is None:
        return False
    if decision.action == "wait":
        waits.wait(post, decision.reason, decision.at)
    elif decision.action == "missed":
        waits.mark_missed(post, decision.grace)
    elif decision.action == "requeue":
        scheduling.schedule(post, decision.at, "publishing_limit")
    else:
        waits.finish(post, "failed", code=decision.error.code, category="publish_limit",
                     message=decision.error.message)
    return True
