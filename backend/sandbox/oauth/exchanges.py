"""Token endpoints: code exchanges, long-lived exchanges and the Instagram refresh."""
import hmac

from ..core.context import get_state, request_params
from ..core.errors import GraphError, OAuthHostError, bad_client_secret, missing_parameter
from ..core.hosts import FB_GRAPH, IG_GRAPH, IG_OAUTH, add_route
from .auth import authenticate, check_app_token, lookup, scopes_of, token_problem
from .scopes import IG_REQUIRED
from .tokens import FB_LONG, FB_SHORT, IG_LONG, IG_SHORT

MIN_REFRESH_AGE = 24 * 3600
NO_MATCHING_CODE = "Matching code was not found or was already used"


def _bearer(token, now):
    return {"access_token": token.value, "token_type": "bearer",
            "expires_in": token.expires_in(now)}


def _secret_ok(given, expected):
    return given is not None and hmac.compare_digest(given, expected)


def instagram_code_exchange():
    """POST api.instagram.com/oauth/access_token (Instagram Login step 2)."""
    state, params = get_state(), request_params()
    settings = state.settings
    for name in ("client_id", "client_secret", "grant_type", "redirect_uri", "code"):
        if not params.get(name):
            raise OAuthHostError(f"You must provide a {name}")
    if params["client_id"] != settings["app_id"]:
        raise OAuthHostError("Invalid platform app")
    if params["grant_type"] != "authorization_code":
        raise OAuthHostError("Unsupported grant_type")
    code = state.tokens.codes.get(params["code"])
    now = state.now()
    # Meta answers a wrong secret, a different redirect_uri and an expired code alike.
    if (code is None or code.used or code.facebook or code.client_id != params["client_id"]
            or now >= code.expires_at or code.redirect_uri != params["redirect_uri"]
            or not _secret_ok(params["client_secret"], settings["app_secret"])):
        raise OAuthHostError(NO_MATCHING_CODE)
    code.used = True
    token = state.tokens.issue(IG_SHORT, code.client_id, code.subject_id, now,
                               settings["short_lived_seconds"])
    permissions = ",".join(scopes_of(token))
    if settings["flat_token_response"]:
        return {"access_token": token.value, "user_id": int(code.subject_id),
                "permissions": permissions}
    return {"data": [{"access_token": token.value, "user_id": code.subject_id,
                      "permissions": permissions}]}


def instagram_long_lived():
    """GET graph.instagram.com/access_token?grant_type=ig_exchange_token (60-day token)."""
    state, params = get_state(), request_params()
    if params.get("grant_type") != "ig_exchange_token":
        raise GraphError(100, "(#100) Unsupported grant_type: expected ig_exchange_token")
    if not params.get("client_secret"):
        raise missing_parameter("client_secret")
    if not _secret_ok(params["client_secret"], state.settings["app_secret"]):
        raise bad_client_secret()
    token = authenticate()
    if token.kind != IG_SHORT:
        raise GraphError(100, "(#100) Only a short-lived Instagram User access token can be "
                              "exchanged for a long-lived one")
    now = state.now()
    long = state.tokens.issue(IG_LONG, token.app_id, token.subject_id, now,
                              state.settings["long_lived_seconds"])
    return _bearer(long, now)


def instagram_refresh():
    """GET graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token."""
    state, params = get_state(), request_params()
    if params.get("grant_type") != "ig_refresh_token":
        raise GraphError(100, "(#100) Unsupported grant_type: expected ig_refresh_token")
    token = authenticate()
    if token.kind != IG_LONG:
        raise GraphError(100, "(#100) Only long-lived Instagram User access tokens can be "
                              "refreshed")
    if IG_REQUIRED not in scopes_of(token):
        raise GraphError(10, f"(#10) Refreshing requires the {IG_REQUIRED} permission")
    now = state.now()
    if now - token.issued_at < MIN_REFRESH_AGE:
        code = state.settings["refresh_too_young_code"]
        prefix = "Error validating access token: " if code == 190 else f"(#{code}) "
        raise GraphError(code, prefix + "The access token can only be refreshed once it is at "
                                        "least 24 hours old")
    new = state.tokens.issue(IG_LONG, token.app_id, token.subject_id, now,
                             state.settings["long_lived_seconds"])
    return _bearer(new, now)


def facebook_access_token():
    """GET graph.facebook.com/oauth/access_token: code, fb_exchange_token, client_credentials."""
    state, params = get_state(), request_params()
    app_id, secret = state.settings.fb_app_id, state.settings.fb_app_secret
    if not params.get("client_id"):
        raise GraphError(101, "Missing client_id parameter.")
    if params["client_id"] != app_id:
        raise GraphError(101, "Error validating application. Invalid application ID.")
    if not _secret_ok(params.get("client_secret"), secret):
        raise bad_client_secret()
    grant_type = params.get("grant_type")
    if grant_type == "client_credentials":
        return {"access_token": f"{app_id}|{secret}", "token_type": "bearer"}
    if grant_type == "fb_exchange_token":
        return _facebook_long_lived(state, params)
    return _facebook_code(state, params)


def _facebook_long_lived(state, params):
    value = params.get("fb_exchange_token")
    if not value:
        raise missing_parameter("fb_exchange_token")
    if "|" in value and check_app_token(value, state, FB_GRAPH):
        raise GraphError(100, "(#100) Only user access tokens can be exchanged")
    token = lookup(value, state, FB_GRAPH)
    problem = token_problem(token, state)
    if problem is not None:
        raise problem
    if not token.is_user:
        raise GraphError(100, "(#100) Only user access tokens can be exchanged")
    now = state.now()
    long = state.tokens.issue(FB_LONG, token.app_id, token.subject_id, now,
                              state.settings["long_lived_seconds"])
    return _bearer(long, now)


def _facebook_code(state, params):
    if not params.get("redirect_uri"):
        raise missing_parameter("redirect_uri")
    if not params.get("code"):
        raise missing_parameter("code")
    code, now = state.tokens.codes.get(params["code"]), state.now()
    if code is None or not code.facebook or code.client_id != params["client_id"]:
        raise GraphError(100, "Invalid verification code format.")
    if code.used:
        raise GraphError(100, "This authorization code has been used.", 36009)
    if now >= code.expires_at:
        raise GraphError(100, "This authorization code has expired.", 36007)
    if code.redirect_uri != params["redirect_uri"]:
        raise GraphError(100, "Error validating verification code. Please make sure your "
                              "redirect_uri is identical to the one you used in the OAuth "
                              "dialog request", 36008)
    code.used = True
    token = state.tokens.issue(FB_SHORT, code.client_id, code.subject_id, now,
                               state.settings["fb_user_token_seconds"])
    return _bearer(token, now)


def init_app(app):
    add_route(app, (IG_OAUTH,), "/oauth/access_token", instagram_code_exchange, ("POST",))
    add_route(app, (IG_GRAPH,), "/access_token", instagram_long_lived)
    add_route(app, (IG_GRAPH,), "/refresh_access_token", instagram_refresh)
    add_route(app, (FB_GRAPH,), "/oauth/access_token", facebook_access_token, ("GET", "POST"))
