"""Deterministic engagement figures: per media (growing with its age) and per account day."""
import hashlib
import math
import random

# Daily account figures as a share of the followers.
DAILY_SHARE = {
    "views": 1.2, "reach": 0.35, "accounts_engaged": 0.04, "total_interactions": 0.06,
    "likes": 0.045, "comments": 0.006, "shares": 0.004, "saves": 0.005, "replies": 0.002,
    "reposts": 0.001, "profile_links_taps": 0.003, "follows_and_unfollows": 0.004,
    "profile_views": 0.02, "follower_count": 0.002,
}
NAVIGATION_ACTIONS = ("tap_forward", "tap_back", "tap_exit", "swipe_forward")


def rng_for(*key):
    """A random generator that gives the same draws for the same key, run after run."""
    return random.Random(hashlib.sha256(":".join(map(str, key)).encode()).digest())


def growth(age_seconds):
    """0 at publication, most of the way after a couple of days, then slowly still rising."""
    hours = max(0.0, age_seconds / 3600)
    return (1 - math.exp(-hours / 36)) * (1 + math.log1p(hours / 24) / 10)


def split(total, keys, rng):
    """`total` spread over `keys` with random weights; the parts add up to `total`."""
    weights = [rng.uniform(0.2, 1.0) for _ in keys]
    parts = [int(total * w / sum(weights)) for w in weights]
    parts[0] += total - sum(parts)
    return dict(zip(keys, parts))


def media_figures(media, now):
    """Every media metric's current value (the draws always happen in the same order)."""
    rng = rng_for("media", media.id)
    scale = max(20, media.audience) * rng.uniform(0.25, 0.9)
    if media.product == "REELS":
        scale *= 1.6
    reach = media.viewers if media.viewers is not None else int(
        scale * growth(now - media.timestamp))
    views = int(reach * rng.uniform(1.2, 2.4))
    likes = int(reach * rng.uniform(0.04, 0.12))
    figures = {
        "reach": reach, "views": views, "likes": likes,
        "comments": int(likes * rng.uniform(0.03, 0.15)),
        "shares": int(reach * rng.uniform(0.005, 0.03)),
        "saved": int(reach * rng.uniform(0.005, 0.04)),
        "profile_visits": int(reach * rng.uniform(0.01, 0.05)),
        "follows": int(reach * rng.uniform(0.001, 0.01)),
        "replies": int(reach * rng.uniform(0.005, 0.02)),
    }
    figures["profile_activity"] = figures["profile_visits"] + int(reach * rng.uniform(0, 0.01))
    if media.is_story:
        figures["total_interactions"] = figures["replies"] + figures["shares"]
    else:
        figures["total_interactions"] = sum(figures[k] for k in ("likes", "comments", "shares",
                                                                 "saved"))
    average = int((media.duration or 0) * 1000 * rng.uniform(0.3, 0.8))
    figures["ig_reels_avg_watch_time"] = average
    figures["ig_reels_video_view_total_time"] = average * views
    figures["navigation"] = split(int(views * rng.uniform(0.8, 1.2)), NAVIGATION_ACTIONS, rng)
    return figures


def account_day(account, metric, day):
    """An account metric's value on one day (`day` = Unix days since the epoch)."""
    rng = rng_for("account", account.professional_id, metric, day)
    return int(account.followers_count * DAILY_SHARE[metric] * rng.uniform(0.6, 1.4))
