"""The insights metric catalogue: which metric exists for which media kind, version and date."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone

from backend.services.instagram.graph.shared_state import LocalStore

FEED, CAROUSEL, REELS, STORY = "FEED", "CAROUSEL", "REELS", "STORY"
MEDIA_KINDS = (FEED, CAROUSEL, REELS, STORY)
_ALL = frozenset(MEDIA_KINDS)
_POSTS = frozenset((FEED, CAROUSEL))


@dataclass(frozen=True)
class Metric:
    """One metric: the kinds it applies to, and when Meta removed it.

    `removed_in` is the first Graph version without it; `removed_everywhere` the day Meta
    removed it from every version. `keep_for_media_before` is Meta's one exception: on
    versions before `removed_in`, media created before that day still answer.
    """

    name: str
    kinds: frozenset = _ALL
    removed_in: int | None = None
    removed_everywhere: date | None = None
    keep_for_media_before: date | None = None
    default: bool = True

    def available(self, version: int, today: date, created: date | None = None) -> bool:
        if self.removed_in is None:
            return True
        if version >= self.removed_in:
            return False
        if self.removed_everywhere is None or today < self.removed_everywhere:
            return True
        return (self.keep_for_media_before is not None and created is not None
                and created < self.keep_for_media_before)


_APR_2025 = date(2025, 4, 21)
# Contract 4.1: current and removed media metrics.
MEDIA_METRICS = {m.name: m for m in (
    Metric("views"),
    Metric("reach"),
    Metric("likes", kinds=frozenset((FEED, CAROUSEL, REELS))),
    Metric("comments", kinds=frozenset((FEED, CAROUSEL, REELS))),
    Metric("shares"),
    Metric("saved", kinds=frozenset((FEED, CAROUSEL, REELS))),
    Metric("total_interactions"),
    Metric("profile_visits", kinds=frozenset((FEED, CAROUSEL, STORY))),
    Metric("follows", kinds=frozenset((FEED, CAROUSEL, STORY))),
    Metric("profile_activity", kinds=frozenset((FEED, CAROUSEL, STORY))),
    Metric("replies", kinds=frozenset((STORY,))),
    Metric("navigation", kinds=frozenset((STORY,))),
    Metric("ig_reels_avg_watch_time", kinds=frozenset((REELS,))),
    Metric("ig_reels_video_view_total_time", kinds=frozenset((REELS,))),
    # Removed: never asked for unless the version and date still allow them.
    Metric("impressions", removed_in=22, removed_everywhere=_APR_2025,
           keep_for_media_before=date(2024, 7, 2), default=False),
    Metric("plays", kinds=frozenset((REELS,)), removed_in=22, removed_everywhere=_APR_2025,
           default=False),
    Metric("clips_replays_count", kinds=frozenset((REELS,)), removed_in=22,
           removed_everywhere=_APR_2025, default=False),
    Metric("ig_reels_aggregated_all_plays_count", kinds=frozenset((REELS,)), removed_in=22,
           removed_everywhere=_APR_2025, default=False),
    Metric("video_views", kinds=frozenset((FEED, CAROUSEL, REELS)), removed_in=21,
           removed_everywhere=date(2025, 1, 8), default=False),
    *(Metric(name, kinds=frozenset((STORY,)), removed_in=18,
             removed_everywhere=date(2023, 12, 11), default=False)
      for name in ("taps_forward", "taps_back", "exits")),
    Metric("engagement", kinds=_POSTS, removed_in=18, removed_everywhere=date(2023, 12, 11),
           default=False),
    *(Metric(f"carousel_album_{name}", kinds=frozenset((CAROUSEL,)), removed_in=18,
             removed_everywhere=date(2023, 12, 11), default=False)
      for name in ("engagement", "impressions", "reach", "saved", "video_views")),
)}

# Contract 4.2: account metrics, by how Meta wants them asked for.
INTERACTION_METRICS = ("views", "reach", "accounts_engaged", "total_interactions", "likes",
                       "comments", "shares", "saves", "replies", "reposts",
                       "profile_links_taps", "follows_and_unfollows", "profile_views")
SERIES_METRICS = {"reach": "day", "follower_count": "day", "online_followers": "lifetime"}
DEMOGRAPHIC_METRICS = ("follower_demographics", "engaged_audience_demographics")
ACCOUNT_METRICS = INTERACTION_METRICS + ("follower_count", "online_followers") \
    + DEMOGRAPHIC_METRICS
DEFAULT_ACCOUNT_METRICS = ("views", "reach", "accounts_engaged", "total_interactions", "likes",
                           "comments", "shares", "saves", "replies", "follows_and_unfollows",
                           "profile_links_taps")
REMOVED_ACCOUNT_METRICS = {
    "impressions": "removed from every version on 2025-04-21",
    "email_contacts": "removed on 2025-01-08", "get_direction_clicks": "removed on 2025-01-08",
    "text_message_clicks": "removed on 2025-01-08", "website_clicks": "removed on 2025-01-08",
    "phone_call_clicks": "removed on 2025-01-08",
}
# Every name a metrics parameter may give: current and removed ones (a removed one is
# answered as unavailable, with why); any other is a typo, refused before Meta is asked.
KNOWN_ACCOUNT_METRICS = frozenset(ACCOUNT_METRICS) | frozenset(REMOVED_ACCOUNT_METRICS)
_BY_PRODUCT = ("media_product_type",)
TOTAL_BREAKDOWNS = {
    "views": ("follower_type", "media_product_type"),
    "reach": ("follower_type", "media_product_type"),
    "total_interactions": _BY_PRODUCT, "likes": _BY_PRODUCT, "comments": _BY_PRODUCT,
    "shares": _BY_PRODUCT, "saves": _BY_PRODUCT, "replies": _BY_PRODUCT,
    "follows_and_unfollows": ("follow_type",), "profile_links_taps": ("contact_button_type",),
}
DEMOGRAPHIC_BREAKDOWNS = ("age", "gender", "country", "city")


def version_number(version: str) -> int:
    """22 for "v22.0"; an unparsable version counts as the newest."""
    match = re.match(r"v?(\d+)", str(version or ""))
    return int(match.group(1)) if match else 10 ** 6


def media_kind(media_product_type: str | None, media_type: str | None) -> str | None:
    """FEED, CAROUSEL, REELS or STORY; None for kinds without insights (ads, unknown)."""
    product = (media_product_type or "").upper()
    if product == "STORY":
        return STORY
    if product == "REELS":
        return REELS
    if product in ("FEED", ""):
        return CAROUSEL if (media_type or "").upper() == "CAROUSEL_ALBUM" else FEED
    return None


def media_metric_status(name: str, kind: str, version: str, today: date | None = None,
                        created: date | None = None) -> str | None:
    """None when `name` can be asked for; otherwise why not: "removed", "not_for_kind",
    "unknown"."""
    metric = MEDIA_METRICS.get(name)
    if metric is None:
        return "unknown"
    if kind not in metric.kinds:
        return "not_for_kind"
    if not metric.available(version_number(version), today or _today(), created):
        return "removed"
    return None


def known_media_metrics() -> frozenset[str]:
    """Every media metric name of the catalogue, of any kind or version."""
    return frozenset(MEDIA_METRICS)


def default_media_metrics(kind: str, version: str, today: date | None = None,
                          created: date | None = None) -> list[str]:
    """The current metrics of a media kind on a Graph version, in catalogue order."""
    return [m.name for m in MEDIA_METRICS.values() if m.default and kind in m.kinds
            and m.available(version_number(version), today or _today(), created)]


def account_metric_status(name: str) -> str | None:
    if name in REMOVED_ACCOUNT_METRICS:
        return "removed"
    return None if name in ACCOUNT_METRICS else "unknown"


def _today() -> date:
    return datetime.now(timezone.utc).date()


_NAMED = re.compile(r"\bthe (\w+) metric\b", re.IGNORECASE)
_INDEXED = re.compile(r"\bmetric\[(\d+)\]")


def rejected_metric(message: str | None, asked: list[str]) -> str | None:
    """The metric a code-100 answer names, when it names one of `asked`.

    Meta says either "... does not support the <name> metric ..." or "metric[<i>] must be
    one of the following values: ...".
    """
    text = message or ""
    for match in _NAMED.finditer(text):
        if match.group(1) in asked:
            return match.group(1)
    match = _INDEXED.search(text)
    if match and int(match.group(1)) < len(asked):
        return asked[int(match.group(1))]
    return None


class RejectedMetrics:
    """Metrics Meta refused for a (version, kind), remembered for a while.

    The catalogue can lag Meta's changes; a metric Meta rejects is not asked for again until
    `ttl` passes, so one stale entry costs one extra call, not a broken sync. The memory is
    kept in `store` (graph/shared_state.py): this process's, or Redis so that one worker's
    lesson spares every other worker the same rejected call (then pass a wall clock).
    """

    def __init__(self, ttl: float = 24 * 3600, clock=time.monotonic, store=None):
        self.ttl, self._clock = ttl, clock
        self.store = store if store is not None else LocalStore()

    @staticmethod
    def _key(version: str, kind: str, name: str) -> str:
        return f"rejected_metric:{version}:{kind}:{name}"

    def add(self, version: str, kind: str, name: str) -> None:
        until = self._clock() + self.ttl
        self.store.update(self._key(version, kind, name), lambda _old: ({"until": until}, None),
                          ttl=max(1.0, self.ttl))

    def contains(self, version: str, kind: str, name: str) -> bool:
        entry = self.store.get(self._key(version, kind, name))
        return entry is not None and entry["until"] > self._clock()
