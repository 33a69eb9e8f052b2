"""Reading calls of the Instagram client: objects, media, pagination and insights."""
from __future__ import annotations

from typing import Any, Iterable, Iterator, Mapping
from urllib.parse import parse_qsl, urlsplit

from .wire import comma_list

DEFAULT_MEDIA_FIELDS = ("id,caption,media_type,media_product_type,media_url,permalink,"
                        "thumbnail_url,timestamp,like_count,comments_count")
MAX_MEDIA_PAGE = 100  # the most a page of /media may ask for here
# Never copied from a `paging.next` URL into our own request: we authenticate ourselves.
_CREDENTIAL_PARAMS = {"access_token", "appsecret_proof"}

Fields = str | Iterable[str] | None


def next_page_params(paging: Mapping[str, Any]) -> dict[str, str] | None:
    """Params for the following page, or None on the last page (no `next` link).

    The `after` cursor is preferred; time-based paging (since/until) only appears in the
    `next` URL, so its query is used then, minus any credentials.
    """
    if not isinstance(paging, Mapping) or not paging.get("next"):
        return None
    after = (paging.get("cursors") or {}).get("after")
    if after:
        return {"after": str(after)}
    query = parse_qsl(urlsplit(str(paging["next"])).query)
    params = {k: v for k, v in query if k not in _CREDENTIAL_PARAMS}
    return params or None


class ReadingMixin:
    """Reading endpoints (contract sections 3 and 4); needs GraphTransport's request methods."""

    def get_object(self, object_id: str, fields: Fields = None, *, retry_not_found: int = 0,
                   **params: Any) -> dict[str, Any]:
        """GET /{object_id}. `retry_not_found` retries 100/33 (objects we just created)."""
        return self._graph("GET", object_id, params={"fields": comma_list(fields), **params},
                           retry_not_found=retry_not_found)

    def paginate(self, path: str, params: Mapping[str, Any] | None = None,
                 limit: int | None = None) -> Iterator[dict[str, Any]]:
        """Yield the items of every page of a Graph edge, at most `limit` of them.

        Follows `paging.cursors.after` (or the `next` link's query) and stops on a page
        without `next`, or if Meta hands back a cursor it already gave.
        """
        query = dict(params or {})
        seen: set[tuple[tuple[str, str], ...]] = set()
        count = 0
        while True:
            page = self._graph("GET", path, params=query)
            for item in page.get("data") or []:
                if limit is not None and count >= limit:
                    return
                count += 1
                yield item
            following = next_page_params(page.get("paging") or {})
            key = tuple(sorted((following or {}).items()))
            if following is None or key in seen or (limit is not None and count >= limit):
                return
            seen.add(key)
            query.pop("before", None)
            query.update(following)

    def get_media(self, *args: Any, fields: Fields = DEFAULT_MEDIA_FIELDS,
                  limit: int | None = None, after: str | None = None,
                  retry_not_found: int = 0) -> dict[str, Any] | tuple[list[dict], str | None]:
        """One media, or a page of the account's posts.

        get_media(media_id, fields) (a media id is a string): GET /{media_id}, the media
        object as Meta returns it.
        get_media(limit, after), get_media(limit=25, after=cursor) or get_media(): a page,
        (posts, next_cursor), the account's posts newest first (stories are not among them:
        list_stories), and the cursor of the following page, None on the last one. `limit`
        is 1 to MAX_MEDIA_PAGE. Raises TypeError for arguments given twice or mixed.
        """
        if len(args) > 2:
            raise TypeError("get_media(media_id, fields) or get_media(limit, after)")
        media_id = args[0] if args else None
        if isinstance(media_id, int) and not isinstance(media_id, bool):
            # get_media(limit, after), as the status report names it: a page.
            if limit is not None or (len(args) == 2 and after is not None):
                raise TypeError("get_media(limit, after): limit or after given twice")
            media_id, limit, after = None, media_id, args[1] if len(args) == 2 else after
        elif len(args) == 2:
            if fields is not DEFAULT_MEDIA_FIELDS:
                raise TypeError("get_media(media_id, fields): fields given twice")
            fields = args[1]
        if media_id is None:
            if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)
                                      or not 1 <= limit <= MAX_MEDIA_PAGE):
                raise ValueError(f"limit must be 1 to {MAX_MEDIA_PAGE} (got {limit!r})")
            page = self.list_media(self.own_account(), fields, limit=limit or 25, after=after)
            following = next_page_params(page.get("paging") or {}) or {}
            return list(page.get("data") or []), following.get("after")
        if limit is not None or after is not None:
            raise TypeError("limit and after page the account's posts: leave media_id out")
        return self._graph("GET", media_id, params={"fields": comma_list(fields)},
                           retry_not_found=retry_not_found)

    def own_account(self) -> str:
        """The id to call the client's own account by: its account_id, or on Instagram Login
        `me` until it is known."""
        if self.account_id:
            return str(self.account_id)
        if self.login_type != "instagram":
            raise ValueError("Facebook Login needs the account: create the client with "
                             "account_id=<ig user id>, or call authenticate() first")
        return "me"

    def list_media(self, ig_user_id: str, fields: Fields = DEFAULT_MEDIA_FIELDS,
                   limit: int | None = 25, after: str | None = None,
                   before: str | None = None) -> dict[str, Any]:
        """One page of GET /{ig-user-id}/media, raw: {"data": [...], "paging": {...}}."""
        params = {"fields": comma_list(fields), "limit": limit, "after": after, "before": before}
        return self._graph("GET", f"{ig_user_id}/media", params=params, account=ig_user_id)

    def list_stories(self, ig_user_id: str, fields: Fields = DEFAULT_MEDIA_FIELDS,
                     limit: int | None = 25, after: str | None = None,
                     before: str | None = None) -> dict[str, Any]:
        """One page of GET /{ig-user-id}/stories (the last 24 hours' stories), raw."""
        params = {"fields": comma_list(fields), "limit": limit, "after": after, "before": before}
        return self._graph("GET", f"{ig_user_id}/stories", params=params, account=ig_user_id)

    def get_media_insights(self, media_id: str, metrics: str | Iterable[str],
                           **params: Any) -> dict[str, Any]:
        """GET /{media_id}/insights?metric=..., raw {"data": [...]}; extra params pass through.

        Meta rejects the whole call (100) when one metric is invalid for the media's product
        type; the insights service decides which metrics to ask for.
        """
        return self._graph("GET", f"{media_id}/insights",
                           params={"metric": comma_list(metrics), **params})

    def get_account_insights(self, ig_user_id: str, metrics: str | Iterable[str],
                             period: str = "day", metric_type: str | None = "total_value",
                             since: Any = None, until: Any = None,
                             breakdown: str | Iterable[str] | None = None,
                             timeframe: str | None = None) -> dict[str, Any]:
        """GET /{ig-user-id}/insights, raw {"data": [...], "paging": ...}.

        `since`/`until` take unix seconds, dates or datetimes (naive ones are UTC).
        """
        params = {"metric": comma_list(metrics), "period": period, "metric_type": metric_type,
                  "since": since, "until": until, "breakdown": comma_list(breakdown),
                  "timeframe": timeframe}
        return self._graph("GET", f"{ig_user_id}/insights", params=params, account=ig_user_id)
