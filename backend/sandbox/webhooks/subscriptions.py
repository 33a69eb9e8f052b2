"""`subscribed_apps` (contract 7): an Instagram account (Instagram Login) or a Facebook Page
(Facebook Login) subscribes the app to its webhook events."""
from flask import request

from ..core.context import get_state, request_params
from ..core.errors import GraphError, invalid_parameter, missing_parameter
from ..core.hosts import FB_GRAPH, IG_GRAPH
from ..oauth.auth import scopes_of
from ..oauth.scopes import CAPABILITY_SCOPES, split_scopes
from .delivery import store

# Instagram Login fields and the capability each needs (scopes.CAPABILITY_SCOPES).
INSTAGRAM_FIELDS = {"comments": "comments", "live_comments": "comments",
                    "mentions": "comments", "story_insights": "insights",
                    "messages": "messages", "message_reactions": "messages",
                    "messaging_postbacks": "messages", "messaging_seen": "messages",
                    "messaging_referral": "messages", "messaging_optins": "messages"}
# Page fields; any of them enables the Page's Instagram events (Meta: "any Page field").
PAGE_FIELDS = ("feed", "mention", "messages", "messaging_postbacks", "name", "picture",
               "ratings", "live_videos", "leadgen")
PAGE_SCOPE = "pages_manage_metadata"


def _requested_fields(known):
    raw = request_params().get("subscribed_fields")
    if not raw:
        raise missing_parameter("subscribed_fields")
    fields = split_scopes(raw)
    unknown = [name for name in fields if name not in known]
    if unknown:
        raise invalid_parameter(f"Param subscribed_fields[{fields.index(unknown[0])}] must be "
                                f"one of {{{', '.join(known)}}} - got \"{unknown[0]}\"")
    return fields


def _answer(entry):
    settings = get_state().settings
    if entry is None:
        return {"data": []}
    return {"data": [{"id": settings["app_id"], "name": settings["app_name"],
                      "subscribed_fields": list(entry["fields"])}]}


def _subscription(entries, key, subscribe):
    """GET, DELETE, or POST (`subscribe()` gives the fields) one subscription."""
    if request.method == "GET":
        return _answer(entries.get(key))
    if request.method == "DELETE":
        entries.pop(key, None)
        return {"success": True}
    entries[key] = {"fields": subscribe(), "since": get_state().now()}
    return {"success": True}


def _account_subscription(account, token, sub):
    """/me/subscribed_apps on graph.instagram.com: each field needs its permission."""
    def subscribe():
        fields = _requested_fields(tuple(INSTAGRAM_FIELDS))
        granted = scopes_of(token)
        for name in fields:
            scope = CAPABILITY_SCOPES[INSTAGRAM_FIELDS[name]]["instagram"]
            if scope not in granted:
                raise GraphError(200, f"(#200) Subscribing to {name} requires the {scope} "
                                      "permission")
        return fields
    return _subscription(store().accounts, account.professional_id, subscribe)


def _page_subscription(page, token, sub):
    """/{page-id}/subscribed_apps on graph.facebook.com (Page token)."""
    if PAGE_SCOPE not in scopes_of(token):
        raise GraphError(200, f"(#200) The {PAGE_SCOPE} permission is required to manage the "
                              "Page's subscribed apps")
    return _subscription(store().pages, page.id, lambda: _requested_fields(PAGE_FIELDS))


def init_app(app):
    nodes = app.extensions["sandbox"].nodes
    methods = ("GET", "POST", "DELETE")
    nodes.get(IG_GRAPH, "ig_account").edges["subscribed_apps"] = dict.fromkeys(
        methods, _account_subscription)
    nodes.get(FB_GRAPH, "page").edges["subscribed_apps"] = dict.fromkeys(
        methods, _page_subscription)
