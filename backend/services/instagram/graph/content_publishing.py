"""Content publishing calls of the Instagram client: containers, uploads, publish, quota."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any, BinaryIO

from .errors import CircuitOpenError, InstagramAPIError, NetworkError, TransientError
from .wire import GraphRequest, as_int, parse_graph_time

log = logging.getLogger("backend.services.instagram.graph.client")

# How far the account's newest media may predate our publish call and still be ours: Meta's
# timestamps have second precision and servers' clocks differ.
PUBLISH_MATCH_SKEW = timedelta(minutes=5)
_RECENT_MEDIA = 5


def _maybe_published(error: InstagramAPIError) -> bool:
    """True when a failed media_publish may still have published: Meta may have acted."""
    if isinstance(error, CircuitOpenError):
        return False
    if isinstance(error, NetworkError):
        return error.ambiguous
    return isinstance(error, TransientError)


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

        A just-created container can read as 100/33 for a moment, hence `retry_not_found`.
        """
        body = self._graph("GET", container_id, params={"fields": "status_code,status"},
                           account=ig_user_id, retry_not_found=retry_not_found)
        return {"id": str(body.get("id") or container_id), "status_code": body.get("status_code"),
                "status": body.get("status")}

    def publish_container(self, ig_user_id: str, creation_id: str) -> dict[str, Any]:
        """POST /{ig-user-id}/media_publish; returns {"id": media_id}. Never retried once sent.

        A lost response raises NetworkError(ambiguous=True): the post may exist. Prefer
        publish_container_safely, which checks before giving up.
        """
        body = self._graph("POST", f"{ig_user_id}/media_publish",
                           data={"creation_id": creation_id}, account=ig_user_id)
        return {"id": str(body["id"]) if body.get("id") is not None else None}

    def publish_container_safely(self, ig_user_id: str, creation_id: str) -> dict[str, Any]:
        """Publish; after an ambiguous failure, find out whether the post went out anyway.

        Returns {"id": media_id, "recovered": False} normally. When the call failed in a way
        that may have published (lost response, 5xx, Meta server error), reads the container:
        PUBLISHED gives {"id": media_id or None, "recovered": True}. The container does not
        expose its media id, so the id is the account's newest media published since this
        call began (or None if none matches; the post exists, do not publish again).
        Otherwise the original error is re-raised with `container_status` set when known.
        """
        started = datetime.now(timezone.utc)
        try:
            return {**self.publish_container(ig_user_id, creation_id), "recovered": False}
        except InstagramAPIError as exc:
            if not _maybe_published(exc):
                raise
            failure = exc
        try:
            status = self.get_container_status(creation_id, ig_user_id=ig_user_id)["status_code"]
        except InstagramAPIError:
            log.warning("publish of container %s failed ambiguously and its status could not "
                        "be read; do not publish it again before checking", creation_id)
            raise failure from None
        if status != "PUBLISHED":
            failure.container_status = status
            raise failure
        media_id = self.find_published_media(ig_user_id, started)
        log.info("publish of container %s failed ambiguously but it is PUBLISHED (media %s)",
                 creation_id, media_id)
        return {"id": media_id, "recovered": True}

    def find_published_media(self, ig_user_id: str, since: datetime) -> str | None:
        page = self.list_media(ig_user_id, fields="id,timestamp", limit=_RECENT_MEDIA)
        for item in page.get("data") or []:  # newest first
            published = parse_graph_time(item.get("timestamp"))
            if published is not None and published >= since - PUBLISH_MATCH_SKEW:
                return str(item["id"])
        log.warning("container published but no recent media of %s matches it", ig_user_id)
        return None

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
        """
        if size is None:
            if not isinstance(data, (bytes, bytearray)):
                raise ValueError("size is required when uploading from a file object")
            size = len(data)
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
