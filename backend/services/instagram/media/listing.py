"""Reading an account's media from Meta: pages and items, normalised and linked to our posts."""
from typing import Any, Callable, Mapping
from urllib.parse import parse_qsl, urlsplit

from backend.extensions import db
from backend.models import SNSPost
from backend.services.instagram.accounts.connected import PLATFORM
from backend.services.instagram.accounts.token_store import acting_as
from backend.services.instagram.graph.reading import DEFAULT_MEDIA_FIELDS
from backend.services.instagram.graph.wire import as_int, parse_graph_time as parse_time

CHILD_FIELDS = ("id", "media_type", "media_url", "thumbnail_url", "permalink", "timestamp")
MEDIA_FIELDS = f"{DEFAULT_MEDIA_FIELDS},children{{{','.join(CHILD_FIELDS)}}}"
TEXT_FIELDS = ("media_type", "media_product_type", "caption", "permalink", "media_url",
               "thumbnail_url")
CAROUSEL = "CAROUSEL_ALBUM"

# link(after=...) or link(before=...): the platform URL of another page of the same listing.
Link = Callable[..., str]


def list_media(user_id, account, limit, after, before, link: Link):
    """One page of the account's posts, newest first, as Meta pages them."""
    with acting_as(account) as client:
        raw = client.list_media(account.platform_user_id, MEDIA_FIELDS, limit, after, before)
    return page_of(user_id, raw, link)


def list_stories(user_id, account, limit, after, before, link: Link):
    """One page of the account's live stories (Meta keeps them 24 hours)."""
    with acting_as(account) as client:
        raw = client.list_stories(account.platform_user_id, MEDIA_FIELDS, limit, after, before)
    return page_of(user_id, raw, link)


def get_media(user_id, account, media_id):
    """One media, read with the account's token; Meta refuses media the account can't see."""
    with acting_as(account) as client:
        raw = client.get_media(media_id, MEDIA_FIELDS)
    item = normalise(raw)
    item["post_id"] = post_ids(user_id, [item["id"]]).get(item["id"])
    return item


def page_of(user_id, raw: Mapping[str, Any], link: Link):
    """Meta's raw page as {"data": [...], "paging": {...}} with platform links, no token."""
    items = [normalise(media) for media in raw.get("data") or [] if isinstance(media, Mapping)]
    ours = post_ids(user_id, [item["id"] for item in items])
    for item in items:
        item["post_id"] = ours.get(item["id"])
    return {"data": items, "paging": paging_of(raw.get("paging"), link)}


def paging_of(paging: Any, link: Link):
    """Cursors pass through; `next`/`previous` only when Meta's page has those links.

    Meta returns cursors on the last page too, so a cursor alone never means "more".
    """
    paging = paging if isinstance(paging, Mapping) else {}
    after = _cursor(paging, "after", "next")
    before = _cursor(paging, "before", "previous")
    return {"after": after, "before": before,
            "next": link(after=after) if paging.get("next") and after else None,
            "previous": link(before=before) if paging.get("previous") and before else None}


def _cursor(paging: Mapping[str, Any], name: str, link_name: str) -> str | None:
    """The cursor, or else the one in Meta's link (never anything else from that URL)."""
    cursors = paging.get("cursors")
    value = cursors.get(name) if isinstance(cursors, Mapping) else None
    if not value and isinstance(paging.get(link_name), str):
        value = dict(parse_qsl(urlsplit(paging[link_name]).query)).get(name)
    return str(value) if value else None


def normalise(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A media as this API shows it: every field present, missing ones null, times UTC."""
    item = {"id": str(raw.get("id") or "")}
    item.update({name: _text(raw.get(name)) for name in TEXT_FIELDS})
    item["timestamp"] = parse_time(raw.get("timestamp"))
    item["like_count"] = as_int(raw.get("like_count"))
    item["comments_count"] = as_int(raw.get("comments_count"))
    item["children"] = _children(raw) if item["media_type"] == CAROUSEL else None
    return item


def _children(raw: Mapping[str, Any]) -> list[dict[str, Any]]:
    children = raw.get("children")
    if isinstance(children, Mapping):
        children = children.get("data")
    if not isinstance(children, list):
        return []
    return [{"id": str(child.get("id") or ""),
             **{name: _text(child.get(name)) for name in CHILD_FIELDS[1:-1]},
             "timestamp": parse_time(child.get("timestamp"))}
            for child in children if isinstance(child, Mapping)]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def post_ids(user_id, media_ids) -> dict[str, int]:
    """media id -> the user's SNSPost id for media published through the platform; one query."""
    wanted = sorted({m for m in media_ids if m})
    if not wanted:
        return {}
    rows = db.session.execute(
        db.select(SNSPost.platform_post_id, SNSPost.id)
        .where(SNSPost.user_id == user_id, SNSPost.platform == PLATFORM,
               SNSPost.platform_post_id.in_(wanted))
        .order_by(SNSPost.id)).all()
    found: dict[str, int] = {}
    for media_id, post_id in rows:
        found.setdefault(media_id, post_id)
    return found
