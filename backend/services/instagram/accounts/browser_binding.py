"""Binds a connect to the browser that opened its link: a cookie that the callback checks.

Without it, the state proves who asked but not where the approval happens: an authorize URL
sent to someone else and approved there would connect their Instagram account to the
sender. The cookie is set only by the single-use start link, and holds an HMAC of the state
under the app's secret, so neither the state nor Meta's redirect URL can forge it.
"""
import hashlib
import hmac
from urllib.parse import urlsplit

from flask import current_app, request

from backend.errors import APIError

COOKIE_PREFIX = "ig_connect_"
_PURPOSE = b"instagram-connect-browser\x00"


def _cookie_name(state):
    # One cookie per flow, so two connects started in one browser do not undo each other.
    return COOKIE_PREFIX + hashlib.sha256(state.encode()).hexdigest()[:16]


def _proof(state):
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, _PURPOSE + state.encode(), hashlib.sha256).hexdigest()


def bind(response, state, redirect_uri, max_age):
    """Set the cookie, scoped to the callback's path, on the start link's redirect."""
    response.set_cookie(_cookie_name(state), _proof(state), max_age=max_age,
                        path=urlsplit(redirect_uri).path or "/", httponly=True,
                        secure=urlsplit(redirect_uri).scheme == "https", samesite="Lax")


def check(state):
    """Raise unless this request carries the cookie of the browser that started `state`."""
    sent = request.cookies.get(_cookie_name(state or ""))
    if not state or not sent or not hmac.compare_digest(sent, _proof(state)):
        raise APIError(
            "This connection was started in another browser. Connecting works only in the "
            "browser that opened the connect link from the platform: ask for a new link "
            "(POST /oauth/authorize) and open it in this browser.",
            code="browser_mismatch", status=400)


def release(response, state, redirect_uri):
    """Drop the cookie once the callback has used it (whatever the outcome)."""
    if state:
        response.delete_cookie(_cookie_name(state), path=urlsplit(redirect_uri).path or "/")
