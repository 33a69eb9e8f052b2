"""How far a post has got, in the status answer: times, counts, and why it waits, in words."""
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.publishing import timing

WAIT_WORDS = {
    "media_processing": "Instagram is processing the media; its status is read again at {at}.",
    "throttled": "Instagram is rate-limiting this account; publishing resumes at {at}.",
    "meta_unavailable": "Instagram is unavailable; the platform tries again at {at}.",
    "download_retry": "Instagram failed to download the media although it is reachable; the "
                      "platform asks again at {at}.",
    "new_container": "Instagram asked for a new media container; the platform makes one.",
    "reconciling": "Whether Instagram published the post is not known yet; the platform reads "
                   "it again at {at} and never publishes it twice.",
    "scheduled": "Scheduled: it goes out at {at}.",
    "spacing": "Another post of this account went out moments ago; this one follows at {at} "
               "to keep the account's minimum spacing between posts.",
    "account_needs_reauth": "Whether Instagram published the post can only be read once the "
                            "account is connected again; the platform looks again at {at}.",
    "media_not_identified": "Instagram published the post; the platform looks again at {at} "
                            "for the media it became.",
}


def progress(post):
    """The `progress` block of a post: see docs/api.md, "Publish status"."""
    settings = runtime().settings
    at = post.next_check_at
    words = WAIT_WORDS.get(post.wait_reason) if at is not None or post.wait_reason in (
        "media_processing", "new_container") else None
    deadline = None if post.processing_started_at is None else \
        timing.processing_deadline(post, settings)
    return {
        "waiting_for": post.wait_reason,
        "message": words.format(at=at.isoformat() if at else "now") if words else None,
        "next_check_at": at,
        "processing_started_at": post.processing_started_at,
        "expected_ready_at": timing.expected_ready_at(post, settings),
        "ready_at": post.ready_at,
        "processing_deadline_at": deadline if post.status in ("pending", "processing")
        else None,
        "publish_started_at": post.publish_started_at,
        "wait_until": post.deadline_at,
        "reconcile_until": post.reconcile_until,
        "publish_attempts": post.attempts,
        "status_reads": post.status_reads,
        "containers_created": post.containers_created,
    }
