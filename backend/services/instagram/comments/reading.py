"""Reading a media's comments and a comment's replies from Meta, normalised, one page at a time."""
from typing import Any, Mapping

from backend.services.instagram.comments import permissions
from backend.services.instagram.graph.comments import COMMENT_FIELDS, THREAD_FIELDS
from backend.services.instagram.graph.wire import as_int, parse_graph_time
from backend.services.instagram.media.listing import Link, paging_of


def list_comments(account, media_id, limit, after, before, link: Link):
    """One page of the media's top-level comments (with their first replies), newest first."""
    with permissions.moderating(account, media=media_id) as client:
        raw = client.list_comments(media_id, THREAD_FIELDS, limit, after, before,
                                   ig_user_id=account.platform_user_id)
    return page_of(raw, link, media_id)


def list_replies(account, comment_id, limit, after, before, link: Link):
    """One page of a comment's replies, newest first."""
    with permissions.moderating(account, comment=comment_id) as client:
        raw = client.list_replies(comment_id, COMMENT_FIELDS, limit, after, before,
                                  ig_user_id=account.platform_user_id)
    return page_of(raw, link)


def page_of(raw: Mapping[str, Any], link: Link, media_id=None):
    items = [normalise(c, media_id) for c in raw.get("data") or [] if isinstance(c, Mapping)]
    return {"data": items, "paging": paging_of(raw.get("paging"), link)}


def normalise(raw: Mapping[str, Any], media_id=None, nested=False):
    """A comment as this API shows it: Meta's field names, every one present, times UTC."""
    author = raw.get("from") if isinstance(raw.get("from"), Mapping) else None
    media = raw.get("media") if isinstance(raw.get("media"), Mapping) else {}
    replies = raw.get("replies")
    if isinstance(replies, Mapping):
        replies = replies.get("data")
    item = {
        "id": str(raw.get("id") or ""),
        "text": _text(raw.get("text")),
        "timestamp": parse_graph_time(raw.get("timestamp")),
        "username": _text(raw.get("username")) or (author and _text(author.get("username"))),
        "from": None if author is None else {"id": _text(str(author.get("id") or "")),
                                             "username": _text(author.get("username"))},
        "like_count": as_int(raw.get("like_count")),
        "hidden": raw.get("hidden") if isinstance(raw.get("hidden"), bool) else None,
        "parent_id": _text(str(raw.get("parent_id") or "")),
        "media_id": _text(str(media.get("id") or "")) or media_id,
        "replies": None,
    }
    if not nested and not item["parent_id"]:
        item["replies"] = [normalise(r, item["media_id"], nested=True)
                           for r in (replies if isinstance(replies, list) else [])
                           if isinstance(r, Mapping)]
    return item


def _text(value):
    return value if isinstance(value, str) and value else None
