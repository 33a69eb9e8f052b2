"""A post's containers at Meta: creating them (each id recorded at once), reading their state.

Containers are never guessed: a container whose id the platform recorded is reused by every
later run; a new one is made only when Meta's answer says the old one is unusable (ERROR
with "create a new container", EXPIRED), a bounded number of times per item.
"""
from __future__ import annotations

from backend.extensions import db
from backend.models import SNSAccount, utcnow
from backend.services.instagram.graph import errors as graph
from backend.services.instagram.graph.error_codes import classify_status

FINISHED, IN_PROGRESS, PUBLISHED = "FINISHED", "IN_PROGRESS", "PUBLISHED"
ERROR, EXPIRED = "ERROR", "EXPIRED"
# Not Meta's: a container of ours that Meta does not show yet (100/33, lessons 14). Before
# media_publish it means "not ready yet"; after, it proves nothing either way.
UNKNOWN = "UNKNOWN"
DOWNLOAD_FAILED = 2207052
DOWNLOAD_WORDS = ("Meta could not download the file although the platform could: the server "
                  "holding it may block or slow down Meta's crawler (facebookexternalhit). "
                  "Host it elsewhere, or upload it to the platform.")


class ContainerFailed(Exception):
    """A container Meta will not publish: `rule` says why in words and whether a new
    container can fix it (its class is ContainerExpiredError then)."""

    def __init__(self, item_index, status_code, status_text):
        subcode, rule = classify_status(status_text) if status_code == ERROR else (None, None)
        if status_code == EXPIRED:
            rule = None
        super().__init__(status_text or status_code)
        self.item_index, self.status_code, self.status_text = item_index, status_code, status_text
        self.subcode, self.rule = subcode, rule

    @property
    def renewable(self):
        """A new container can fix it: expiry, Meta's "create a new container" subcodes,
        its own passing troubles (2207001, 2207003), and a failed download of a file the
        platform could fetch (2207052, lessons 16)."""
        if self.status_code == EXPIRED:
            return True
        if self.rule is None:
            return False
        return (issubclass(self.rule.cls, (graph.ContainerExpiredError, graph.TransientError))
                or self.subcode == DOWNLOAD_FAILED)

    def message(self, tries=1):
        """The reason in words; after `tries` containers, without promising another."""
        if self.status_code == EXPIRED:
            return ("The media container expired before it was published (Instagram keeps them "
                    "24 hours).")
        detail = f" (Instagram: {self.status_text})" if self.status_text else ""
        if tries <= 1 or not self.renewable:
            return self.rule.sentence + detail
        if self.subcode == DOWNLOAD_FAILED:
            words = DOWNLOAD_WORDS
        elif issubclass(self.rule.cls, graph.TransientError):  # its sentence promises a retry
            words = ("Instagram kept failing on its side; try again later, and host the file "
                     "somewhere faster if this repeats.")
        else:
            words = self.rule.sentence
        return f"Instagram failed to process the media {tries} times. {words}{detail}"

    @property
    def category(self):
        if self.status_code == EXPIRED:
            return "container_expired"
        return "container_error" if self.rule is None else self.rule.cls.category


def ig_user(post):
    return db.session.get(SNSAccount, post.account_id).platform_user_id


def save_items(post, items):
    post.items = items
    db.session.commit()


def pick(request, *keys):
    return {k: request[k] for k in keys if request.get(k) not in (None, [], "")}


def item_params(post, item):
    """Meta's parameters for one item's container (a carousel child, or the post's own)."""
    request = post.request
    media = {"image_url": item["url"]} if item["kind"] == "image" else {"video_url": item["url"]}
    if post.post_type == "carousel":
        params = {"is_carousel_item": True, **item.get("options", {})}
        if item["kind"] == "video":
            params["media_type"] = "VIDEO"
        return {**params, **media}
    if post.post_type == "story":
        return {"media_type": "STORIES", **media, **pick(request, "user_tags")}
    if post.post_type == "reel":
        params = {"media_type": "REELS", **media, **pick(
            request, "cover_url", "thumb_offset", "share_to_feed", "audio_name",
            "collaborators", "location_id")}
        if request.get("user_tags"):
            params["user_tags"] = [{"username": t["username"]} for t in request["user_tags"]]
    else:
        params = {**media, **pick(request, "user_tags", "alt_text", "location_id",
                                  "collaborators")}
    if post.caption:
        params["caption"] = post.caption
    return params


