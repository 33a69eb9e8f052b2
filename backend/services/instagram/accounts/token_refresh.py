"""Keeping tokens alive: early refresh of Instagram-Login tokens, as a job and on demand."""
import logging
from datetime import timedelta

from backend.errors import APIError
from backend.extensions import db
from backend.models import SNSAccount, utcnow
from backend.services.instagram.core import leases
from backend.services.instagram.core.clients import (account_client,
                                                     error_record,
                                                     mark_needs_reauth)
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.graph import errors as graph

log = logging.getLogger(__name__)

MIN_AGE = timedelta(hours=24)  # Meta refuses to refresh a younger token


class RefreshRefused(APIError):
    status = 409
    code = "refresh_not_possible"


def refresh_account(account):
    """Refresh one account's long-lived token now; returns the outcome as a dict.

    Meta only refreshes unexpired Instagram-Login tokens at least 24 hours old; Facebook
    Page tokens do not expire. Those cases are refused here, without a call to Meta.
    """
    now = utcnow()
    if account.login_type != "instagram":
        raise RefreshRefused("Facebook Login accounts use Page tokens, which do not expire; "
                             "there is nothing to refresh.", code="refresh_not_needed")
    if account.status == "needs_reauth" or (account.token_expires_at is not None
                                            and account.token_expires_at <= now):
        raise RefreshRefused("The token has expired or was revoked; connect the account "
                             "again.", code="reauth_required")
    if now - account.token_issued_at < MIN_AGE:
        ready = account.token_issued_at + MIN_AGE
        raise RefreshRefused("Instagram only refreshes tokens at least 24 hours old; this "
                             f"one can be refreshed after {ready.isoformat()}.",
                             code="token_too_young", details={"refresh_after": ready})
    client = account_client(account)
    try:
        fresh = client.refresh_access_token(client.access_token)
    except graph.AuthError as exc:
        if _still_valid(client):
            _record_failure(account, exc)
            raise
        mark_needs_reauth(account, exc)
        raise
    except graph.InstagramAPIError as exc:
        _record_failure(account, exc)
        raise
    account.access_token_encrypted = runtime().cipher.encrypt(fresh["access_token"])
    account.token_issued_at = now
    account.token_refreshed_at = now
    account.token_expires_at = now + timedelta(seconds=int(fresh.get("expires_in") or 0)) \
        if fresh.get("expires_in") else account.token_expires_at
    account.refresh_failures = 0
    account.last_error = None
    db.session.commit()
    log.info("refreshed token of account %s, expires %s", account.id, account.token_expires_at)
    return {"account_id": account.id, "refreshed": True,
            "token_expires_at": account.token_expires_at,
            "message": "The token was refreshed."}


def _still_valid(client):
    """After a 190 on refresh, ask /me: a working token was refused for another reason."""
    try:
        client.get_account_info(fields=("user_id",))
        return True
    except graph.InstagramAPIError:
        return False


def _record_failure(account, exc):
    account.refresh_failures = (account.refresh_failures or 0) + 1
    account.last_error = error_record(exc)
    db.session.commit()
    log.warning("token refresh of account %s failed (%s time(s)): code %s", account.id,
                account.refresh_failures, exc.code)


def due_accounts(now, days_left):
    """Instagram-Login accounts whose token is old enough and close enough to expiry."""
    return db.session.execute(
        db.select(SNSAccount.id)
        .filter_by(platform="instagram", login_type="instagram", status="active")
        .where(SNSAccount.token_expires_at.is_not(None))
        .where(SNSAccount.token_expires_at > now)
        .where(SNSAccount.token_expires_at <= now + timedelta(days=days_left))
        .where(SNSAccount.token_issued_at <= now - MIN_AGE)
        .order_by(SNSAccount.token_expires_at)).scalars().all()


def refresh_due_tokens(app):
    """Scheduler job: refresh every due token, each under a lease so one process does it."""
    settings = runtime(app).settings
    done = failed = 0
    for account_id in due_accounts(utcnow(), settings.INSTAGRAM_REFRESH_DAYS_LEFT):
        if not leases.claim(SNSAccount, account_id, settings.INSTAGRAM_LEASE_SECONDS):
            continue
        try:
            account = db.session.get(SNSAccount, account_id)
            refresh_account(account)
            done += 1
        except (graph.InstagramAPIError, APIError) as exc:
            failed += 1
            log.warning("token refresh job: account %s not refreshed: %s", account_id,
                        getattr(exc, "code", type(exc).__name__))
        finally:
            db.session.rollback()
            leases.release(SNSAccount, account_id)
    if done or failed:
        log.info("token refresh job: %d refreshed, %d failed", done, failed)
    return {"refreshed": done, "failed": failed}
