"""Request and response schemas of the insights endpoints (validation and OpenAPI)."""
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.services.instagram.core.registry import RowId

METRICS_FIELD = Field(None, max_length=600, pattern=r"^[a-z0-9_]+(,[a-z0-9_]+)*$",
                      description="Comma-separated metric names; default: every current "
                                  "metric of the media's type.")
TIME_FIELD = Field(None, max_length=40, description="A date (2026-11-01), an ISO 8601 time or "
                                                    "unix seconds (UTC).")

STATUSES = Literal["available", "not_fetched", "not_available_yet", "not_enough_viewers",
                   "expired", "not_supported", "stale"]


class MediaInsightsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refresh: bool | None = Field(None, description="Omitted: stored values younger than "
                                 "INSTAGRAM_INSIGHTS_CACHE_SECONDS, else Meta. true: always "
                                 "Meta. false: stored values only, no Graph call.")
    metrics: str | None = METRICS_FIELD


class AccountMediaInsightsQuery(MediaInsightsQuery):
    account_id: RowId


class MetricValue(BaseModel):
    value: float | None = Field(None, description="Null when Meta gives only a breakdown.")
    breakdown: dict[str, Any] | None = Field(None, description='{"dimensions": [...], '
                                             '"values": {"KEY": n}}')


class MediaInsights(BaseModel):
    media_id: str
    account_id: int
    post_id: int | None
    kind: Literal["FEED", "CAROUSEL", "REELS", "STORY"] | None
    media_product_type: str | None
    status: STATUSES = Field(description="available; not_available_yet (Meta's lag, not a "
                             "zero); not_enough_viewers (stories under 5 viewers); expired "
                             "(stories after 24 h: stored values); not_supported (carousel "
                             "items, ads); stale (Meta unreachable: stored values); "
                             "not_fetched (refresh=false, nothing stored).")
    message: str | None
    metrics: dict[str, MetricValue]
    unavailable_metrics: dict[str, str] = Field(description="Metric -> why it is missing: "
                                                "removed, not_for_kind, "
                                                "rejected_by_meta.")
    fetched_at: datetime | None
    source: Literal["meta", "cache", "stored"]
    graph_calls: int


class MediaInsightsEnvelope(BaseModel):
    insights: MediaInsights


class AccountInsightsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    metrics: str | None = Field(None, max_length=600, pattern=r"^[a-z0-9_]+(,[a-z0-9_]+)*$",
                                description="Comma-separated; default: views, reach, "
                                            "accounts_engaged, total_interactions, likes, "
                                            "comments, shares, saves, replies, "
                                            "follows_and_unfollows, profile_links_taps.")
    period: Literal["day"] = "day"
    metric_type: Literal["total_value", "time_series"] = Field(
        "total_value", description="time_series gives daily values of reach; follower_count "
                                   "and online_followers are always series.")
    since: str | None = TIME_FIELD
    until: str | None = TIME_FIELD
    breakdown: str | None = Field(None, max_length=200, pattern=r"^[a-z_]+(,[a-z_]+)*$",
                                  description="follower_type, media_product_type, "
                                              "follow_type, contact_button_type; for "
                                              "demographics age, gender, country, city.")
    timeframe: Literal["this_week", "this_month"] = "this_month"


class SeriesPoint(BaseModel):
    end_time: datetime
    value: float | None
    breakdown: dict[str, Any] | None = None


class AccountMetric(MetricValue):
    series: list[SeriesPoint] | None = None


class AccountInsights(BaseModel):
    account_id: int
    since: datetime
    until: datetime
    metrics: dict[str, AccountMetric]
    unavailable_metrics: dict[str, str] = Field(description="Metric -> why: removed, "
                                                "rejected_by_meta, no_time_series, no_data "
                                                "(Meta gave none, e.g. under 100 followers).")
    fetched_at: datetime
    source: Literal["meta"]
    graph_calls: int


class AccountInsightsEnvelope(BaseModel):
    insights: AccountInsights


class HistoryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    metrics: str | None = METRICS_FIELD
    since: str | None = TIME_FIELD
    until: str | None = TIME_FIELD
    limit: int = Field(5000, ge=1, le=5000, description="At most this many values, the "
                       "newest; `truncated` says when older ones were left out.")


class AccountHistoryQuery(HistoryQuery):
    period: Literal["day", "total_over_range", "lifetime"] = Field(
        "day", description="day: one value per UTC day (the sync's, and one-day requests); "
                           "total_over_range: totals of other ranges asked for; lifetime: "
                           "demographics.")


class PostHistoryPoint(BaseModel):
    fetched_at: datetime
    value: float | None
    breakdown: dict[str, Any] | None = None


class PostHistory(BaseModel):
    post_id: int
    media_id: str
    series: dict[str, list[PostHistoryPoint]]
    truncated: bool


class AccountHistoryPoint(BaseModel):
    start_time: datetime | None
    end_time: datetime | None
    period: str | None
    value: float | None
    breakdown: dict[str, Any] | None = None
    fetched_at: datetime


class AccountHistory(BaseModel):
    account_id: int
    period: str
    series: dict[str, list[AccountHistoryPoint]]
    truncated: bool
