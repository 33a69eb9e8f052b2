"""What the host tells a user when the Instagram integration signals trouble (stored once).

The host subscribes to the integration's signals (core/signals.py), as CTFd-style plugins
expect of their host; the integration knows nothing of notifications. A failure here is
logged and never reaches the job or request that sent the signal.
"""
import functools
import logging

from backend.services.instagram.core import signals

log = logging.getLogger(__name__)
RECONNECT = ("Connect the account again: Accounts > Connect Instagram "
             "(POST /api/sns/instagram/oauth/authorize).")
_CHECK_MEDIA = "Check the media and caption, then create the post again."
POST_ACTIONS = {"auth": RECONNECT, "permission": RECONNECT, "user_fixable": _CHECK_MEDIA,
                "media": _CHECK_MEDIA, "container_error": _CHECK_MEDIA,
                "container_expired": "Create the post again.",
                "spam_block": "Instagram blocked this action as spam; wait before posting "
                              "again and avoid repeating the same content."}
_subscribed = []


def _safe(receiver):
    @functools.wraps(receiver)
    def wrapper(app, **kwargs):
        if not app.extensions.get("notifications"):
            return  # a host without the notification store
        try:
            receiver(app, **kwargs)
        except Exception:  # a notice must never break the job or request that sent it
            log.exception("notification for %s failed", receiver.__name__)
    return wrapper


def _who(account):
    return f"@{account.username}" if account.username else f"account {account.id}"


def _account_data(account, error=None):
    data = {"account_id": account.id, "platform": account.platform}
    if error:
        data.update({k: error.get(k) for k in ("code", "subcode", "fbtrace_id")})
    return data


@_safe
def on_needs_reauth(app, account, error=None, **_):
    from backend.notifications import notify
    reason = (error or {}).get("message") or "Instagram refused the stored access token."
    notify(app, account.user_id, "instagram.account_needs_reauth",
           f"Reconnect {_who(account)} to Instagram",
           f"Instagram no longer accepts this connection: {reason} Nothing is published or "
           "synced for this account until it is connected again.",
           action=RECONNECT, data=_account_data(account, error),
           dedupe_key=f"instagram.account_needs_reauth:{account.id}:{account.token_version}")


@_safe
def on_refresh_failed(app, account, error=None, failures=1, **_):
    from backend.notifications import notify
    expires = account.token_expires_at
    notify(app, account.user_id, "instagram.token_refresh_failed",
           f"Could not renew the Instagram access of {_who(account)}",
           "Instagram refused to renew the access token "
           f"(code {(error or {}).get('code')}: {(error or {}).get('message')}). It is tried "
           "again every hour" + (f"; the current token works until {expires.isoformat()}."
                                 if expires else "."),
           action="Nothing to do yet. If this keeps failing, connect the account again "
                  "before the token expires. " + RECONNECT,
           data={**_account_data(account, error), "failures": failures},
           dedupe_key=f"instagram.token_refresh_failed:{account.id}:{account.token_version}")


@_safe
def on_expiring(app, account, expires_at, **_):
    from backend.notifications import notify
    notify(app, account.user_id, "instagram.token_expiring",
           f"The Instagram access of {_who(account)} expires within a day",
           f"The access token expires at {expires_at.isoformat()} and could not be renewed "
           "in time. After that nothing is published or synced for this account.",
           action=RECONNECT, data={**_account_data(account),
                                   "token_expires_at": expires_at.isoformat()},
           dedupe_key=f"instagram.token_expiring:{account.id}:{account.token_version}")


@_safe
def on_post_failed(app, post, **_):
    from backend.notifications import notify
    if post.status == "missed":
        title = "A scheduled post missed its time"
        action = ("Schedule it again (PATCH /api/sns/instagram/posts/<id>/schedule), or send "
                  "it back to the drafts (POST /api/sns/instagram/posts/<id>/cancel).")
    else:
        outcome = "expired" if post.status == "expired" else "failed"
        title = f"A post could not be published ({outcome})"
        action = POST_ACTIONS.get(post.error_category, "Try again later; the post is kept "
                                  "with Meta's reason in GET /api/sns/instagram/posts/<id>/"
                                  "status.")
    # A post moved again after it missed its time can miss again: once per time.
    moment = post.publish_at.isoformat() if post.publish_at else ""
    notify(app, post.user_id, "instagram.post_failed", title,
           post.error_message or "Instagram did not publish the post.",
           action=action, data={"post_id": post.id, "account_id": post.account_id,
                                "status": post.status, "code": post.error_code,
                                "subcode": post.error_subcode,
                                "category": post.error_category},
           dedupe_key=f"instagram.post_failed:{post.id}:{moment}")


def subscribe():
    """Connect the receivers once per process (every app shares the module-level signals)."""
    if not _subscribed:
        signals.account_needs_reauth.connect(on_needs_reauth)
        signals.token_refresh_failed.connect(on_refresh_failed)
        signals.token_expiring.connect(on_expiring)
        signals.post_failed.connect(on_post_failed)
        _subscribed.append(True)
