"""The caller's JWT, decoded once per request and shared by the rate limiter and the views.

Flask-JWT-Extended decodes the token again on every `verify_jwt_in_request`; the limiter's
key function runs once per limit and the endpoint registry verifies again, so a request
paid for three decodes. Here the first asker decodes (optionally), the outcome is kept on
`g`, and later askers reuse it: a valid token is not decoded again, an invalid one raises
the same error to whoever requires it.
"""
from flask import g
from flask_jwt_extended import get_jwt, get_jwt_identity, verify_jwt_in_request

_UNSET = object()


def _check():
    outcome = g.get("_identity_checked", _UNSET)
    if outcome is _UNSET:
        try:
            verify_jwt_in_request(optional=True)
            # OPTIONS is exempt: verify returns without setting any token context, and
            # reading the identity would raise (a 500 on every OPTIONS request).
            get_jwt()
            outcome = None
        except Exception as exc:  # kept for whoever requires the JWT; the limiter ignores it
            outcome = exc
        g._identity_checked = outcome
    return outcome


def optional_identity():
    """The JWT's identity, or None without a valid token (never raises)."""
    if _check() is not None:
        return None
    return get_jwt_identity()


def require_jwt():
    """Raise what Flask-JWT-Extended raises unless the request carries a valid JWT."""
    error = _check()
    if error is not None:
        raise error
    if not get_jwt():
        verify_jwt_in_request()  # no token: raises NoAuthorizationError without decoding


def cached_user_id():
    """The identity when this request's JWT was already decoded; never decodes (logging)."""
    outcome = g.get("_identity_checked", _UNSET)
    if outcome is _UNSET or outcome is not None:
        return None
    return get_jwt_identity()
