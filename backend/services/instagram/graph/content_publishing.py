"""Content publishing calls of the Instagram client: containers, uploads, publish, quota."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any, BinaryIO

from .errors import CircuitOpenError, InstagramAPIError, NetworkError
from .wire import GraphRequest, as_int, parse_graph_time

log = logging.getLogger("backend.services.instagram.graph.client")

# How far a media's timestamp may predate the publish call and still be its result: Meta's
# timestamps have second precision and servers' clocks differ.
PUBLISH_MATCH_SKEW = timedelta(minutes=2)
_RECENT_MEDIA = 25  # a page
_MAX_RECENT = 500
CANDIDATE_FIELDS = "id,caption,media_type,media_product_type,timestamp,permalink"


def _not_sent(error: InstagramAPIError) -> bool:
    """True only when the request provably never reached Meta; any other failure of
    media_publish, even a refusal such as a spam block, has come back after the post went
    live (lessons 13), so the container must be read before concluding."""
    if isinstance(error, CircuitOpenError):
        return True
    return isinstance(error, NetworkError) and not error.ambiguous


def same_caption(a: str | None, b: str | None) -> bool:
    """Captions compared as Instagram shows them: surrounding and repeated spaces ignored."""
    return " ".join((a or "").split()) == " ".join((b or "").split())


def matching_media(items: list[dict[str, Any]], *, since: datetime,
                   caption: str | None = None, product_type: str | None = None,
                   media_types: tuple[str, ...] = (), exclude: set[str] = frozenset(),
                   check_caption: bool = True) -> list[dict[str, Any]]:
    """The media among `items` that can be the result of a publish begun at `since`.

    Matches on time (not before since - PUBLISH_MATCH_SKEW), product type, media type and
    caption; ids in `exclude` (held by other posts) never match.
    """
    found = []
    for item in items:
        published = parse_graph_time(item.get("timestamp"))
        if str(item.get("id")) in exclude or published is None:
            continue
        if published < since - PUBLISH_MATCH_SKEW:
            continue
        kind = item.get("media_product_type")
        if product_type and kind and kind != product_type:
            continue
        if media_types and item.get("media_type") and item["media_type"] not in media_types:
            continue
        if check_caption and not same_caption(item.get("caption"), caption):
            continue
        found.append(item)
    return found


class PublishingMixin:
    """Publishing endpoints (contract section 2); needs GraphTransport's request methods."""

    def create_container(self, ig_user_id: str, **params: Any) -> dict[str, Any]:
        """POST /{ig-user-id}/media; returns {"id": container_id} (and "uri" if Meta sends one).

        Params go as Meta names them (image_url, video_url, media_type, caption, children,
        user_tags, is_carousel_item, ...); lists and dicts are JSON-encoded, booleans sent as
        "true"/"false", None values left out. Never retried once sent: a second container
        would only waste the account's 400-per-day budget.
        """
        return self._graph("POST", f"{ig_user_id}/media", data=params, account=ig_user_id)

    def get_container_status(self, container_id: str, *, ig_user_id: str | None = None,
                             retry_not_found: int = 2) -> dict[str, Any]:
        """GET /{container}?fields=status_code,status: {"id", "status_code", "status"}.

        A just-created container can read as 100/33 for a while (lessons 14), hence
        `retry_not_found` (immediate retries); callers that poll pass 0 and treat
        NotFoundError on their own container as "not yet".
        """
        body = self._graph("GET", container_id, params={"fields": "status_code,status"},
                           account=ig_user_id, retry_not_found=retry_not_found)
        return {"id": str(body.get("id") or container_id), "status_code": body.get("status_code"),
                "status": body.get("status")}

    def get_container_statuses(self, container_ids: list[str], *,
                               ig_user_id: str | None = None) -> dict[str, dict[str, Any]]:
        """Several containers in one call, `GET /?ids=a,b&fields=status_code,status`:
        {container_id: {"id", "status_code", "status"}}.

        Meta answers 100/33 for the whole request when one id cannot be read (a container
        just created, say): NotFoundError is raised then, and the caller reads them one by
        one to find which.
        """
        body = self._graph("GET", "", params={"ids": ",".join(container_ids),
                                              "fields": "status_code,status"},
                           account=ig_user_id)
        return {cid: {"id": cid, "status_code": (body.get(cid) or {}).get("status_code"),
                      "status": (body.get(cid) or {}).get("status")} for cid in container_ids}

    def publish_container(self, ig_user_id: str, creation_id: str) -> dict[str, Any]:
        """POST /{ig-user-id}/media_publish; returns {"id": media_id}. Never retried once sent.

        A lost response raises NetworkError(ambiguous=True): the post may exist. Prefer
        publish_container_safely, which checks before giving up.
        """
        body = self._graph("POST", f"{ig_user_id}/media_publish",
                           data={"creation_id": creation_id}, account=ig_user_id)
        return {"id": str(body["id"]) if body.get("id") is not None else None}

    def publish_container_safely(self, ig_user_id: str, creation_id: str, *,
                                 caption: str | None = None, product_type: str | None = None,
                                 story: bool = False,
                                 exclude: set[str] = frozenset()) -> dict[str, Any]:
        """Publish; after any failure that may have reached Meta, read the container first.

        Returns {"id": media_id, "recovered": False} normally. When the call failed but the
        container reads PUBLISHED, the post is live: {"id": media_id or None,
        "recovered": True}. The container does not expose its media id, so it is found
        among the account's recent media (or `/stories`) by time, `product_type` and
        `caption`, skipping ids in `exclude`; it is None unless exactly one media matches
        (the post exists then: never publish it again). When the container is not
        PUBLISHED, the original error is re-raised with `container_status` set; when the
        container cannot be read, the original error is re-raised as it is.
        """
        started = datetime.now(timezone.utc)
        try:
            return {**self.publish_container(ig_user_id, creation_id), "recovered": False}
        except InstagramAPIError as exc:
            if _not_sent(exc):
                raise
            failure = exc
        try:
            status = self.get_container_status(creation_id, ig_user_id=ig_user_id)["status_code"]
        except InstagramAPIError:
            log.warning("publish of container %s failed and its status could not be read; do "
                        "not publish it again before checking", creation_id)
            raise failure from None
        if status != "PUBLISHED":
            failure.container_status = status
            raise failure
        media_id = self.identify_published(ig_user_id, since=started, caption=caption,
                                           product_type=product_type, story=story,
                                           exclude=exclude)
        log.info("publish of container %s failed (%s) but it is PUBLISHED (media %s)",
                 creation_id, failure.code, media_id)
        return {"id": media_id, "recovered": True}

    def identify_published(self, ig_user_id: str, *, since: datetime,
                           caption: str | None = None, product_type: str | None = None,
                           story: bool = False, exclude: set[str] = frozenset()) -> str | None:
        """The id of the media a container published since `since` became, found among the
        account's recent media (see publish_container_safely); None unless exactly one
        matches."""
        found = matching_media(self.recent_media(ig_user_id, story=story, since=since),
                               since=since,
                               caption=caption, product_type=product_type, exclude=exclude,
                               check_caption=not story and caption is not None)
        return str(found[0]["id"]) if len(found) == 1 else None

    def recent_media(self, ig_user_id: str, *, story: bool = False,
                     since: datetime | None = None) -> list[dict[str, Any]]:
        """The account's media (or its live stories, which `/media` leaves out) published
        since `since` (newest first, pages followed), with the fields that identify a
        just-published post; at most _MAX_RECENT of them.

        Paging matters: in a burst of posts, the one looked for is soon below the first page.
        """
        path = f"{ig_user_id}/{'stories' if story else 'media'}"
        floor = None if since is None else since - PUBLISH_MATCH_SKEW
        found = []
        for item in self.paginate(path, {"fields": CANDIDATE_FIELDS, "limit": _RECENT_MEDIA},
                                  limit=_MAX_RECENT):
            published = parse_graph_time(item.get("timestamp"))
            if floor is not None and published is not None and published < floor:
                break  # newest first: everything after is older still
            found.append(item)
        return found

    def get_publishing_limit(self, ig_user_id: str) -> dict[str, int | None]:
        """Today's quota: {"quota_usage", "quota_total", "quota_duration"}.

        quota_total and quota_duration are None when Meta leaves out `config`; callers
        must not assume a fixed limit (Meta's docs say 25, 50 and 100 in different places).
        """
        body = self._graph("GET", f"{ig_user_id}/content_publishing_limit",
                           params={"fields": "quota_usage,config"}, account=ig_user_id)
        rows = body.get("data") or [{}]
        row = rows[0] if isinstance(rows[0], dict) else {}
        config = row.get("config") if isinstance(row.get("config"), dict) else {}
        return {"quota_usage": as_int(row.get("quota_usage")) or 0,
                "quota_total": as_int(config.get("quota_total")),
                "quota_duration": as_int(config.get("quota_duration"))}

    def upload_video_bytes(self, container_id: str, data: bytes | BinaryIO,
                           size: int | None = None, *, offset: int = 0,
                           timeout: Any = None) -> dict[str, Any]:
        """Resumable upload (Facebook Login) of raw bytes or a binary file object.

        `size` is the whole file's size (required for file objects). Returns rupload's
        {"success": true, "message": ...}. Not retried: resume with `offset` instead.
        `timeout` (connect, read) bounds the whole attempt, sending included
        (graph/watchdog.py); without it, the client's read timeout plus a second per MB
        left to send (a link of 1 MB/s), so a large file over a slow link is not cut short.
        """
        if size is None:
            if not isinstance(data, (bytes, bytearray)):
                raise ValueError("size is required when uploading from a file object")
            size = len(data)
        if timeout is None:
            connect, read = self.timeout if isinstance(self.timeout, tuple) \
                else (self.timeout, self.timeout)
            timeout = (connect, read + max(0, size - offset) / 1_000_000)
        return self._upload(container_id, {"offset": str(offset), "file_size": str(size)},
                            data, timeout)

    def upload_video_url(self, container_id: str, file_url: str, *,
                         timeout: Any = None) -> dict[str, Any]:
        """Resumable upload from a public URL that Meta fetches (the `file_url` header)."""
        return self._upload(container_id, {"file_url": file_url}, None, timeout)

    def _upload(self, container_id: str, headers: dict[str, str], body: Any,
                timeout: Any) -> dict[str, Any]:
        token = self._require_token()
        url = f"{self.rupload_url}/ig-api-upload/{self.graph_version}/{container_id}"
        request = GraphRequest(
            "POST", self.rupload_url, url, data=body,
            headers={"Authorization": f"OAuth {token}", **headers},
            secrets=self._secrets(), idempotent=False, account=self._default_account(),
            timeout=timeout)
        return self._send(request)
