"""Connected Instagram accounts: storing, owner-checked lookup, status, permissions, profile."""
from datetime import timedelta

from flask import current_app

from backend.errors import APIError, NotFound
from backend.extensions import db
from backend.models import SNSAccount, SNSPost, utcnow
from backend.services.instagram.accounts import token_store
from backend.services.instagram.core import signals
from backend.services.instagram.core.runtime import runtime

PLATFORM = "instagram"
PUBLISH_SCOPES = {
    "instagram": ("instagram_business_basic", "instagram_business_content_publish"),
    "facebook": ("instagram_basic", "instagram_content_publish", "pages_read_engagement"),
}
INSIGHTS_SCOPES = {
    "instagram": ("instagram_business_basic", "instagram_business_manage_insights"),
    "facebook": ("instagram_basic", "instagram_manage_insights", "pages_read_engagement"),
}
COMMENT_SCOPES = {
    "instagram": ("instagram_business_basic", "instagram_business_manage_comments"),
    "facebook": ("instagram_basic", "instagram_manage_comments", "pages_read_engagement"),
}
PROFILE_FIELDS = ("username", "name", "biography", "website", "followers_count",
                  "follows_count", "media_count", "profile_picture_url")


def upsert_connected(*, user_id, login_type, ig_user_id, app_scoped_id, token, expires_in,
                     profile, account_type, granted, declined, page=None,
                     data_access_expires_in=None):
    """Store a newly authorised account; reconnecting the same account updates its row."""
    now = utcnow()
    account = db.session.execute(db.select(SNSAccount).filter_by(
        user_id=user_id, platform=PLATFORM, platform_user_id=ig_user_id)).scalar_one_or_none()
    if account is None:
        account = SNSAccount(user_id=user_id, platform=PLATFORM, platform_user_id=ig_user_id,
                             connected_at=now)
        db.session.add(account)
    elif account.status == "disconnected":
        account.connected_at = now
    account.login_type = login_type
    account.app_scoped_id = app_scoped_id
    token_store.connect(account, token, expires_in)
    account.data_access_expires_at = None if data_access_expires_in is None else \
        now + timedelta(seconds=data_access_expires_in)
    account.account_type = account_type
    account.permissions = list(granted)
    account.declined_permissions = list(declined)
    account.status = "active"
    account.last_error = None
    account.refresh_failures = 0
    account.job_failures = 0
    account.disconnected_at = None
    account.page_id = page["id"] if page else None
    account.page_name = page.get("name") if page else None
    save_profile(account, profile, commit=False)
    db.session.commit()
    signals.account_connected.send(current_app._get_current_object(), account=account)
    return account


def save_profile(account, profile, commit=True):
    account.username = profile.get("username") or account.username
    account.name = profile.get("name") or account.name
    account.profile = {k: profile.get(k) for k in PROFILE_FIELDS}
    account.profile_synced_at = utcnow()
    if commit:
        db.session.commit()


def get_owned(user_id, account_id, *, include_disconnected=False):
    """The user's account, or 404: another user's account is indistinguishable from none."""
    account = db.session.get(SNSAccount, account_id)
    if (account is None or account.user_id != user_id or account.platform != PLATFORM
            or (account.status == "disconnected" and not include_disconnected)):
        raise NotFound("No connected Instagram account with this id.",
                       code="account_not_found")
    return account


def list_owned(user_id):
    return db.session.execute(
        db.select(SNSAccount).filter_by(user_id=user_id, platform=PLATFORM)
        .where(SNSAccount.status != "disconnected").order_by(SNSAccount.id)).scalars().all()


def can_read_insights(account):
    return set(INSIGHTS_SCOPES[account.login_type]) <= set(account.permissions or ())


def can_manage_comments(account):
    return set(COMMENT_SCOPES[account.login_type]) <= set(account.permissions or ())


