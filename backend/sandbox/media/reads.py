"""Reading media (contract 3.2, 3.3): the IGMedia node, `/media`, `/stories`, `/children`."""
from dataclasses import dataclass

from flask import jsonify

from ..core.clock import graph_time
from ..core.context import get_state, root_url
from ..core.hosts import GRAPH_HOSTS, SANDBOX_HOST, add_route
from ..core.nodes import OMIT, NodeList, NodeRef, NodeType, node_page
from ..core.paging import time_param
from ..insights.engagement import media_figures
from ..publishing.container_create import create_container
from ..publishing.containers import can_access_account
from ..publishing.containers import store as container_store
from ..publishing.samples import sample_url
from .objects import STORE, MediaObject, MediaStore, store
from .seed import seed_account


@dataclass
class MediaOwner:
    """The `owner` of a media: the Instagram account, by its professional id."""

    account: object
    kind = "ig_media_owner"


def _account(media):
    return get_state().accounts.find(media.account_id)


def permalink(media):
    if media.is_story:
        return f"https://www.instagram.com/stories/{_account(media).username}/{media.id}/"
    kind = "reel" if media.product == "REELS" else "p"
    return f"https://www.instagram.com/{kind}/{media.shortcode}/"


def media_url(media):
    if media.media_type == "VIDEO":
        return sample_url(root_url(), "video", duration=media.duration, w=media.width,
                          h=media.height)
    return sample_url(root_url(), "image", w=media.width, h=media.height, seed=media.id)


def _thumbnail(media, token):
    if media.media_type != "VIDEO":
        return OMIT
    return sample_url(root_url(), "image", w=media.width, h=media.height, seed=media.id)


def _figure(name):
    return lambda media, token: media_figures(media, get_state().now())[name]


def _top_level(getter):
    """Fields album children do not have."""
    return lambda media, token: OMIT if media.parent_id else getter(media, token)


def media_type_for(host):
    def present(value):
        return OMIT if value is None else value
    fields = {
        "id": lambda m, t: m.id,
        "media_type": lambda m, t: m.media_type,
        "media_product_type": lambda m, t: m.product,
        "caption": _top_level(lambda m, t: present(m.caption)),
        "permalink": _top_level(lambda m, t: permalink(m)),
        "shortcode": lambda m, t: m.shortcode,
        "media_url": lambda m, t: media_url(m),
        "thumbnail_url": _thumbnail,
        "timestamp": lambda m, t: graph_time(m.timestamp),
        "username": lambda m, t: _account(m).username,
        "like_count": _top_level(_figure("likes")),
        "comments_count": _top_level(_figure("comments")),
        "is_comment_enabled": _top_level(lambda m, t: m.comments_enabled),
        "is_shared_to_feed": lambda m, t: present(m.shared_to_feed),
        "owner": lambda m, t: NodeRef(MediaOwner(_account(m))),
        "children": lambda m, t: NodeList(m.children) if m.children else OMIT,
        "alt_text": lambda m, t: present(m.alt_text),
    }
    return NodeType(kind=MediaObject.kind, host=host, name="IGMedia", id_of=lambda m: m.id,
                    fields=fields,
                    can_read=lambda m, token: can_access_account(host, m.account_id, token),
                    account_of=_account, edges={"children": {"GET": _children}})


def owner_type_for(host):
    return NodeType(kind=MediaOwner.kind, host=host, name="IGUser",
                    id_of=lambda owner: owner.account.professional_id,
                    fields={"id": lambda o, t: o.account.professional_id,
                            "username": lambda o, t: o.account.username})


def media_page(items, token):
    """One cursor page of media, each rendered with the request's `fields`."""
    return node_page(MediaObject.kind, items, token)


def _list_media(account, token, sub):
    return media_page(store().posts(account, time_param("since"), time_param("until")), token)


def _list_stories(account, token, sub):
    return media_page(store().live_stories(account, get_state().now()), token)


def _children(media, token, sub):
    return media_page(media.children, token)


def _describe(media):
    return {"id": media.id, "media_type": media.media_type, "media_product_type": media.product,
            "container_id": media.container_id, "timestamp": graph_time(media.timestamp),
            "caption": media.caption, "permalink": permalink(media), "seeded": media.seeded,
            "children": [{"id": c.id, "media_type": c.media_type,
                          "container_id": c.container_id} for c in media.children]}


def control_media(username):
    """Every media of an account (stories included), newest first, with container ids."""
    state = get_state()
    account = state.accounts.by_username.get(username)
    if account is None:
        return jsonify({"error": {"message": f"no account named {username}"}}), 404
    return {"data": [_describe(media) for media in store().all_of(account)]}


def control_containers(username):
    state = get_state()
    account = state.accounts.by_username.get(username)
    if account is None:
        return jsonify({"error": {"message": f"no account named {username}"}}), 404
    now = state.now()
    return {"data": [{"id": c.id, "kind": c.request.kind, "status_code": c.status_code(now),
                      "status": c.status_text(now), "media_id": c.media_id,
                      "created": graph_time(c.created_at)}
                     for c in container_store().of_account(account.professional_id)]}


def init_app(app):
    runtime_ = app.extensions["sandbox"]
    runtime_.state.add_store(STORE, lambda state: MediaStore(state, seed_account))
    for host in GRAPH_HOSTS:
        runtime_.nodes.add(media_type_for(host))
        runtime_.nodes.add(owner_type_for(host))
        account_type = runtime_.nodes.get(host, "ig_account")
        account_type.edges.update({"media": {"GET": _list_media, "POST": create_container},
                                   "stories": {"GET": _list_stories}})
        account_type.fields["media_count"] = lambda account, token: len(store().posts(account))
    add_route(app, (SANDBOX_HOST,), "/_sandbox/accounts/<username>/media", control_media)
    add_route(app, (SANDBOX_HOST,), "/_sandbox/accounts/<username>/containers",
              control_containers)
