"""Comment calls of the Instagram client: reading, replying, moderating, mentions (contract 8)."""
from __future__ import annotations

from typing import Any

from .reading import Fields
from .wire import comma_list

# Meta's IG Comment fields (contract 8); `replies` nests the first page of a comment's replies.
COMMENT_FIELDS = ("id,text,timestamp,username,like_count,hidden,from{id,username},parent_id,"
                  "media{id,media_product_type}")
THREAD_FIELDS = f"{COMMENT_FIELDS},replies{{{COMMENT_FIELDS}}}"
MENTION_MEDIA_FIELDS = "id,caption,media_type,media_product_type,timestamp,username,permalink"
MENTION_COMMENT_FIELDS = "id,text,timestamp,username,media{id,permalink}"


class CommentsMixin:
    """IG Comment endpoints; needs GraphTransport's request methods.

    `ig_user_id` names the account a call is charged to (Meta's usage headers), as the
    reading calls do. Creating a comment or a reply is never retried once sent: a second
    attempt would post a second comment.
    """

    def list_comments(self, media_id: str, fields: Fields = THREAD_FIELDS,
                      limit: int | None = 25, after: str | None = None,
                      before: str | None = None, *,
                      ig_user_id: str | None = None) -> dict[str, Any]:
        """One page of GET /{media_id}/comments (top-level comments), raw."""
        return self._edge_page(f"{media_id}/comments", fields, limit, after, before,
                               ig_user_id)

    def list_replies(self, comment_id: str, fields: Fields = COMMENT_FIELDS,
                     limit: int | None = 25, after: str | None = None,
                     before: str | None = None, *,
                     ig_user_id: str | None = None) -> dict[str, Any]:
        """One page of GET /{comment_id}/replies, raw."""
        return self._edge_page(f"{comment_id}/replies", fields, limit, after, before,
                               ig_user_id)

    def _edge_page(self, path, fields, limit, after, before, ig_user_id):
        params = {"fields": comma_list(fields), "limit": limit, "after": after,
                  "before": before}
        return self._graph("GET", path, params=params, account=ig_user_id)

    def get_comment(self, comment_id: str, fields: Fields = COMMENT_FIELDS, *,
                    ig_user_id: str | None = None) -> dict[str, Any]:
        return self._graph("GET", comment_id, params={"fields": comma_list(fields)},
                           account=ig_user_id)

    def create_comment(self, media_id: str, message: str, *,
                       ig_user_id: str | None = None) -> dict[str, Any]:
        """POST /{media_id}/comments?message=...; returns {"id": comment_id}."""
        return self._graph("POST", f"{media_id}/comments", data={"message": message},
                           account=ig_user_id)

    def reply_to_comment(self, comment_id: str, message: str, *,
                         ig_user_id: str | None = None) -> dict[str, Any]:
        """POST /{comment_id}/replies; Meta adds a reply to a reply to its top-level comment."""
        return self._graph("POST", f"{comment_id}/replies", data={"message": message},
                           account=ig_user_id)

    def set_comment_hidden(self, comment_id: str, hidden: bool, *,
                           ig_user_id: str | None = None) -> dict[str, Any]:
        """POST /{comment_id}?hide=true|false. Hiding twice is harmless, so it is retried."""
        return self._graph("POST", comment_id, data={"hide": hidden}, account=ig_user_id,
                           idempotent=True)

    def delete_comment(self, comment_id: str, *,
                       ig_user_id: str | None = None) -> dict[str, Any]:
        """DELETE /{comment_id}; a second attempt would answer "does not exist", so none."""
        return self._graph("DELETE", comment_id, account=ig_user_id)

    def set_comments_enabled(self, media_id: str, enabled: bool, *,
                             ig_user_id: str | None = None) -> dict[str, Any]:
        """POST /{media_id}?comment_enabled=true|false: turn comments on a media on or off."""
        return self._graph("POST", media_id, data={"comment_enabled": enabled},
                           account=ig_user_id, idempotent=True)

    # --- Mentions (Facebook Login only, contract 8) ---

    def get_mentioned_media(self, ig_user_id: str, media_id: str,
                            fields: Fields = MENTION_MEDIA_FIELDS) -> dict[str, Any]:
        """A media whose caption @mentions the account (not the account's own media)."""
        self._require_facebook("get_mentioned_media")
        spec = f"mentioned_media.media_id({media_id}){{{comma_list(fields)}}}"
        return self._graph("GET", ig_user_id, params={"fields": spec},
                           account=ig_user_id).get("mentioned_media") or {}

    def get_mentioned_comment(self, ig_user_id: str, comment_id: str,
                              fields: Fields = MENTION_COMMENT_FIELDS) -> dict[str, Any]:
        """A comment that @mentions the account, on any media."""
        self._require_facebook("get_mentioned_comment")
        spec = f"mentioned_comment.comment_id({comment_id}){{{comma_list(fields)}}}"
        return self._graph("GET", ig_user_id, params={"fields": spec},
                           account=ig_user_id).get("mentioned_comment") or {}

    def reply_to_mention(self, ig_user_id: str, media_id: str, message: str,
                         comment_id: str | None = None) -> dict[str, Any]:
        """POST /{ig_user_id}/mentions: comment on a media (or reply to a comment) where the
        account was @mentioned; returns {"id"}. Never retried once sent."""
        self._require_facebook("reply_to_mention")
        data = {"media_id": media_id, "comment_id": comment_id, "message": message}
        return self._graph("POST", f"{ig_user_id}/mentions", data=data, account=ig_user_id)
