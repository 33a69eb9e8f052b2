"""The client's high-level surface for scripts: log in, post and wait, read insights.

Each post method creates one container, waits for Meta to process it and publishes it once,
as the platform's publishing does: a container is read before any conclusion, PUBLISHED
means published (never publish it again), and media_publish is never retried blindly
(publish_container_safely). The client has no scheduler, so it waits in the calling thread
with growing pauses (PublishWait; tests pass a `sleep` that moves the sandbox clock).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable

from .captions import build_caption, clean_hashtags, hashtag_list
from .error_codes import classify_status
from .errors import (ContainerExpiredError, InstagramAPIError, NotFoundError, NotReadyError,
                     PermanentError)
from .insights_catalogue import default_media_metrics, media_kind
from .insights_fetch import fetch_media
from .wire import parse_graph_time

FINISHED, PUBLISHED, ERROR, EXPIRED = "FINISHED", "PUBLISHED", "ERROR", "EXPIRED"
# A container lives 24 hours: a media it became was published within them.
CONTAINER_LIFETIME = timedelta(hours=24)


@dataclass(frozen=True)
class PublishWait:
    """How a post waits for Meta: pauses of `first` seconds growing by `factor` up to
    `longest`, for at most `timeout` seconds in all. Meta asks for at most one status read
    a minute over five minutes for videos; scripts start sooner, since images are usually
    ready at once and short reels within seconds."""

    first: float = 1.0
    factor: float = 1.5
    longest: float = 30.0
    timeout: float = 900.0
    sleep: Callable[[float], Any] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def start(self) -> _Pacer:
        return _Pacer(self)


class _Pacer:
    """One post's waiting: the next pause, and the deadline shared by all its waits."""

    def __init__(self, wait: PublishWait):
        self.wait, self.delay = wait, wait.first
        self.deadline = wait.clock() + wait.timeout

    def pause(self, container_id: str) -> None:
        if self.wait.clock() + self.delay > self.deadline:
            raise NotReadyError(
                f"Instagram had not finished processing container {container_id} after "
                f"{self.wait.timeout:g} s; publish_when_ready({container_id!r}) resumes "
                "without making another container", reason="processing_timeout")
        self.wait.sleep(self.delay)
        self.delay = min(self.wait.longest, self.delay * self.wait.factor)


def container_failure(container_id: str, status_code: str,
                      status_text: str | None) -> InstagramAPIError:
    """A container Meta will not publish (ERROR, EXPIRED) as the error of its status, in
    words from the same table as API errors (contract 2.3)."""
    if status_code == EXPIRED:
        return ContainerExpiredError(
            f"Container {container_id} expired before it was published (Instagram keeps them "
            "24 hours); make a new one", reason="expired")
    subcode, rule = classify_status(status_text)
    detail = f" (Instagram: {status_text})" if status_text else ""
    return rule.cls(rule.sentence + detail, subcode=subcode, reason=rule.reason)


