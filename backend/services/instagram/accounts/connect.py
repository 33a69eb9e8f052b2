"""Connecting accounts: dialog URLs, the OAuth callback, and storing what Meta granted."""
import logging
from urllib.parse import urlencode, urljoin, urlparse

from flask import url_for

from backend.errors import APIError
from backend.extensions import db
from backend.models import User, utcnow
from backend.services.instagram.accounts import browser_binding, connected, oauth_state
from backend.services.instagram.core.clients import make_client
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.graph import errors as graph

log = logging.getLogger(__name__)

# Meta's account_type values, normalised; anything else is not a professional account.
PROFESSIONAL_TYPES = {"BUSINESS": "business", "MEDIA_CREATOR": "creator", "CREATOR": "creator"}
REQUIRED_SCOPE = {"instagram": "instagram_business_basic", "facebook": "instagram_basic"}


class ConnectError(APIError):
    status = 400
    code = "connect_failed"


def redirect_uri(callback="instagram.callback"):
    """The callback URL Meta redirects to: configured, or this platform's own URL (the view
    `callback`: the integration's callback, or the Sprint 2 API's)."""
    settings = runtime().settings
    uri = settings.INSTAGRAM_REDIRECT_URI or url_for(callback, _external=True)
    if not settings.INSTAGRAM_SANDBOX and urlparse(uri).scheme != "https":
        raise APIError("INSTAGRAM_REDIRECT_URI must be an https URL outside sandbox mode.",
                       code="redirect_uri_not_https", status=500)
    return uri


def start_authorization(user_id, login=None, callback="instagram.callback"):
    """A short-lived, single-use connect link for this user and flow.

    The link, opened in the browser that is to approve, sets the cookie the callback checks
    and leads on to Meta's dialog (see open_connect_link); Meta then redirects to the view
    `callback`, unless INSTAGRAM_REDIRECT_URI names another.
    """
    settings = runtime().settings
    login = login or settings.INSTAGRAM_DEFAULT_LOGIN
    uri = redirect_uri(callback)
    ticket, row = oauth_state.issue(user_id, oauth_state.START_PREFIX + login, uri,
                                    settings.INSTAGRAM_CONNECT_LINK_TTL_SECONDS)
    # On the callback's origin, so that the cookie the link sets reaches the callback.
    start_url = urljoin(uri, url_for("instagram.oauth_start", ticket=ticket))
    return {"start_url": start_url, "expires_at": row.expires_at, "login": login}


def open_connect_link(ticket):
    """Use the link's ticket once: (Meta's dialog URL, the state, the redirect URI)."""
    settings = runtime().settings
    link = oauth_state.consume_start_ticket(ticket)
    login = link.flow[len(oauth_state.START_PREFIX):]
    state, _row = oauth_state.issue(link.user_id, login, link.redirect_uri,
                                    settings.INSTAGRAM_STATE_TTL_SECONDS)
    return dialog_url(settings, login, state, link.redirect_uri), state, link.redirect_uri


def platform_user(user_id):
    """Who an account is connected to, as the callback page names them."""
    user = db.session.get(User, user_id)
    return {"user_id": user_id, "email": user.email if user else None}


def dialog_url(settings, login, state, uri):
    if login == "instagram":
        params = {"client_id": settings.INSTAGRAM_APP_ID, "redirect_uri": uri,
                  "response_type": "code", "scope": ",".join(settings.scopes(login)),
                  "state": state, "enable_fb_login": "0"}
        return f"{settings.INSTAGRAM_DIALOG_URL}/oauth/authorize?{urlencode(params)}"
    params = {"client_id": settings.INSTAGRAM_FACEBOOK_APP_ID, "redirect_uri": uri,
              "response_type": "code", "state": state}
    if settings.INSTAGRAM_FACEBOOK_CONFIG_ID:
        params["config_id"] = settings.INSTAGRAM_FACEBOOK_CONFIG_ID
    else:
        params["scope"] = ",".join(settings.scopes(login))
    version = settings.INSTAGRAM_GRAPH_VERSION
    return f"{settings.FACEBOOK_DIALOG_URL}/{version}/dialog/oauth?{urlencode(params)}"


