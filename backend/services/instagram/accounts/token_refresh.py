"""Keeping tokens alive: early refresh of Instagram-Login tokens, as a job and on demand."""
import logging
from datetime import timedelta

from flask import current_app

from backend.errors import APIError
from backend.extensions import db
from backend.models import SNSAccount, utcnow
from backend.services.instagram.accounts import token_store
from backend.services.instagram.core import leases, signals
from backend.services.instagram.core.clients import make_client
from backend.services.instagram.core.row_jobs import (StopRows, internal_error_record,
                                                      work_on_rows)
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.graph import errors as graph
from backend.services.instagram.graph.usage import APP_ACCOUNT

log = logging.getLogger(__name__)

MIN_AGE = timedelta(hours=24)  # Meta refuses to refresh a younger token
# The circuit breaker refused the call (no call reached Meta), or Meta throttles (the
# account or the app): not a failure of the token, and nothing to tell its user.
NOT_THE_TOKEN = (graph.CircuitOpenError, graph.RateLimitError)


class RefreshRefused(APIError):
    status = 409
    code = "refresh_not_possible"


def refresh_account(account, lease=None):
    """Refresh one account's long-lived token now; returns the outcome as a dict.

    Meta only refreshes unexpired Instagram-Login tokens at least 24 hours old; Facebook
    Page tokens do not expire. Those cases are refused here (RefreshRefused), without a
    call to Meta; Meta's refusals raise graph.InstagramAPIError subclasses. With the
    account's `lease`, storing the new token also releases it.
    """
    _refresh(account, lease)
    return {"account_id": account.id, "refreshed": True,
            "token_expires_at": account.token_expires_at,
            "message": "The token was refreshed."}


def _refresh(account, lease=None):
    """refresh_account without its answer, which reads the account again (the job needs
    none: a read per token saved)."""
    now = utcnow()
    account_id = account.id
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
    held = token_store.load(account)
    client = token_store.client_for(account, held)
    _end_read_transaction()
    metrics = runtime().metrics
    try:
        fresh = client.refresh_access_token(held.value)
    except graph.AuthError as exc:
        if _still_valid(client):
            _record_failure(account, exc, held)
            raise
        metrics.token_refresh.labels("needs_reauth").inc()
        token_store.mark_needs_reauth(account, exc, version=held.version)
        raise
    except NOT_THE_TOKEN:
        raise  # the breaker or a throttle stopped the call: nothing to hold against the token
    except graph.InstagramAPIError as exc:
        _record_failure(account, exc, held)
        raise
    if not token_store.save_refreshed(held, account, fresh["access_token"],
                                      fresh.get("expires_in"), lease):
        metrics.token_refresh.labels("token_changed").inc()
        raise RefreshRefused("The account was disconnected or connected again while its "
                             "token was being refreshed; the newer state was kept.",
                             code="token_changed")
    metrics.token_refresh.labels("refreshed").inc()
    log.debug("refreshed token of account %s (valid for %s s more)", account_id,
              fresh.get("expires_in"))


def _end_read_transaction():
    """Give the connection back while Meta answers, so many refreshes in flight need few
    connections (the compare-and-set write needs none held); what was read stays loaded,
    instead of being read again for the write."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def refresh_now(account):
    """The on-demand refresh: under the account's lease, like the job, so never both at once."""
    lease = leases.claim(SNSAccount, account.id, runtime().settings.INSTAGRAM_LEASE_SECONDS)
    if lease is None:
        raise RefreshRefused("This account's token is being refreshed or used by a background "
                             "job right now; try again in a minute.", code="refresh_in_progress")
    with lease:
        return refresh_account(account, lease)


def _still_valid(client):
    """After a 190 on refresh, ask /me: a working token was refused for another reason."""
    try:
        client.get_account_info(fields=("user_id",))
        return True
    except graph.InstagramAPIError:
        return False


def _record_failure(account, exc, held):
    runtime().metrics.token_refresh.labels("failed").inc()
    if token_store.record_refresh_failure(account, exc, version=held.version):
        log.warning("token refresh of account %s failed (%s time(s)): code %s", account.id,
                    account.refresh_failures, exc.code)
        signals.token_refresh_failed.send(current_app._get_current_object(), account=account,
                                          error=account.last_error,
                                          failures=account.refresh_failures)


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


JOB = "instagram_refresh_tokens"
EXPIRY_NOTICE = timedelta(hours=24)


def _refresh_row(account, lease):
    # Another worker may have refreshed it since the due list was read: the row is read
    # afresh under the lease, and a token refreshed meanwhile is too young to refresh again.
    if account.status != "active" or (account.token_issued_at is not None
                                      and utcnow() - account.token_issued_at < MIN_AGE):
        return "not_due"
    try:
        _refresh(account, lease)
        return "refreshed"
    except RefreshRefused as exc:
        return exc.code
    except graph.CircuitOpenError:
        # The breaker holds every call to the host: the rows not yet started stay due too.
        raise StopRows("deferred") from None
    except graph.RateLimitError:
        return "deferred"  # an app-wide throttle stops the batch before the next row
    except graph.AuthError as exc:
        log.warning("token refresh job: account %s needs to be connected again (%s)",
                    account.id, exc.reason or exc.code)
        return "needs_reauth"
    except graph.InstagramAPIError as exc:
        log.warning("token refresh job: account %s not refreshed: code %s", account.id,
                    exc.code)
        return "failed"


def _give_up(account_id, exc):
    account = db.session.get(SNSAccount, account_id)
    account.status = "needs_reauth"
    account.last_error = internal_error_record(JOB, exc)


def refresh_due_tokens(app):
    """Scheduler job: refresh every due token, several at once, each under its account's
    lease; then tell about tokens that expire within a day."""
    settings = runtime(app).settings
    ids = due_accounts(utcnow(), settings.INSTAGRAM_REFRESH_DAYS_LEFT)
    probe = make_client("instagram", app=app)

    def meta_reachable(_account_id):
        # Meta throttles the whole app at its usage limit, or the circuit breaker holds
        # every call to its host: no refresh could succeed; stop and leave the rest due.
        return "deferred" if probe.should_defer(APP_ACCOUNT) or probe.circuit_open() else None

    outcomes = work_on_rows(JOB, SNSAccount, ids, _refresh_row, give_up=_give_up, app=app,
                            before_each=meta_reachable,
                            concurrency=settings.INSTAGRAM_REFRESH_CONCURRENCY)
    expiring = warn_expiring(app)
    failed = sum(v for k, v in outcomes.items()
                 if k not in ("refreshed", "busy", "not_due", "deferred"))
    if any(k not in ("busy", "not_due") for k in outcomes) or expiring:  # else DEBUG only
        shown = dict(outcomes, **({"expiring": expiring} if expiring else {}))
        log.info("token refresh job: %s", shown)
    return {"refreshed": outcomes["refreshed"], "failed": failed, "outcomes": dict(outcomes),
            "expiring": expiring}


def warn_expiring(app, now=None):
    """Signal every active account whose token expires within a day (receivers dedupe)."""
    now = now or utcnow()
    accounts = db.session.execute(
        db.select(SNSAccount).filter_by(platform="instagram", status="active")
        .where(SNSAccount.token_expires_at > now)
        .where(SNSAccount.token_expires_at <= now + EXPIRY_NOTICE)).scalars().all()
    for account in accounts:
        signals.token_expiring.send(app, account=account, expires_at=account.token_expires_at)
    return len(accounts)