def require_scopes(account, scopes, what):
    """403 before any Graph call when the account lacks the scopes (per login type) that
    `what` needs: Meta's answer (code 10) would mark the whole account as needing
    re-authentication, publishing included."""
    missing = sorted(set(scopes[account.login_type]) - set(account.permissions or ()))
    if missing:
        raise APIError(f"{what} need the {', '.join(missing)} permission: connect the "
                       "account again and allow it.", code="instagram_permission_missing",
                       status=403, details={"missing": missing})


def require_insights_permission(account):
    require_scopes(account, INSIGHTS_SCOPES, "Insights")


def missing_permissions(account):
    needed = set(PUBLISH_SCOPES[account.login_type]) | set(INSIGHTS_SCOPES[account.login_type])
    return sorted(needed - set(account.permissions or ()))


def connection_status(account, now=None):
    now = now or utcnow()
    if account.status in ("disconnected", "needs_reauth"):
        return account.status
    if account.token_expires_at is not None and account.token_expires_at <= now:
        return "needs_reauth"
    if missing_permissions(account):
        return "missing_permissions"
    warning = timedelta(days=runtime().settings.INSTAGRAM_EXPIRY_WARNING_DAYS)
    if account.token_expires_at is not None and account.token_expires_at - now <= warning:
        return "expiring"
    return "active"


def serialize(account):
    return {
        "id": account.id, "platform": account.platform, "ig_user_id": account.platform_user_id,
        "username": account.username, "name": account.name,
        "account_type": account.account_type, "login_type": account.login_type,
        "page_id": account.page_id, "page_name": account.page_name,
        "status": connection_status(account), "token_expires_at": account.token_expires_at,
        "permissions": list(account.permissions or ()),
        "missing_permissions": missing_permissions(account),
        "connected_at": account.connected_at,
    }


def permissions(account):
    granted = set(account.permissions or ())
    return {
        "account_id": account.id, "login_type": account.login_type,
        "granted": sorted(granted), "declined": sorted(account.declined_permissions or ()),
        "missing": missing_permissions(account),
        "can_publish": set(PUBLISH_SCOPES[account.login_type]) <= granted,
        "can_read_insights": can_read_insights(account),
        "can_manage_comments": can_manage_comments(account),
    }


ACTIONS = {
    "needs_reauth": "Instagram no longer accepts this connection. Connect the account again "
                    "with POST /api/sns/instagram/oauth/authorize.",
    "missing_permissions": "Some permissions were not granted ({missing}); publishing or "
                           "insights will fail. Connect again and allow them.",
    "expiring": "The access token expires soon and could not be refreshed yet; if this "
                "persists, connect the account again.",
}

REFRESH_FAILING = ("The access token could not be refreshed ({count} time(s) in a row, see "
                   "last_error); it is tried again every hour. If this keeps failing, connect "
                   "the account again before the token expires.")


def status_report(account):
    now = utcnow()
    status = connection_status(account, now)
    expires = account.token_expires_at
    next_refresh = None
    if account.login_type == "instagram" and expires is not None and status != "needs_reauth":
        earliest = account.token_issued_at + timedelta(hours=24)
        due = expires - timedelta(days=runtime().settings.INSTAGRAM_REFRESH_DAYS_LEFT)
        next_refresh = max(earliest, due)
    action = ACTIONS.get(status)
    if action:
        action = action.format(missing=", ".join(missing_permissions(account)))
    elif account.refresh_failures and status == "active":
        action = REFRESH_FAILING.format(count=account.refresh_failures)
    return {
        "account_id": account.id, "status": status, "token_expires_at": expires,
        "days_left": None if expires is None else max(0, (expires - now).days),
        "token_refreshed_at": account.token_refreshed_at, "next_refresh_after": next_refresh,
        "data_access_expires_at": account.data_access_expires_at,
        "last_error": account.last_error, "action": action,
    }


def disconnect(account):
    """Forget the token; keep the row (and so the user's post history) for the record.

    A job holding the account's lease may still be working: the token store's
    compare-and-set makes sure nothing it writes brings the token back.
    """
    signals.account_disconnecting.send(current_app._get_current_object(), account=account)
    token_store.clear(account)
    return db.session.scalar(db.select(db.func.count(SNSPost.id)).filter_by(
        account_id=account.id))
