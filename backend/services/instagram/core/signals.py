"""Signals the integration sends (blinker, as Flask's own), so a host can mail or chat.

Each is sent with the current app as sender, after the change is committed. An event may
be seen by several workers (two jobs noticing one expiring token): receivers that must act
once use a unique key, as the host's notification store does (backend/notifications.py,
whose own `notification_created` signal is sent exactly once per stored notification):

    from backend.services.instagram.core.signals import post_failed
    @post_failed.connect
    def tell(app, post, **extra): ...
"""
from blinker import Namespace

_signals = Namespace()

# post=SNSPost just published (media_id known, or None while needs_reconcile resolves).
post_published = _signals.signal("instagram-post-published")
# post=SNSPost that ended failed or expired (its error_* fields say why).
post_failed = _signals.signal("instagram-post-failed")
# account=SNSAccount that Meta (or an unreadable token) says must be connected again;
# error=the record kept in account.last_error.
account_needs_reauth = _signals.signal("instagram-account-needs-reauth")
# account=SNSAccount whose token refresh Meta refused (not a re-authentication: see above);
# error=the record kept in account.last_error; failures=consecutive failed refreshes.
token_refresh_failed = _signals.signal("instagram-token-refresh-failed")
# account=SNSAccount whose token expires within a day (sent by the refresh job each run
# while it lasts); expires_at=when.
token_expiring = _signals.signal("instagram-token-expiring")
# account=SNSAccount just connected (or connected again), its token stored.
account_connected = _signals.signal("instagram-account-connected")
# account=SNSAccount about to be disconnected: sent while its token can still be used.
account_disconnecting = _signals.signal("instagram-account-disconnecting")
