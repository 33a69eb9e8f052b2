"""Best times to post, from the account's own insights: when its followers are online (Meta's
`online_followers`, by hour) and how far its past posts reached by hour and weekday; the
account's posting slots when it has too little data to say.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta, timezone
from statistics import mean
from zoneinfo import ZoneInfo

from backend.extensions import db
from backend.models import SNSAnalytics, SNSPost, utcnow
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.publishing import scheduling

# Meta's insights days run on US Pacific time (their end_time is 07:00 or 08:00 UTC), so
# online_followers' hours 0-23 are read as Pacific hours of that day (UNCONFIRMED by Meta's
# reference; see docs/api.md).
META_ZONE = ZoneInfo("America/Los_Angeles")
LOOKBACK = timedelta(days=90)
ONLINE_DAYS_MIN = 3
REACH_METRICS = ("reach", "views")


def minute_of(zone, now):
    """The minutes past the hour at which Meta's Pacific hours start in `zone` (45 in
    Kathmandu, 30 in India, 0 in most places): the account's best times fall on them."""
    offset = now.astimezone(zone).utcoffset() - now.astimezone(META_ZONE).utcoffset()
    return int(offset.total_seconds() // 60) % 60


def _online_by_hour(account, zone, since):
    """Mean followers online per local hour (starting at minute_of), over the stored
    online_followers days."""
    rows = db.session.execute(db.select(SNSAnalytics.breakdown, SNSAnalytics.end_time).where(
        SNSAnalytics.account_id == account.id, SNSAnalytics.media_id.is_(None),
        SNSAnalytics.metric == "online_followers", SNSAnalytics.end_time >= since)).all()
    by_hour, days = defaultdict(list), set()
    for breakdown, end_time in rows:
        values = (breakdown or {}).get("values") or {}
        if end_time is None or not values:
            continue
        day = (end_time - timedelta(hours=12)).astimezone(META_ZONE).date()
        days.add(day)
        for hour, count in values.items():
            if not str(hour).isdigit() or count is None:
                continue
            moment = datetime(day.year, day.month, day.day, int(hour), tzinfo=META_ZONE)
            by_hour[moment.astimezone(zone).hour].append(float(count))
    return {h: mean(v) for h, v in by_hour.items()}, len(days)


def _reach_of_posts(account, zone, since, minute):
    """[(local weekday, local hour, reach)] of the account's published posts with insights."""
    posts = dict(db.session.execute(db.select(SNSPost.platform_post_id, SNSPost.published_at)
                                    .where(SNSPost.account_id == account.id,
                                           SNSPost.status == "published",
                                           SNSPost.post_type != "story",
                                           SNSPost.published_at >= since,
                                           SNSPost.platform_post_id.is_not(None))).all())
    if not posts:
        return []
    latest = {}
    for media_id, metric, value in db.session.execute(
            db.select(SNSAnalytics.media_id, SNSAnalytics.metric, SNSAnalytics.value)
            .where(SNSAnalytics.account_id == account.id,
                   SNSAnalytics.media_id.in_(list(posts)),
                   SNSAnalytics.metric.in_(REACH_METRICS), SNSAnalytics.value.is_not(None))
            .order_by(SNSAnalytics.fetched_at)):
        latest.setdefault(media_id, {})[metric] = value
    found = []
    for media_id, values in latest.items():
        reach = values.get("reach", values.get("views"))
        local = posts[media_id].astimezone(zone) - timedelta(minutes=minute)
        found.append((local.weekday(), local.hour, float(reach)))
    return found


def _normalised(scores):
    top = max(scores.values(), default=0) or 1
    return {k: v / top for k, v in scores.items()}


def best_times(account, count=5, now=None):
    """The account's best (weekday, hour) slots with their next occurrence and why.

    {"account_id", "timezone", "source": "insights" | "fallback", "data": {...},
     "times": [{"weekday", "time", "next_at", "score", "why"}], "fallback_reason"}
    """
    now = now or utcnow()
    zone = scheduling.zone_of(account)
    since = now - LOOKBACK
    online, online_days = _online_by_hour(account, zone, since)
    minute = minute_of(zone, now)
    posts = _reach_of_posts(account, zone, since, minute)
    minimum = runtime().settings.INSTAGRAM_BEST_TIMES_MIN_POSTS
    data = {"online_followers_days": online_days, "posts_with_insights": len(posts),
            "since": since}
    if online_days < ONLINE_DAYS_MIN and len(posts) < minimum:
        return _fallback(account, zone, now, count, data,
                         f"{online_days} day(s) of online followers and {len(posts)} post(s) "
                         f"with insights: at least {ONLINE_DAYS_MIN} days or {minimum} posts "
                         "are needed; these are the account's posting slots.")
    hour_reach = defaultdict(list)
    weekday_reach = defaultdict(list)
    for weekday, hour, reach in posts:
        hour_reach[hour].append(reach)
        weekday_reach[weekday].append(reach)
    online_score = _normalised(online)
    reach_score = _normalised({h: mean(v) for h, v in hour_reach.items()})
    weekday_score = _normalised({d: mean(v) for d, v in weekday_reach.items()})
    # Both sources weigh half when both exist; otherwise the one there is decides.
    w_online = (0.5 if reach_score else 1.0) if online_score else 0.0
    ranked = []
    for weekday in range(7):
        for hour in range(24):
            score = (w_online * online_score.get(hour, 0)
                     + (1 - w_online) * reach_score.get(hour, 0))
            if weekday_score:
                score *= 0.8 + 0.2 * weekday_score.get(weekday, 0)
            ranked.append(_slot(zone, now, weekday, hour, round(score, 3),
                                _why(online.get(hour), hour_reach.get(hour)), minute))
    # Best first; among equals, the soonest.
    ranked.sort(key=lambda slot: (-slot["score"], slot["next_at"]))
    times = ranked[:count]
    return {"account_id": account.id, "timezone": zone.key, "source": "insights",
            "data": data, "times": times, "fallback_reason": None}


def _why(online, reaches):
    parts = []
    if online is not None:
        parts.append(f"{online:.0f} followers online on average")
    if reaches:
        parts.append(f"{len(reaches)} past post(s) reached {mean(reaches):.0f} on average")
    return "; ".join(parts) or "no data for this hour"


def _slot(zone, now, weekday, hour, score, why, minute=0):
    local_now = now.astimezone(zone)
    days = (weekday - local_now.weekday()) % 7
    moment = datetime.combine(local_now.date() + timedelta(days=days),
                              datetime.min.time().replace(hour=hour, minute=minute), zone)
    if moment.astimezone(timezone.utc) <= now:
        moment += timedelta(days=7)
    at = moment.astimezone(timezone.utc)
    local = at.astimezone(zone)  # the label of the instant itself (a skipped hour moves it)
    return {"weekday": scheduling.WEEKDAYS[local.weekday()], "time": local.strftime("%H:%M"),
            "next_at": at, "score": score, "why": why}


def _fallback(account, zone, now, count, data, reason):
    times = [{"weekday": scheduling.WEEKDAYS[at.astimezone(zone).weekday()],
              "time": at.astimezone(zone).strftime("%H:%M"), "next_at": at, "score": None,
              "why": "a posting slot of the account"}
             for _, at in zip(range(count), scheduling.local_slots(account, now))]
    return {"account_id": account.id, "timezone": zone.key, "source": "fallback",
            "data": data, "times": times, "fallback_reason": reason}


def next_best_time(account, after, exclude_id=None):
    """`publish_at: "best"`: the soonest of the best times that keeps the account's spacing."""
    report = best_times(account, count=5, now=after)
    spacing = scheduling.spacing_of(account)
    taken = scheduling.held_times(account.id, after - spacing, after + timedelta(days=8),
                                  exclude_id)
    if not report["times"]:
        raise scheduling.refuse("There is no best time to propose: the account has too "
                                "little data and no posting slots (PUT /accounts/<id>/"
                                "schedule).", "no_free_slot")
    for slot in sorted(report["times"], key=lambda t: t["next_at"]):
        if scheduling.is_free(slot["next_at"], taken, spacing):
            return slot["next_at"]
    return scheduling.next_free_time(account, min(t["next_at"] for t in report["times"]),
                                     exclude_id)
