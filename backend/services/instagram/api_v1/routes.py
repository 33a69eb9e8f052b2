"""The Sprint 2 plan's paths, routed onto the integration's own services and views.

Connecting keeps the integration's browser binding: `connect` answers a connect link to open
in the browser that is to approve, and Meta redirects to this API's `callback`.
"""
from flask import url_for

from backend.auth import current_user_id
from backend.services.instagram.accounts import connect, connected
from backend.services.instagram.accounts import routes as account_routes
from backend.services.instagram.accounts import schemas as account_schemas
from backend.services.instagram.api_v1 import default_account, schemas
from backend.services.instagram.core.blueprint import api, dump, instagram_bp
from backend.services.instagram.core.registry import validate
from backend.services.instagram.publishing import posts
from backend.services.instagram.publishing import routes as publishing_routes
from backend.services.instagram.publishing import schemas as publishing_schemas

AUTH = "/api/v1/auth/instagram"
V1 = "/api/v1/instagram"
FORMS = ("multipart/form-data", "application/json")
ACCOUNT_ERRORS = (404, 422)  # no such account, or several and none chosen


def route(rule, method, summary, **options):
    """A view of the blueprint at `rule` itself (outside /api/sns/instagram)."""
    return api.route(instagram_bp, rule, method, summary, absolute=True, **options)


@route(f"{AUTH}/connect", "POST", "Start connecting an Instagram account",
       body=account_schemas.AuthorizeRequest, response=account_schemas.AuthorizeResponse,
       description=account_routes.CONNECT_DOC + f" Meta then redirects to GET {AUTH}/callback.")
@account_routes.connect_limit
def v1_connect(body):
    return dump(account_schemas.AuthorizeResponse, connect.start_authorization(
        current_user_id(), body.login, callback="instagram.v1_callback"))


@route(f"{AUTH}/callback", "GET", "OAuth redirect target (no JWT)", auth=False,
       query=account_schemas.CallbackQuery, response=account_schemas.AccountEnvelope,
       status=201, errors=(422, 502, 503),
       description="Meta redirects the browser that opened the connect link here (others get "
                   "400 browser_mismatch). JSON when the client prefers it, else a small page.")
def v1_callback(query):
    return account_routes.answer_callback(query)


@route(f"{AUTH}/status", "GET", "Whether an account is connected, and its token's health",
       query=schemas.AccountQuery, response=schemas.ConnectionStatus, errors=ACCOUNT_ERRORS)
def v1_status(query):
    account = default_account.choose(current_user_id(), query.account_id, required=False)
    if account is None:
        return dump(schemas.ConnectionStatus, {"connected": False, "account": None,
                                               "status": None})
    return dump(schemas.ConnectionStatus, {"connected": True,
                                           "account": connected.serialize(account),
                                           "status": connected.status_report(account)})


@route(f"{AUTH}/disconnect", "DELETE", "Disconnect the account (its posts are kept)",
       query=schemas.AccountQuery, response=account_schemas.DisconnectOut,
       errors=ACCOUNT_ERRORS)
def v1_disconnect(query):
    return account_routes.disconnect_answer(
        default_account.choose(current_user_id(), query.account_id))


@route(f"{V1}/profile", "GET", "The account's profile, read from Instagram",
       query=schemas.AccountQuery, response=account_schemas.ProfileOut,
       errors=(*ACCOUNT_ERRORS, 403, 502, 503))
def v1_profile(query):
    account = default_account.choose(current_user_id(), query.account_id)
    return dump(account_schemas.ProfileOut, account_routes.read_profile(account))


@route(f"{V1}/permissions", "GET", "Granted and missing permissions",
       query=schemas.AccountQuery, response=account_schemas.PermissionsOut,
       errors=ACCOUNT_ERRORS)
def v1_permissions(query):
    account = default_account.choose(current_user_id(), query.account_id)
    return dump(account_schemas.PermissionsOut, connected.permissions(account))


@route(f"{V1}/publish/photo", "POST", "Publish a photo to the feed",
       body=schemas.PhotoRequest, query=schemas.AccountQuery,
       response=publishing_schemas.PostEnvelope, status=201,
       errors=publishing_routes.PUBLISH_ERRORS, content_types=FORMS, files=("image",),
       extra_responses={"202": {"description": "Accepted; publishing goes on"}},
       description="Multipart: an `image` part (JPEG, or PNG, WebP, GIF... converted to "
                   "JPEG) with `caption` and `hashtags` fields; or JSON with `image_url`. "
                   "As POST /api/sns/instagram/posts otherwise: checked first, 201 when "
                   "published, 202 while it goes on; Location is its status.")
def v1_publish_photo(body, query):
    account = default_account.choose(current_user_id(),
                                     default_account.given(body.account_id, query.account_id))
    fields = body.model_dump(exclude={"account_id"}, exclude_none=True)
    # Through the request validation, never built by hand: whatever PhotoRequest lets pass
    # that the publish body refuses is the same 422, not a ValidationError's 500.
    post = validate(publishing_schemas.FeedPostRequest, {**fields, "account_id": account.id},
                    "body")
    response, status = publishing_routes.publish("feed", post)
    response.headers["Location"] = url_for("instagram.v1_post_status",
                                           post_id=response.get_json()["post"]["id"])
    return response, status


@route(f"{V1}/preview", "POST", "Check and preview a post; no Graph call",
       body=schemas.PreviewV1Request, query=schemas.AccountQuery,
       response=publishing_schemas.PreviewOut,
       errors=(404, 413, 503), content_types=FORMS, files=("image",),
       produces=("application/json", "text/html"),
       description="The same checks as publishing, as JSON, or with Accept: text/html the "
                   "post drawn as in the Instagram feed. `type` defaults to `feed`.")
def v1_preview(body, query):
    body.account_id = default_account.given(body.account_id, query.account_id)
    if body.account_id is None:
        account = default_account.choose(current_user_id(), required=False)
        body.account_id = account.id if account is not None else None
    return publishing_routes.answer_preview(body)


@route(f"{V1}/posts/<int:post_id>/status", "GET", "A post's publishing status",
       response=publishing_schemas.PostEnvelope, errors=(404,))
def v1_post_status(post_id):
    post = posts.get_owned(current_user_id(), post_id)
    return dump(publishing_schemas.PostEnvelope, {"post": posts.serialize(post)})
