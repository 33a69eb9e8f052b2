"""Thin views of the connection endpoints: parse, call a service function, serialise."""
from flask import make_response, redirect, request

from backend.auth import current_user_id
from backend.errors import APIError, handle_api_error
from backend.services.instagram.accounts import (browser_binding, connect, connected, schemas,
                                                 token_refresh)
from backend.services.instagram.accounts.token_store import acting_as
from backend.services.instagram.core.blueprint import api, dump, instagram_bp
from backend.services.instagram.core.limits import limiter
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.core.templating import render


CONNECT_DOC = ("Returns a connect link for the caller: single use, valid "
               "INSTAGRAM_CONNECT_LINK_TTL_SECONDS. Open it in the browser that is to approve: "
               "it sets a cookie the callback checks, then leads to Meta's dialog.")
# One allowance for every way of starting a connect (this path and the Sprint 2 API's).
connect_limit = limiter.shared_limit(lambda: runtime().settings.INSTAGRAM_CONNECT_RATE_LIMIT,
                                     scope="instagram-connect")


@api.route(instagram_bp, "/oauth/authorize", "POST", "Start connecting an Instagram account",
           body=schemas.AuthorizeRequest, response=schemas.AuthorizeResponse,
           description=CONNECT_DOC)
@connect_limit
def authorize(body):
    return dump(schemas.AuthorizeResponse,
                connect.start_authorization(current_user_id(), body.login))


@api.route(instagram_bp, "/oauth/start", "GET", "Open a connect link (no JWT; a browser)",
           auth=False, query=schemas.StartQuery, status=302,
           description="Redirects to Meta's dialog and binds the flow to this browser with "
                       "a cookie. Works once, within INSTAGRAM_CONNECT_LINK_TTL_SECONDS.")
def oauth_start(query):
    try:
        dialog, state, uri = connect.open_connect_link(query.ticket)
    except APIError as exc:
        if not _wants_html():
            raise
        return _html_page("Instagram not connected", exc.message), exc.status
    response = redirect(dialog, code=302)
    browser_binding.bind(response, state, uri, runtime().settings.INSTAGRAM_STATE_TTL_SECONDS)
    return response


@api.route(instagram_bp, "/callback", "GET", "OAuth redirect target (no JWT)", auth=False,
           query=schemas.CallbackQuery, response=schemas.AccountEnvelope, status=201,
           errors=(422, 502, 503), description="Meta redirects the user's browser here; only "
           "the browser that opened the connect link gets further (400 browser_mismatch). "
           "Answers JSON when the client prefers it (curl does), a small HTML page for "
           "browsers.")
def callback(query):
    return answer_callback(query)


def answer_callback(query):
    """Meta's redirect, answered in JSON or HTML; the browser's connect cookie is dropped
    (it is scoped to the path Meta redirected to, this request's)."""
    response = _callback(query)
    browser_binding.release(response, query.state, request.base_url)
    return response


def _callback(query):
    wants_html = _wants_html()
    try:
        user_id, linked = connect.complete_authorization(query)
    except APIError as exc:
        if not wants_html:
            return handle_api_error(exc)
        return make_response(_html_page("Instagram not connected", exc.message), exc.status)
    owner = connect.platform_user(user_id)
    if wants_html:
        names = ", ".join(f"@{a.username}" for a in linked)
        return make_response(_html_page("Instagram connected", (
            f"Connected {names} to the platform account {owner['email']}. You can close this "
            "window. Not yours? Remove this app's access in Instagram (Settings, Apps and "
            "websites).")), 201)
    items = [connected.serialize(a) for a in linked]
    response, status = dump(schemas.AccountEnvelope, {"account": items[0], "accounts": items,
                                                      "connected_to": owner}, 201)
    response.status_code = status
    return response


def _wants_html():
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


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
    return dump(schemas.ProfileOut,
                read_profile(connected.get_owned(current_user_id(), query.account_id)))


def read_profile(account):
    """The account's profile read from Meta now (and saved on the account)."""
    with acting_as(account) as client:
        profile = client.get_account_info(
            None if account.login_type == "instagram" else account.platform_user_id)
    connected.save_profile(account, profile)
    return {"account_id": account.id, "ig_user_id": account.platform_user_id,
            "account_type": account.account_type, "synced_at": account.profile_synced_at,
            **{k: profile.get(k) for k in connected.PROFILE_FIELDS}}


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
    return disconnect_answer(connected.get_owned(current_user_id(), account_id))


def disconnect_answer(account):
    kept = connected.disconnect(account)
    return dump(schemas.DisconnectOut, {"disconnected": True, "account_id": account.id,
                                        "posts_kept": kept})
