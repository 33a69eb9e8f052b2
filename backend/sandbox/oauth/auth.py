"""Who is calling: the access token in any of Meta's places, its checks and appsecret_proof."""
import hashlib
import hmac

from flask import g, request

from ..core.context import get_state, meta_host, request_params, use_account
from ..core.errors import (GraphError, cannot_parse_token, missing_token, session_invalid,
                           token_expired, unknown_token)
from ..core.hosts import FB_GRAPH, IG_GRAPH
from .scopes import CAPABILITY_SCOPES

APP_TOKEN = "app"
_PREFIXES = {IG_GRAPH: "IG", FB_GRAPH: "EAA"}


def presented_token():
    """The token from `access_token` (query, form or JSON) or `Authorization: Bearer|OAuth`."""
    value = request_params().get("access_token")
    if not value:
        scheme, _, rest = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() in ("bearer", "oauth"):
            value = rest.strip()
    return value or None


def host_app(state, host):
    """(app id, app secret) of the app behind a host: Facebook Login or Instagram Login."""
    return state.settings.app_for(facebook=host == FB_GRAPH)


def check_app_token(value, state, host):
    """True for `<app_id>|<app_secret>` of this host's app; 190 for a wrong secret."""
    app_id, secret = host_app(state, host)
    given_id, _, given_secret = value.partition("|")
    if given_id == app_id and hmac.compare_digest(given_secret, secret):
        return True
    raise GraphError(190, "Invalid OAuth access token signature.")


def token_problem(token, state):
    """The error a call with this (issued) token gets, or None when it is usable."""
    if token.invalid_subcode is not None:
        return session_invalid(token.invalid_subcode, token.app_id)
    now = state.now()
    if token.expired(now):
        return token_expired(token.expires_at, now)
    return None


def lookup(value, state, host):
    """The issued token for `value` on `host`, or the 190 error a client would get."""
    token = state.tokens.get(value)
    if token is None:
        if value.startswith(_PREFIXES[host]):
            raise unknown_token(host)
        raise cannot_parse_token()
    if token.host != host:
        raise cannot_parse_token()
    return token


def authenticate(allow_app=False):
    """Check the call's token and return it (or APP_TOKEN when `allow_app`).

    On graph.instagram.com the call is charged to the token's Instagram account.
    """
    state, host = get_state(), meta_host()
    value = presented_token()
    if not value:
        raise missing_token()
    if "|" in value:
        if host == FB_GRAPH and check_app_token(value, state, host):
            if allow_app:
                return APP_TOKEN
            raise GraphError(2500, "An active access token must be used to query information "
                                   "about the current user.")
        raise cannot_parse_token()
    token = lookup(value, state, host)
    problem = token_problem(token, state)
    if problem is not None:
        raise problem
    if host == FB_GRAPH:
        check_appsecret_proof(value, state)
    g.sandbox_token = token
    if host == IG_GRAPH:
        use_account(state.accounts.find(token.subject_id))
    return token


def check_appsecret_proof(value, state):
    """Verify `appsecret_proof` (hex HMAC-SHA256 of the token keyed by the app secret)."""
    proof = request_params().get("appsecret_proof")
    if proof is None:
        if state.settings["require_appsecret_proof"]:
            raise GraphError(100, "API calls from the server require an appsecret_proof "
                                  "argument", error_type="GraphMethodException")
        return
    secret = state.settings.fb_app_secret
    expected = hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(proof.lower(), expected):
        raise GraphError(100, "Invalid appsecret_proof provided in the API argument",
                         error_type="GraphMethodException")


def scopes_of(token):
    return get_state().tokens.grant_of(token).granted


def require_scope(token, scope):
    """Raise a permission error unless the token's user granted `scope`."""
    if scope not in scopes_of(token):
        raise GraphError(10, f"(#10) Application does not have permission for this action: "
                             f"{scope} is required")


def require_capability(token, capability):
    """Raise code 10 unless the token's grant has the permission `capability` ("publish",
    "insights") needs on the token's login."""
    login = "instagram" if token.host == IG_GRAPH else "facebook"
    require_scope(token, CAPABILITY_SCOPES[capability][login])
