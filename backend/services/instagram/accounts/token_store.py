"""The token store: every read and write of an account's access token passes through here.

Writes are compare-and-set on `SNSAccount.token_version`, which every new token (connect,
refresh, disconnect) bumps: a writer that started from an older token changes nothing and
is logged. So a refresh in flight cannot put a token back into an account the user has just
disconnected, cannot overwrite a newer reconnect's token, and a job that used an old token
cannot mark a freshly reconnected account as needing re-authentication.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import bindparam, func, update

from backend.extensions import db
from backend.models import SNSAccount, utcnow
from backend.services.instagram.accounts.crypto import TokenKeyError
from backend.services.instagram.core import signals
from backend.services.instagram.core.leases import one_statement, release_values
from backend.services.instagram.core.clients import error_record, make_client
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.graph import errors as graph

log = logging.getLogger(__name__)


class TokenUnreadable(graph.AuthError):
    """The stored token cannot be decrypted with the configured keys: connect again."""

    reason = "token_unreadable"


@dataclass(frozen=True)
class HeldToken:
    """A decrypted token and the version it was read at (for compare-and-set writes)."""

    account_id: int
    value: str
    version: int


def load(account):
    """The account's token as a HeldToken.

    Raises graph.AuthError when the account has no token (disconnected) and TokenUnreadable
    when it cannot be decrypted; the latter also marks the account needs_reauth, with a
    message saying what happened, since no job can do anything for it until it reconnects.
    """
    version = account.token_version or 0
    if not account.access_token_encrypted:
        raise graph.AuthError("The account is disconnected; connect it again.", code=190,
                              reason="disconnected")
    try:
        value = runtime().cipher.decrypt(account.access_token_encrypted)
    except TokenKeyError:
        exc = TokenUnreadable(
            "The stored access token of this account cannot be decrypted with the configured "
            "keys (INSTAGRAM_TOKEN_KEYS changed without keeping the old key?). Connect the "
            "account again.", reason="token_unreadable")
        mark_needs_reauth(account, exc, version=version)
        raise exc from None
    return HeldToken(account.id, value, version)


def seal(token):
    """Ciphertext of a token under the newest key."""
    return runtime().cipher.encrypt(token)


def _write(account, version, values, what):
    """UPDATE the account when its token is still at `version`; True when written."""
    table = SNSAccount.__table__
    stmt = update(table).where(table.c.id == account.id)
    if version is not None:
        stmt = stmt.where(table.c.token_version == version)
    result = db.session.execute(stmt.values(**values).execution_options(
        synchronize_session=False))
    db.session.commit()  # also expires the loaded account, so its next read is fresh
    return _written(result, account, version, what)


def _written(result, account, version, what):
    if result.rowcount != 1:
        log.info("token store: %s of account %s skipped: its token changed since version %s",
                 what, account.id, version)
        return False
    return True


def save_refreshed(held, account, token, expires_in, lease=None):
    """Store a refreshed token, only if the account still holds the one refreshed; True
    when stored. `expires_in`: seconds, or None when Meta did not say (the expiry is kept).

    One UPDATE by itself on a connection of its own, committed at once (the refresh ended
    the session's transaction before calling Meta). With the account's `lease`, whose work
    this write ends, the same UPDATE releases it (leases.release_values).
    """
    now = utcnow()
    params = {"account_id": account.id, "version": held.version, "ciphertext": seal(token),
              "now": now, "owner": None if lease is None else lease.owner,
              "expires_at": now + timedelta(seconds=int(expires_in)) if expires_in else None}
    with one_statement() as connection:
        result = connection.execute(_refresh_statement(), params)
    if account in db.session:
        db.session.expire(account)  # its next read is fresh, as after a commit
    written = _written(result, account, held.version, "refresh")
    if written and lease is not None:
        lease.released()
    return written


@lru_cache(maxsize=None)
def _refresh_statement():
    """save_refreshed's compare-and-set UPDATE, built once: building and keying it took more
    CPU than running it. It binds account_id, version, ciphertext, now, expires_at (NULL
    keeps the expiry) and owner (the lease to release; NULL releases none)."""
    c = SNSAccount.__table__.c
    stamp = bindparam("now", type_=c.token_issued_at.type)
    return (update(SNSAccount.__table__)
            .where(c.id == bindparam("account_id"))
            .where(c.token_version == bindparam("version"))
            .values(access_token_encrypted=bindparam("ciphertext"),
                    token_version=c.token_version + 1, token_issued_at=stamp,
                    token_refreshed_at=stamp, refresh_failures=0,
                    last_error=bindparam("no_error", None, type_=c.last_error.type),
                    token_expires_at=func.coalesce(
                        bindparam("expires_at", type_=c.token_expires_at.type),
                        c.token_expires_at),
                    **release_values(SNSAccount.__table__,
                                     bindparam("owner", type_=c.lease_owner.type))))


def connect(account, token, expires_in, **fields):
    """A new authorisation always wins: set the token and bump the version (ORM row)."""
    now = utcnow()
    account.access_token_encrypted = seal(token)
    account.token_version = SNSAccount.token_version + 1 if account.id else 1
    account.token_issued_at = now
    account.token_refreshed_at = None
    account.token_expires_at = None if expires_in is None else now + timedelta(
        seconds=int(expires_in))
    for key, value in fields.items():
        setattr(account, key, value)


def clear(account):
    """Disconnect: forget the token whatever its version, so nothing can write it back."""
    table = SNSAccount.__table__
    _write(account, None, {"access_token_encrypted": None,
                           "token_version": table.c.token_version + 1,
                           "status": "disconnected", "disconnected_at": utcnow()},
           "disconnect")


def mark_needs_reauth(account, exc, *, version):
    """Meta refused the token read at `version`: mark the account, unless it has a newer one."""
    record = error_record(exc)
    written = _write(account, version, {"status": "needs_reauth", "last_error": record},
                     "needs_reauth")
    if written:
        signals.account_needs_reauth.send(current_app._get_current_object(), account=account,
                                          error=record)
    return written


def record_refresh_failure(account, exc, *, version):
    """Count a failed refresh of the token read at `version`."""
    table = SNSAccount.__table__
    return _write(account, version, {"refresh_failures": table.c.refresh_failures + 1,
                                     "last_error": error_record(exc)}, "refresh failure")


def rotate(account, cipher):
    """Re-encrypt the stored token under the newest key; False when unreadable or changed."""
    version = account.token_version or 0
    try:
        ciphertext = cipher.rotate(account.access_token_encrypted)
    except TokenKeyError:
        return False
    return _write(account, version, {"access_token_encrypted": ciphertext}, "key rotation")


def client_for(account, held=None, app=None):
    """An InstagramAPI client acting as the account (the token decrypted just for it)."""
    held = held or load(account)
    return make_client(account.login_type, held.value, app)


@contextmanager
def acting_as(account):
    """Yield a client for the account; Meta's re-auth answer marks the account needs_reauth
    (compare-and-set: not if it was reconnected meanwhile)."""
    held = load(account)
    client = make_client(account.login_type, held.value)
    try:
        yield client
    except graph.AuthError as exc:
        mark_needs_reauth(account, exc, version=held.version)
        raise
