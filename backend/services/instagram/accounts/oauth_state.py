"""OAuth state: random, bound to the user and the flow, short-lived and single use."""
import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import update

from backend.errors import APIError
from backend.extensions import db
from backend.models import OAuthState, utcnow


class StateError(APIError):
    status = 400
    code = "invalid_state"


def _digest(state):
    return hashlib.sha256(state.encode()).hexdigest()


def issue(user_id, flow, redirect_uri, ttl_seconds):
    """Create a state for this user and flow; only its hash is stored."""
    state = secrets.token_urlsafe(32)
    now = utcnow()
    row = OAuthState(state_hash=_digest(state), user_id=user_id, flow=flow,
                     redirect_uri=redirect_uri, created_at=now,
                     expires_at=now + timedelta(seconds=ttl_seconds))
    db.session.add(row)
    # Old states are useless: drop this user's expired ones while we are here.
    db.session.execute(db.delete(OAuthState).where(OAuthState.user_id == user_id)
                       .where(OAuthState.expires_at < now - timedelta(days=1)))
    db.session.commit()
    return state, row


def consume(state):
    """Mark the state used and return its row; forged, expired or replayed states raise.

    The UPDATE ... WHERE used_at IS NULL makes use-once hold under concurrent callbacks.
    """
    if not state:
        raise StateError("The OAuth state is missing. Start again from /oauth/authorize.")
    now = utcnow()
    digest = _digest(state)
    result = db.session.execute(
        update(OAuthState).where(OAuthState.state_hash == digest)
        .where(OAuthState.used_at.is_(None)).where(OAuthState.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False))
    db.session.commit()
    row = db.session.execute(db.select(OAuthState).filter_by(state_hash=digest)) \
        .scalar_one_or_none()
    if result.rowcount == 1 and row is not None:
        return row
    if row is None:
        raise StateError("The OAuth state is not one this platform issued.")
    if row.used_at is not None:
        raise StateError("This OAuth state was already used. Start again from "
                         "/oauth/authorize.", code="state_already_used")
    raise StateError("The OAuth state has expired (it is valid for a few minutes). Start "
                     "again from /oauth/authorize.", code="state_expired")
