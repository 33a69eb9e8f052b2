"""Publishing quota: Meta's content_publishing_limit, cached, plus the platform's own publishes."""
import threading
from datetime import timedelta

from backend.errors import APIError
from backend.extensions import db
from backend.models import SNSPost, utcnow
from backend.services.instagram.core.runtime import runtime

_lock = threading.Lock()


def check(account, client):
    """Refuse with 429 publishing_limit_reached when the account's 24-hour quota is used up.

    Meta's figure is cached for INSTAGRAM_QUOTA_CACHE_SECONDS; publishes the platform made
    since it was read are added, so a burst of posts cannot overshoot between reads.
    """
    settings = runtime().settings
    cache = runtime().quota_cache
    # Wall-clock time: Meta's window is 24 wall-clock hours (and tests travel in time).
    now = utcnow()
    with _lock:
        entry = cache.get(account.id)
    ttl = timedelta(seconds=settings.INSTAGRAM_QUOTA_CACHE_SECONDS)
    if entry is None or now - entry["at"] > ttl:
        limit = client.get_publishing_limit(account.platform_user_id)
        entry = {"at": now, "usage": limit.get("quota_usage") or 0,
                 "total": limit.get("quota_total") or 100}
        with _lock:
            cache[account.id] = entry
    own = db.session.scalar(db.select(db.func.count(SNSPost.id)).filter_by(
        account_id=account.id, status="published").where(SNSPost.published_at > entry["at"]))
    used = entry["usage"] + own
    if used >= entry["total"]:
        retry = _retry_after(account)
        raise APIError(f"This account has published {used} of its {entry['total']} posts "
                       "allowed by Instagram in 24 hours. Try again later.",
                       code="publishing_limit_reached", status=429,
                       details={"quota_usage": used, "quota_total": entry["total"],
                                "retry_after_seconds": retry},
                       headers={"Retry-After": str(retry)})
    return {"quota_usage": used, "quota_total": entry["total"]}


def _retry_after(account):
    """Seconds until the oldest publish we know of leaves the 24-hour window (else 1 hour)."""
    day_ago = utcnow() - timedelta(hours=24)
    oldest = db.session.scalar(db.select(db.func.min(SNSPost.published_at)).filter_by(
        account_id=account.id, status="published").where(SNSPost.published_at > day_ago))
    if oldest is None:
        return 3600
    return max(60, int((oldest - day_ago).total_seconds()))