def parent_params(post):
    params = {"media_type": "CAROUSEL", "children": [i["container_id"] for i in post.items],
              **pick(post.request, "location_id", "collaborators")}
    if post.caption:
        params["caption"] = post.caption
    return params


class UnconfirmedContainers(Exception):
    """Meta's answers to an item's container creation were lost too many times."""


def answer_lost(exc):
    """Did the request perhaps do its work although it failed? Yes when no answer came back
    (a lost response, a gateway's 5xx without Meta's error body): Meta may still be working
    on it. An answer carrying Meta's error code (a limit, an outage, bad media) is Meta
    saying it is done with the request: retrying those is how a post waits out an outage."""
    if isinstance(exc, graph.NetworkError):
        return exc.ambiguous
    return (isinstance(exc, graph.TransientError) and exc.code is None
            and (exc.http_status or 0) >= 500)


def create_missing(post, client, settings):
    """Create the container of every item that has none; each id is saved as it comes.

    A failure propagates after the ids made so far are saved (a later run reuses them). An
    item whose creation answers were lost more than INSTAGRAM_CONTAINER_RETRIES times
    raises UnconfirmedContainers rather than leave yet another unused container at Meta.
    """
    items = [dict(i) for i in post.items]
    for index, item in enumerate(items):
        if item.get("container_id"):
            continue
        if item.get("unconfirmed", 0) > settings.INSTAGRAM_CONTAINER_RETRIES:
            raise UnconfirmedContainers(index)
        try:
            answer = client.create_container(ig_user(post), **item_params(post, item))
        except graph.InstagramAPIError as exc:
            if answer_lost(exc):
                item["unconfirmed"] = item.get("unconfirmed", 0) + 1
                save_items(post, items)
            raise
        item["container_id"], item["status"] = answer["id"], IN_PROGRESS
        post.containers_created += 1
        # Processing (and its deadline) counts from the newest container: waits for Meta
        # between items, or a renewed container, are not Meta processing.
        post.processing_started_at = utcnow()
        save_items(post, items)
    if post.post_type != "carousel":
        post.container_id = items[0]["container_id"]
        db.session.commit()


def create_parent(post, client, settings):
    """The carousel's own container; lost answers are bounded as for the items'."""
    lost = post.items[0].get("parent_unconfirmed", 0)
    if lost > settings.INSTAGRAM_CONTAINER_RETRIES:
        raise UnconfirmedContainers(None)
    try:
        answer = client.create_container(ig_user(post), **parent_params(post))
    except graph.InstagramAPIError as exc:
        if answer_lost(exc):
            post.items = [{**post.items[0], "parent_unconfirmed": lost + 1}, *post.items[1:]]
            db.session.commit()
        raise
    post.container_id = answer["id"]
    post.containers_created += 1
    post.processing_started_at = utcnow()
    db.session.commit()


def read_states(post, client, container_ids):
    """{container_id: (status_code, status_text)} for our own containers; one Graph call when
    it can. A container Meta does not show yet (100/33, lessons 14) reads UNKNOWN."""
    owner = ig_user(post)
    if len(container_ids) > 1:
        post.status_reads += 1
        try:
            answer = client.get_container_statuses(container_ids, ig_user_id=owner)
            return {cid: (a["status_code"], a["status"]) for cid, a in answer.items()}
        except graph.NotFoundError:
            pass  # one of them is not visible yet: find which, one by one
    states = {}
    for cid in container_ids:
        post.status_reads += 1
        try:
            answer = client.get_container_status(cid, ig_user_id=owner, retry_not_found=0)
            states[cid] = (answer["status_code"], answer["status"])
        except graph.NotFoundError:
            states[cid] = (UNKNOWN, None)
    return states


def renew_item(post, index, settings):
    """Forget an unusable container so the next run makes a new one; False when the item
    already had its INSTAGRAM_CONTAINER_RETRIES new containers."""
    items = [dict(i) for i in post.items]
    item = items[index]
    if item.get("renewals", 0) >= settings.INSTAGRAM_CONTAINER_RETRIES:
        return False
    item["renewals"] = item.get("renewals", 0) + 1
    item["container_id"], item["status"] = None, None
    post.items = items
    post.container_id = None
    return True
