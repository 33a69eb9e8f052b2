"""The metric catalogue and the parsing of Meta's insights answers (no HTTP)."""
from datetime import date, datetime, timezone

import pytest

from backend.services.instagram.graph import errors as graph
from backend.services.instagram.graph.insights_catalogue import (
    CAROUSEL, FEED, REELS, STORY, RejectedMetrics, default_media_metrics, media_kind,
    media_metric_status, rejected_metric)
from backend.services.instagram.graph.insights_fetch import Fetched, ask_dropping, parse_entries

TODAY = date(2026, 11, 22)


def test_current_metrics_per_kind_follow_the_contract():
    assert default_media_metrics(FEED, "v25.0", TODAY) == [
        "views", "reach", "likes", "comments", "shares", "saved", "total_interactions",
        "profile_visits", "follows", "profile_activity"]
    assert default_media_metrics(CAROUSEL, "v25.0", TODAY) == default_media_metrics(
        FEED, "v25.0", TODAY)
    assert default_media_metrics(REELS, "v25.0", TODAY) == [
        "views", "reach", "likes", "comments", "shares", "saved", "total_interactions",
        "ig_reels_avg_watch_time", "ig_reels_video_view_total_time"]
    assert default_media_metrics(STORY, "v25.0", TODAY) == [
        "views", "reach", "shares", "total_interactions", "profile_visits", "follows",
        "profile_activity", "replies", "navigation"]


@pytest.mark.parametrize("name,kind,version,today,created,status", [
    ("impressions", FEED, "v25.0", TODAY, None, "removed"),
    ("impressions", FEED, "v21.0", date(2025, 3, 1), None, None),  # before the cut-over
    ("impressions", FEED, "v21.0", TODAY, date(2024, 6, 1), None),  # Meta's exception
    ("impressions", FEED, "v21.0", TODAY, date(2024, 8, 1), "removed"),
    ("impressions", FEED, "v22.0", date(2025, 3, 1), date(2024, 6, 1), "removed"),
    ("video_views", REELS, "v20.0", date(2024, 12, 1), None, None),
    ("video_views", REELS, "v20.0", TODAY, None, "removed"),
    ("plays", REELS, "v21.0", date(2025, 3, 1), None, None),
    ("plays", FEED, "v21.0", date(2025, 3, 1), None, "not_for_kind"),
    ("navigation", REELS, "v25.0", TODAY, None, "not_for_kind"),
    ("carousel_album_reach", CAROUSEL, "v25.0", TODAY, None, "removed"),
    ("reach", STORY, "v25.0", TODAY, None, None),
    ("made_up", FEED, "v25.0", TODAY, None, "unknown"),
])
def test_metric_status_knows_versions_dates_and_kinds(name, kind, version, today, created,
                                                      status):
    assert media_metric_status(name, kind, version, today, created) == status


def test_removed_metrics_are_never_asked_for_by_default():
    for kind in (FEED, CAROUSEL, REELS, STORY):
        for version in ("v21.0", "v25.0", "v26.0"):
            names = default_media_metrics(kind, version, TODAY)
            assert not {"impressions", "plays", "video_views"} & set(names)


@pytest.mark.parametrize("product,media_type,kind", [
    ("FEED", "IMAGE", FEED), ("FEED", "CAROUSEL_ALBUM", CAROUSEL), ("REELS", "VIDEO", REELS),
    ("STORY", "IMAGE", STORY), (None, "IMAGE", FEED), ("AD", "IMAGE", None)])
def test_media_kind(product, media_type, kind):
    assert media_kind(product, media_type) == kind


def test_the_metric_meta_rejects_is_read_from_either_message():
    asked = ["reach", "impressions", "likes"]
    assert rejected_metric("(#100) The Media Insights API does not support the impressions "
                           "metric for this media product type", asked) == "impressions"
    assert rejected_metric("(#100) metric[2] must be one of the following values: reach",
                           asked) == "likes"
    assert rejected_metric("(#100) Invalid parameter", asked) is None


def test_rejected_metrics_are_forgotten_after_their_time():
    now = [0.0]
    memory = RejectedMetrics(ttl=60, clock=lambda: now[0])
    memory.add("v25.0", FEED, "shares")
    assert memory.contains("v25.0", FEED, "shares")
    assert not memory.contains("v25.0", REELS, "shares")
    now[0] = 61
    assert not memory.contains("v25.0", FEED, "shares")


def _rejection(message):
    return graph.UserFixableError(message, code=100)


def test_a_rejection_that_names_no_metric_is_resolved_one_metric_at_a_time():
    calls = []

    def call(names):
        calls.append(list(names))
        if "bad" in names:
            raise _rejection("(#100) Some metric is not available")
        return {"data": [{"name": n, "period": "lifetime", "values": [{"value": 1}]}
                         for n in names]}
    rejected, result = [], Fetched()
    body = ask_dropping(call, ["reach", "bad", "likes"], rejected.append, result)
    assert [row["name"] for row in body["data"]] == ["reach", "likes"]
    assert rejected == ["bad"] and result.dropped == {"bad": "rejected_by_meta"}
    assert result.calls == 4


def test_other_errors_are_not_mistaken_for_a_metric():
    def call(names):
        raise _rejection("(#100) The Media Insights API does not support carousel album "
                         "children")
    with pytest.raises(graph.UserFixableError):
        ask_dropping(call, ["reach"], lambda name: None, Fetched())


def test_answers_of_every_shape_become_rows():
    rows = parse_entries({"data": [
        {"name": "reach", "period": "lifetime", "values": [{"value": 12}]},
        {"name": "views", "period": "day", "total_value": {"value": 330, "breakdowns": [{
            "dimension_keys": ["media_product_type"],
            "results": [{"dimension_values": ["REELS"], "value": 100},
                        {"dimension_values": ["FEED"], "value": 230}]}]}},
        {"name": "follower_count", "period": "day", "values": [
            {"value": 3, "end_time": "2026-11-01T07:00:00+0000"},
            {"value": 5, "end_time": "2026-11-02T07:00:00+0000"}]},
        {"name": "online_followers", "period": "lifetime", "values": [
            {"value": {"0": 10, "1": 12}, "end_time": "2026-11-02T07:00:00+0000"}]},
        {"bogus": True}]})
    assert rows[0] == {"metric": "reach", "period": "lifetime", "title": None, "value": 12,
                       "breakdown": None, "end_time": None}
    assert rows[1]["value"] == 330 and rows[1]["breakdown"] == {
        "dimensions": ["media_product_type"], "values": {"REELS": 100, "FEED": 230}}
    assert [(r["value"], r["end_time"]) for r in rows[2:4]] == [
        (3, datetime(2026, 11, 1, 7, tzinfo=timezone.utc)),
        (5, datetime(2026, 11, 2, 7, tzinfo=timezone.utc))]
    assert rows[4]["value"] is None and rows[4]["breakdown"]["values"] == {"0": 10, "1": 12}
    assert len(rows) == 5