def complete_authorization(query):
    """Handle Meta's redirect: consume the state, then connect what the user granted.

    Returns (user_id, [SNSAccount]). The state is consumed first, so a replay of the same
    redirect, even of a failed one, connects nothing.
    """
    row = oauth_state.consume(query.state)
    # After consuming: a redirect that reached another browser is spent, and connects nothing.
    browser_binding.check(query.state)
    if query.error:
        if query.error == "access_denied":
            raise ConnectError("You declined the authorisation on Instagram; nothing was "
                               "connected.", code="access_denied")
        raise ConnectError(f"Meta refused the authorisation ({query.error}): "
                           f"{query.error_description or query.error_reason or 'no reason'}.",
                           code="authorization_failed")
    if not query.code:
        raise ConnectError("The callback has neither a code nor an error.", code="missing_code")
    code = query.code.split("#")[0]
    try:
        if row.flow == "instagram":
            linked = [_connect_instagram(row, code)]
        else:
            linked = _connect_facebook(row, code)
    except graph.InstagramAPIError as exc:
        log.warning("connect failed for user %s: %s", row.user_id, exc)
        if isinstance(exc, graph.ResponseTooLargeError):  # a TransientError, never retried
            raise ConnectError("Instagram sent an answer too large to process while "
                               f"connecting; nothing was connected. {oauth_state.start_again()}",
                               code="instagram_response_too_large", status=502,
                               details=_meta_details(exc))
        if isinstance(exc, graph.TransientError):  # timeouts, the request's budget, 5xx
            raise ConnectError(f"{_unavailable(exc)}; nothing was connected. "
                               f"{oauth_state.start_again()}",
                               code="instagram_unavailable", status=503,
                               details=_meta_details(exc))
        raise ConnectError("Meta answered with an error while connecting: "
                           f"{exc.user_message or exc.message}", code="meta_error", status=502,
                           details=_meta_details(exc))
    return row.user_id, linked


def _unavailable(exc):
    """What a transient failure was, in words that are true of it."""
    if isinstance(exc, graph.CircuitOpenError):
        return "Instagram has been failing lately, so it was not called while connecting"
    if isinstance(exc, graph.DeadlineExceededError) or exc.reason == "slow_response":
        return "Instagram did not answer in time while connecting"
    if isinstance(exc, graph.NetworkError):
        return "Instagram could not be reached while connecting"
    return "Instagram failed while connecting"  # a 5xx or a transient Meta code


def _meta_details(exc):
    return {"meta_code": exc.code, "meta_subcode": exc.subcode, "fbtrace_id": exc.fbtrace_id,
            "category": exc.category}


def _exchange_code(client, code, uri):
    """The one step whose failure means the code itself is bad (used, expired, forged)."""
    try:
        return client.exchange_code(code, uri)
    except (graph.TransientError, graph.RateLimitError):
        raise
    except graph.InstagramAPIError as exc:
        raise ConnectError("Meta did not accept the authorisation code: it may have been "
                           f"used already or have expired. {oauth_state.start_again()}",
                           code="authorization_code_rejected", status=400,
                           details=_meta_details(exc))


