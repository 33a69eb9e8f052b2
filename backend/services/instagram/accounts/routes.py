"""Thin views of the connection endpoints: parse, call a service function, serialise."""
from flask import request

from backend.auth import current_user_id
from backend.errors import APIError
from backend.extensions import limiter
from backend.services.instagram.accounts import connect, connected, schemas, token_refresh
from backend.services.instagram.accounts.token_store import acting_as
from backend.services.instagram.core.blueprint import api, dump, instagram_bp
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.core.templating import render


@api.route(instagram_bp, "/oauth/authorize", "POST", "Start connecting an Instagram account",
           body=schemas.AuthorizeRequest, response=schemas.AuthorizeResponse,
           description="Returns Meta's authorisation dialog URL with a fresh state (valid "
                       "INSTAGRAM_STATE_TTL_SECONDS, single use, bound to the caller).")
@limiter.limit(lambda: runtime().settings.INSTAGRAM_CONNECT_RATE_LIMIT)
def authorize(body):
    return dump(schemas.AuthorizeResponse,
                connect.start_authorization(current_user_id(), body.login))


@api.route(instagram_bp, "/callback", "GET", "OAuth redirect target (no JWT)", auth=False,
           query=schemas.CallbackQuery, response=schemas.AccountEnvelope, status=201,
           errors=(422, 502, 503), description="Meta redirects the user's browser here. Answers "
           "JSON when the client prefers it (curl does), a small HTML page for browsers.")
def callback(query):
    wants_html = request.accept_mimetypes.best_match(
        ["application/json", "text/html"]) == "text/html"
    try:
        _user_id, linked = connect.complete_authorization(query)
    except APIError as exc:
        if not wants_html:
            raise
        return _html_page("Instagram not connected", exc.message), exc.status
    if wants_html:
        names = ", ".join(f"@{a.username}" for a in linked)
        return _html_page("Instagram connected",
                          f"Connected {names}, you can close this window."), 201
    items = [connected.serialize(a) for a in linked]
    return dump(schemas.AccountEnvelope, {"account": items[0], "accounts": items}, 201)


def _html_page(title, message):
    return render("oauth_result.html", title=title, message=message)


@api.route(instagram_bp, "/accounts", "GET", "List the caller's connected accounts",
           response=schemas.AccountList)
def list_accounts():
    items = [connected.serialize(a) for a in connected.list_owned(current_user_id())]
    return dump(schemas.AccountList, {"accounts": items})


@api.route(instagram_bp, "/accounts/<int:account_id>/status", "GET",
           "Connection health and what to do", response=schemas.StatusOut, errors=(404,))
def account_status(account_id):
    account = connected.get_owned(current_user_id(), account_id)
    return dump(schemas.StatusOut, connected.status_report(account))


@api.route(instagram_bp, "/accounts/<int:account_id>/permissions", "GET",
           "Granted and missing permissions", response=schemas.PermissionsOut, errors=(404,))
def account_permissions(account_id):
    account = connected.get_owned(current_user_id(), account_id)
    return dump(schemas.PermissionsOut, connected.permissions(account))


@api.route(instagram_bp, "/account/info", "GET", "Profile from Meta (also saved)",
           query=schemas.AccountInfoQuery, response=schemas.ProfileOut,
           errors=(403, 404, 502, 503))
def account_info(query):
    account = connected.get_owned(current_user_id(), query.account_id)
    with acting_as(account) as client:
        profile = client.get_account_info(
            None if account.login_type == "instagram" else account.platform_user_id)
    connected.save_profile(account, profile)
    return dump(schemas.ProfileOut, {
        "account_id": account.id, "ig_user_id": account.platform_user_id,
        "account_type": account.account_type, "synced_at": account.profile_synced_at,
        **{k: profile.get(k) for k in connected.PROFILE_FIELDS}})


@api.route(instagram_bp, "/accounts/<int:account_id>/refresh", "POST",
           "Refresh the account's token now", response=schemas.RefreshOut,
           errors=(403, 404, 409, 502, 503),
           description="Instagram-Login tokens at least 24 hours old only; the scheduler "
                       "does this by itself well before expiry.")
def refresh(account_id):
    account = connected.get_owned(current_user_id(), account_id)
    return dump(schemas.RefreshOut, token_refresh.refresh_now(account))


@api.route(instagram_bp, "/accounts/<int:account_id>", "DELETE", "Disconnect an account",
           response=schemas.DisconnectOut, errors=(404,),
           description="Deletes the stored token; the account's post history is kept.")
def disconnect(account_id):
    account = connected.get_owned(current_user_id(), account_id)
    kept = connected.disconnect(account)
    return dump(schemas.DisconnectOut, {"disconnected": True, "account_id": account.id,
                                        "posts_kept": kept})
