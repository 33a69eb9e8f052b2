"""OAuth state: random, bound to the user and the flow, short-lived and single use.

A connect has two secrets, both stored as SHA-256 hashes only, both used once:
- the start ticket of the link the API hands out (flow "start:<login>", short-lived): it
  must be opened in the browser that is to approve, where it becomes
- the state sent to Meta (flow "<login>"), which the callback consumes.
"""
import hashlib
import secrets
from datetime import timedelta

from flask import has_request_context, request, url_for
from sqlalchemy import update
from werkzeug.routing import BuildError

from backend.errors import APIError
from backend.extensions import db
from backend.models import OAuthState, utcnow

START_PREFIX = "start:"


class StateError(APIError):
    status = 400
    code = "invalid_state"


def _digest(value):
    return hashlib.sha256(value.encode()).hexdigest()


def issue(user_id, flow, redirect_uri, ttl_seconds):
    """Create a state (or, with flow "start:<login>", a start ticket) for this user and flow;
    only its hash is stored."""
    value = secrets.token_urlsafe(32)
    now = utcnow()
    row = OAuthState(state_hash=_digest(value), user_id=user_id, flow=flow,
                     redirect_uri=redirect_uri, created_at=now,
                     expires_at=now + timedelta(seconds=ttl_seconds))
    db.session.add(row)
    # Old states are useless: drop this user's expired ones while we are here.
    db.session.execute(db.delete(OAuthState).where(OAuthState.user_id == user_id)
                       .where(OAuthState.expires_at < now - timedelta(days=1)))
    db.session.commit()
    return value, row


def start_again():
    """"Start again from POST <path>.": where the flow whose callback this is began (the
    Sprint 2 connect for its callback, else the integration's own authorize), at the paths
    the blueprint is registered at."""
    if has_request_context() and request.blueprint:
        view = ("v1_connect" if (request.endpoint or "").endswith(".v1_callback")
                else "authorize")
        try:
            return f"Start again from POST {url_for(f'{request.blueprint}.{view}')}."
        except BuildError:
            pass
    return "Start again from POST /api/sns/instagram/oauth/authorize."


# "{again}" is start_again(), filled in when the problem is answered.
STATE_PROBLEMS = {
    "missing": ("The OAuth state is missing. {again}", "invalid_state"),
    "unknown": ("The OAuth state is not one this platform issued. {again}", "invalid_state"),
    "used": ("This OAuth state was already used. {again}", "state_already_used"),
    "expired": ("The OAuth state has expired (it is valid for a few minutes). {again}",
                "state_expired")}
NEW_LINK = "Ask the platform for a new connect link (POST /oauth/authorize)."
TICKET_PROBLEMS = {
    "missing": (f"The connect link has no ticket. {NEW_LINK}", "connect_link_invalid"),
    "unknown": (f"This connect link is not one this platform issued. {NEW_LINK}",
                "connect_link_invalid"),
    "used": ("This connect link was already opened; each works once, in one browser. "
             + NEW_LINK, "connect_link_used"),
    "expired": ("This connect link has expired (it works for a few minutes only). "
                + NEW_LINK, "connect_link_expired")}


def consume(state):
    """Mark the state used and return its row; forged, expired or replayed states raise."""
    return _use_once(state, start=False, problems=STATE_PROBLEMS)


def consume_start_ticket(ticket):
    """Mark a connect link's ticket used and return its row (flow "start:<login>")."""
    return _use_once(ticket, start=True, problems=TICKET_PROBLEMS)


def _use_once(value, *, start, problems):
    """The row, marked used, when `value` was unused and unexpired; else StateError.

    The UPDATE ... WHERE used_at IS NULL makes use-once hold under concurrent requests. A
    ticket is never accepted as a state, nor a state as a ticket.
    """
    row, problem = _mark_used(value, start) if value else (None, "missing")
    if row is None:
        message, code = problems[problem]
        raise StateError(message.replace("{again}", start_again()), code=code)
    return row


def _mark_used(value, start):
    now, digest = utcnow(), _digest(value)
    kind = OAuthState.flow.startswith(START_PREFIX)
    result = db.session.execute(
        update(OAuthState).where(OAuthState.state_hash == digest)
        .where(kind if start else ~kind)
        .where(OAuthState.used_at.is_(None)).where(OAuthState.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False))
    db.session.commit()
    row = db.session.execute(db.select(OAuthState).filter_by(state_hash=digest)) \
        .scalar_one_or_none()
    if result.rowcount == 1 and row is not None:
        return row, None
    if row is None or row.flow.startswith(START_PREFIX) != start:
        return None, "unknown"
    return None, "used" if row.used_at is not None else "expired"