def _connect_instagram(row, code):
    client = make_client("instagram")
    short = _exchange_code(client, code, row.redirect_uri)
    granted = set(short["permissions"])
    _require_basic(granted, "instagram")
    long = client.exchange_long_lived_token(short["access_token"])
    token = long["access_token"]
    profile = make_client("instagram", token).get_account_info()
    account_type = PROFESSIONAL_TYPES.get(str(profile.get("account_type", "")).upper())
    if account_type is None:
        raise ConnectError(
            "This Instagram account is a personal account. Only Business and Creator "
            "accounts can be connected: switch it to a professional account in the "
            "Instagram app (Settings > Account type and tools), then connect again.",
            code="personal_account_not_supported", status=422,
            details={"account_type": profile.get("account_type")})
    requested = set(runtime().settings.scopes("instagram"))
    return connected.upsert_connected(
        user_id=row.user_id, login_type="instagram",
        ig_user_id=str(profile.get("user_id") or short["user_id"]),
        app_scoped_id=str(profile.get("id") or "") or None, token=token,
        expires_in=long.get("expires_in"), profile=profile, account_type=account_type,
        granted=sorted(granted), declined=sorted(requested - granted))


def _connect_facebook(row, code):
    client = make_client("facebook")
    short = _exchange_code(client, code, row.redirect_uri)
    long = client.exchange_long_lived_token(short["access_token"])
    user_client = make_client("facebook", long["access_token"])
    perms = user_client.get_permissions()
    granted = set(perms["granted"])
    _require_basic(granted, "facebook")
    check = client.debug_token(long["access_token"])
    # The token must be valid and issued to this app, not one substituted from another app.
    if not check.get("is_valid") or str(check.get("app_id")) != str(
            runtime().settings.INSTAGRAM_FACEBOOK_APP_ID):
        raise ConnectError("Meta reports that the token is not valid for this app; connect "
                           "again.", code="token_not_for_this_app", status=502)
    data_access = check.get("data_access_expires_at")
    pages = [p for p in user_client.get_pages() if p.get("instagram_business_account")]
    if not pages:
        _blame_declined_page_access(perms["declined"])
        raise ConnectError(
            "None of your Facebook Pages has an Instagram professional account linked. Link "
            "your Business or Creator account to a Page (Instagram app > Settings > Account "
            "type and tools, or the Page's settings), then connect again.",
            code="no_instagram_business_account", status=422)
    linked = []
    for page in pages:
        ig_id = str(page["instagram_business_account"]["id"])
        page_client = make_client("facebook", page["access_token"])
        profile = page_client.get_account_info(ig_id)
        linked.append(connected.upsert_connected(
            user_id=row.user_id, login_type="facebook", ig_user_id=ig_id, app_scoped_id=None,
            token=page["access_token"], expires_in=None, profile=profile,
            account_type="professional", granted=sorted(granted),
            declined=sorted(perms["declined"]), page=page,
            data_access_expires_in=_seconds_until(data_access)))
    return linked


# Without these, Meta hides the Pages (and so the Instagram accounts linked to them): a
# connect that finds nothing must say this first (lessons 18).
PAGE_ACCESS = {"pages_show_list": "see the list of your Pages",
               "pages_read_engagement": "read your Pages and the Instagram account linked "
                                        "to them",
               "business_management": "see Pages you manage through a Business portfolio"}


def _blame_declined_page_access(declined):
    missing = [p for p in PAGE_ACCESS if p in set(declined)]
    if missing:
        raise ConnectError(
            "You did not allow the app to " + " or ".join(PAGE_ACCESS[p] for p in missing)
            + f" ({', '.join(missing)}), so no Instagram account could be found: Instagram "
            "professional accounts are reached through the Facebook Page they are linked to. "
            "Connect again and, in Facebook's dialog, choose \"Edit access\" and allow "
            "it.", code="pages_permission_declined", status=422,
            details={"declined": missing})


def _seconds_until(epoch):
    if not epoch:
        return None
    return max(0, int(epoch) - int(utcnow().timestamp()))


def _require_basic(granted, login):
    needed = REQUIRED_SCOPE[login]
    if needed not in granted:
        raise ConnectError(f"The permission {needed} was not granted; the account cannot be "
                           "connected without it. Connect again and allow it.",
                           code="required_permission_declined", status=422,
                           details={"missing": [needed]})
