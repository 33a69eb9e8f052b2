"""`media_publish` and `content_publishing_limit` (contract 2.4, 2.5): quota, media objects."""
from ..core.context import get_state, request_params
from ..core.errors import invalid_parameter, missing_parameter
from ..core.fields import parse_fields
from ..core.hosts import GRAPH_HOSTS
from ..core.paging import time_param
from ..media.objects import MediaObject
from ..media.objects import store as media_store
from ..oauth.auth import require_capability
from . import publish_errors as perr
from .containers import ERROR, EXPIRED, IN_PROGRESS, PUBLISHED
from .containers import store as container_store

QUOTA_SECONDS = 24 * 3600
LIMIT_FIELDS = ("quota_usage", "config")


def _media_from(container, media_id, account, now, parent_id=None):
    req, facts = container.request, container.facts
    media = MediaObject(
        id=media_id, account_id=account.professional_id, media_type=req.media_type,
        product=req.product, timestamp=int(now), caption=None if parent_id else req.caption,
        width=(facts.width if facts else None) or 1080,
        height=(facts.height if facts else None) or 1080,
        duration=facts.duration if facts else None, parent_id=parent_id,
        container_id=container.id, alt_text=req.options.get("alt_text"),
        shared_to_feed=req.options.get("share_to_feed"), audience=account.followers_count)
    container.media_id, container.published_at = media.id, now
    return media


def publish_container(container, account, now):
    """Turn a FINISHED container (and a carousel's children) into one media object."""
    media = media_store()
    album = _media_from(container, media.new_id(), account, now)
    for child_id in container.request.children:
        child = container_store().find(child_id)
        album.children.append(_media_from(child, media.new_id(), account, now, album.id))
    return media.add(album)


def _quota_used(account, now, since=None):
    start = now - QUOTA_SECONDS
    if since is not None:
        start = max(start, since)
    return container_store().published_since(account.professional_id, start)


def media_publish(account, token, sub):
    """`{"id": media id}`; the errors per container state are in docs/sandbox.md."""
    require_capability(token, "publish")
    state = get_state()
    creation_id = request_params().get("creation_id")
    if not creation_id:
        raise missing_parameter("creation_id")
    container, now = container_store().find(creation_id), state.now()
    if container is None:
        raise perr.builder_expired(creation_id)
    if container.account_id != account.professional_id:
        raise perr.media_not_found(creation_id)
    status = container.status_code(now)
    if status == PUBLISHED:
        if state.settings["republish_answer"] == "same_id":
            return {"id": container.media_id}
        raise perr.already_published()
    if status == EXPIRED:
        raise perr.builder_expired(creation_id)
    if container.request.is_carousel_item:
        raise invalid_parameter("A carousel item can only be published in its carousel")
    quota = state.settings["publish_quota"]
    if _quota_used(account, now) >= quota:
        raise perr.publish_limit()
    if status == IN_PROGRESS:
        raise perr.not_ready()
    if status == ERROR:
        raise perr.video_failure(container.failure)
    if any(container_store().find(c).media_id for c in container.request.children):
        raise invalid_parameter("A carousel item of this carousel was already published")
    return {"id": publish_container(container, account, now).id}


def publishing_limit(account, token, sub):
    """`{"data": [{"quota_usage": N, "config": {...}}]}`; only quota_usage without fields."""
    require_capability(token, "publish")
    state = get_state()
    specs = parse_fields(request_params().get("fields"))
    names = [spec.name for spec in specs] or ["quota_usage"]
    unknown = [name for name in names if name not in LIMIT_FIELDS]
    if unknown:
        raise invalid_parameter(f"Tried accessing nonexisting field ({unknown[0]}) on node type "
                                "(ContentPublishingLimit)")
    row = {}
    for name in names:
        if name == "quota_usage":
            row[name] = _quota_used(account, state.now(), time_param("since"))
        else:
            row[name] = {"quota_total": state.settings["publish_quota"],
                         "quota_duration": QUOTA_SECONDS}
    return {"data": [row]}


def init_app(app):
    nodes = app.extensions["sandbox"].nodes
    for host in GRAPH_HOSTS:
        nodes.get(host, "ig_account").edges.update({
            "media_publish": {"POST": media_publish},
            "content_publishing_limit": {"GET": publishing_limit}})