class HighLevelMixin:
    """authenticate, post_feed, post_story, post_reel, get_insights, and the waiting behind
    them; needs InstagramAPI's calls (get_media, get_account_info and refresh_access_token
    are InstagramAPI's own)."""

    # --- logging in ---

    def authenticate(self, code: str, redirect_uri: str | None = None
                     ) -> tuple[str, dict[str, Any]]:
        """Log in with the code Meta's dialog sent to `redirect_uri` (default: the client's
        redirect_uri): returns (long-lived token, the account's profile), and the client
        goes on as that account (its token and account_id).

        Instagram Login: the 60-day token and /me. Facebook Login: the Page token of the
        first Page with a linked Instagram account (get_pages() lists them all) and that
        account's profile. The code works once; the low-level steps are exchange_code,
        exchange_long_lived_token and get_account_info.
        """
        uri = redirect_uri or self.redirect_uri
        if not uri:
            raise ValueError("authenticate needs the redirect_uri the dialog was opened with: "
                             "pass it, or create the client with redirect_uri=...")
        short = self.exchange_code(code, uri)
        long = self.exchange_long_lived_token(short["access_token"])
        self.use_token(long["access_token"], long.get("expires_in"))
        if self.login_type == "instagram":
            user = self.get_account_info()
            self.account_id = str(user.get("user_id") or short["user_id"])
            return long["access_token"], user
        linked = [p for p in self.get_pages() if p.get("instagram_business_account")]
        if not linked:
            raise PermanentError("None of this user's Facebook Pages has an Instagram "
                                 "professional account linked (or the Pages permissions were "
                                 "declined)", reason="no_instagram_business_account")
        page = linked[0]
        self.use_token(page["access_token"], None)  # Page tokens do not expire
        self.account_id = str(page["instagram_business_account"]["id"])
        return page["access_token"], self.get_account_info(self.account_id)

    def use_token(self, token: str, expires_in: int | None = None) -> None:
        """Go on with another access token; `expires_in` seconds (None: no expiry known)."""
        self._access_token = token
        self.token_expires_at = (None if expires_in is None else
                                 datetime.now(timezone.utc) + timedelta(seconds=expires_in))

    # --- posting ---

    def post_feed(self, image_url: str, caption: str | None = None,
                  hashtags: str | Iterable[str] | None = None, **options: Any) -> dict[str, Any]:
        """Publish a feed image (a public https JPEG); `hashtags` (a list, or one text such
        as "food, #autumn") are appended to the caption on a new line, those it lacks, as the
        platform does. `options` go to Meta as named
        (user_tags, alt_text, location_id, collaborators).

        Returns {"id": media_id, "container_id", "recovered"}; see publish_when_ready.
        """
        text = self._caption(caption, hashtags)
        return self._post({"image_url": image_url, "caption": text, **options},
                          caption=text, product_type="FEED", wait_first=False)

    def post_story(self, image_url: str | None = None, text: str | None = None, *,
                   video_url: str | None = None, **options: Any) -> dict[str, Any]:
        """Publish a story from an image (or `video_url`).

        Meta's API publishes stories without text or stickers (contract 2.1): `text` is
        refused rather than dropped, so a script never publishes something other than it
        asked for. Put the text in the image.
        """
        if text:
            raise ValueError("Instagram's API cannot put text on a story (Meta takes no "
                             "caption for STORIES): put the text in the image, and leave "
                             "text out")
        if (image_url is None) == (video_url is None):
            raise ValueError("a story needs exactly one of image_url and video_url")
        media = {"image_url": image_url} if image_url else {"video_url": video_url}
        return self._post({"media_type": "STORIES", **media, **options}, caption=None,
                          product_type="STORY", story=True, wait_first=bool(video_url))

    def post_reel(self, video_url: str, caption: str | None = None,
                  thumbnail_url: str | None = None, *,
                  hashtags: str | Iterable[str] | None = None,
                  **options: Any) -> dict[str, Any]:
        """Publish a reel; `thumbnail_url` is its cover image (Meta's cover_url). Waits for
        Meta to process the video, which takes longer the longer the video."""
        text = self._caption(caption, hashtags)
        return self._post({"media_type": "REELS", "video_url": video_url, "caption": text,
                           "cover_url": thumbnail_url, **options},
                          caption=text, product_type="REELS", wait_first=True)

    def wait_for_container(self, container_id: str, *, pacer: _Pacer | None = None
                           ) -> dict[str, Any]:
        """Read the container with growing pauses until it is FINISHED or PUBLISHED, and
        return its status. ERROR and EXPIRED raise the container's error; a container not
        visible yet (100/33) is one Meta has not shown yet, not a missing one (lessons 14)."""
        pacer = pacer or self.publish_wait.start()
        while True:
            try:
                status = self.get_container_status(container_id, ig_user_id=self.account_id,
                                                   retry_not_found=0)
            except NotFoundError:
                status = {"id": container_id, "status_code": None, "status": None}
            if status["status_code"] in (FINISHED, PUBLISHED):
                return status
            if status["status_code"] in (ERROR, EXPIRED):
                raise container_failure(container_id, status["status_code"], status["status"])
            pacer.pause(container_id)

    def publish_when_ready(self, container_id: str, *, caption: str | None = None,
                           product_type: str | None = None, story: bool = False,
                           wait_first: bool = True) -> dict[str, Any]:
        """Publish a container once Meta has processed it; also resumes a post whose earlier
        attempt failed (its error's `container_id`).

        Returns {"id": media_id, "container_id", "recovered"}. `recovered` is True when the
        post went live although an answer was lost, or was already live: the container reads
        PUBLISHED, and the media is found among the account's recent media by time, type and
        caption (`id` None when not exactly one matches: the post exists, do not post again).
        """
        pacer = self.publish_wait.start()
        since = datetime.now(timezone.utc)
        ig_user = self.own_account()
        while True:
            if wait_first and self.wait_for_container(
                    container_id, pacer=pacer)["status_code"] == PUBLISHED:
                media_id = self.identify_published(
                    ig_user, since=since - CONTAINER_LIFETIME, caption=caption,
                    product_type=product_type, story=story)
                return {"id": media_id, "container_id": container_id, "recovered": True}
            try:
                answer = self.publish_container_safely(
                    ig_user, container_id, caption=caption, product_type=product_type,
                    story=story)
            except NotReadyError:  # 9007: still processing (and, read back, not PUBLISHED)
                pacer.pause(container_id)
                wait_first = True
                continue
            return {**answer, "container_id": container_id}

    def _post(self, params: dict[str, Any], *, caption: str | None, product_type: str,
              story: bool = False, wait_first: bool) -> dict[str, Any]:
        container_id = self.create_container(self.own_account(), **params)["id"]
        try:
            return self.publish_when_ready(container_id, caption=caption,
                                           product_type=product_type, story=story,
                                           wait_first=wait_first)
        except InstagramAPIError as exc:
            exc.container_id = container_id  # to resume with publish_when_ready
            raise

    @staticmethod
    def _caption(caption: str | None, hashtags: str | Iterable[str] | None) -> str | None:
        hashtags = hashtag_list(hashtags)
        _tags, invalid = clean_hashtags(hashtags)
        if invalid:
            raise ValueError("not hashtags (letters, digits and underscores only): "
                             + ", ".join(repr(raw) for _i, raw in invalid))
        return build_caption(caption, hashtags) or None

    # --- insights ---

    def get_insights(self, post_id: str) -> dict[str, Any]:
        """The current insights of a post, reel or story: {"id", "media_product_type",
        "metrics": {name: value}, "breakdowns": {name: {...}}, "dropped": {name: why}}.

        The metrics are those Meta has for the media's kind on the client's Graph version
        (the platform's catalogue); one Meta rejects is dropped and the others kept. Meta has
        none for a few minutes after publishing (`metrics` is empty then), and none for
        stories under 5 viewers (an error).
        """
        if isinstance(post_id, bool) or not isinstance(post_id, (str, int)) \
                or not str(post_id).isascii() or not str(post_id).isdigit():
            raise ValueError(f"post_id must be a media id (digits), not {post_id!r}")
        post_id = str(post_id)
        media = self.get_media(post_id, "id,media_type,media_product_type,timestamp")
        product = media.get("media_product_type")
        kind = media_kind(product, media.get("media_type"))
        if kind is None:
            raise ValueError(f"Instagram has no insights for media of type {product}")
        created = parse_graph_time(media.get("timestamp"))
        version, rejected = self.graph_version, self.rejected_metrics
        metrics = [m for m in default_media_metrics(kind, version,
                                                    created=created and created.date())
                   if not rejected.contains(version, kind, m)]
        fetched = fetch_media(self, post_id, kind, metrics,
                              on_reject=lambda name: rejected.add(version, kind, name))
        return {"id": str(post_id), "media_product_type": product,
                "metrics": {row["metric"]: row["value"] for row in fetched.values},
                "breakdowns": {row["metric"]: row["breakdown"] for row in fetched.values
                               if row.get("breakdown")},
                "dropped": fetched.dropped}
