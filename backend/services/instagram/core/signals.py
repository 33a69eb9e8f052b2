"""Signals the integration sends (blinker, as Flask's own), so a host can mail or chat.

Each is sent with the current app as sender, after the change is committed:

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
# account=SNSAccount just connected (or connected again), its token stored.
account_connected = _signals.signal("instagram-account-connected")
# account=SNSAccount about to be disconnected: sent while its token can still be used.
account_disconnecting = _signals.signal("instagram-account-disconnecting")
