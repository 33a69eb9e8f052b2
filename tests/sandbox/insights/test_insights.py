"""Media and account insights: metrics per product type, removals, lag, breakdowns, series."""
from datetime import datetime

import pytest

from tests.sandbox.helpers import (BUSINESS_ID, FB, INSIGHTS_SCOPES, create_id,
                                   error_of, image, publish_id)

DAY = 24 * 3600
FEED = "views,reach,likes,comments,shares,saved,total_interactions,profile_visits,follows," \
       "profile_activity"
REELS = "views,reach,likes,comments,shares,saved,total_interactions,ig_reels_avg_watch_time," \
        "ig_reels_video_view_total_time"
STORY = "views,reach,replies,shares,total_interactions,follows,profile_visits,profile_activity," \
        "navigation"


@pytest.fixture
def token(meta):
    return meta.ig_long_token(scope=INSIGHTS_SCOPES)


def seeded(meta, token, product, media_type=None):
    edge = "/me/stories" if product == "STORY" else "/me/media"
    items = meta.ig(edge, token, fields="id,media_type,media_product_type", limit=10).json()
    return [m for m in items["data"] if m["media_product_type"] == product
            and media_type in (None, m["media_type"])]


def insights(meta, token, media_id, **params):
    return meta.ig(f"/v25.0/{media_id}/insights", token, **params)


@pytest.mark.parametrize("product,media_type,metrics", [
    ("FEED", "IMAGE", FEED), ("FEED", "CAROUSEL_ALBUM", FEED), ("REELS", "VIDEO", REELS)])
def test_media_insights_per_product_type(meta, token, product, media_type, metrics):
    media_id = seeded(meta, token, product, media_type)[0]["id"]
    data = insights(meta, token, media_id, metric=metrics).json()["data"]
    assert [d["name"] for d in data] == metrics.split(",")
    for item in data:
        assert list(item) == ["name", "period", "values", "title", "description", "id"]
        assert item["period"] == "lifetime" and item["id"] == (
            f"{media_id}/insights/{item['name']}/lifetime")
        assert isinstance(item["values"][0]["value"], int)
    again = insights(meta, token, media_id, metric=metrics).json()["data"]
    assert again == data  # deterministic


def test_story_insights_and_navigation_breakdown(meta, token):
    story = seeded(meta, token, "STORY", "IMAGE")[0]["id"]
    data = insights(meta, token, story, metric=STORY).json()["data"]
    assert [d["name"] for d in data] == STORY.split(",")
    nav = insights(meta, token, story, metric="navigation",
                   breakdown="story_navigation_action_type").json()["data"][0]
    breakdown = nav["total_value"]["breakdowns"][0]
    assert breakdown["dimension_keys"] == ["story_navigation_action_type"]
    assert {r["dimension_values"][0] for r in breakdown["results"]} == {
        "tap_forward", "tap_back", "tap_exit", "swipe_forward"}
    assert sum(r["value"] for r in breakdown["results"]) == nav["values"][0]["value"]
    error_of(insights(meta, token, story, metric="reach",
                      breakdown="story_navigation_action_type"), 100)


def test_story_with_fewer_than_5_viewers(meta, token):
    story = seeded(meta, token, "STORY", "VIDEO")[0]["id"]
    error = error_of(insights(meta, token, story, metric="reach"), 10)
    assert error["message"] == "(#10) Not enough viewers for the media to show insights"


@pytest.mark.parametrize("product,metric,words", [
    ("FEED", "impressions", "impressions metric"), ("REELS", "plays", "plays metric"),
    ("REELS", "video_views", "video_views metric"),
    ("FEED", "carousel_album_reach", "carousel_album_reach metric"),
    ("FEED", "ig_reels_avg_watch_time", "ig_reels_avg_watch_time metric"),
    ("REELS", "navigation", "navigation metric"),
    ("FEED", "bogus", "metric[1] must be one of the following values: views, reach"),
])
def test_removed_and_invalid_media_metrics(meta, token, product, metric, words):
    media_id = seeded(meta, token, product)[0]["id"]
    error = error_of(insights(meta, token, media_id, metric=f"reach,{metric}"), 100)
    assert words in error["message"]


def test_album_children_and_missing_permission(meta, token):
    album = meta.ig(f"/{seeded(meta, token, 'FEED', 'CAROUSEL_ALBUM')[0]['id']}", token,
                    fields="children").json()
    child = album["children"]["data"][0]["id"]
    error_of(insights(meta, token, child, metric="reach"), 100)
    error_of(insights(meta, token, album["id"]), 100)  # metric is required
    basic = meta.ig_short_token(sandbox_persona="creator")
    media_id = meta.ig("/me/media", basic, limit=1).json()["data"][0]["id"]
    error = error_of(insights(meta, basic, media_id, metric="reach"), 10)
    assert "instagram_business_manage_insights" in error["message"]


def test_fresh_media_has_no_insights_yet_then_growing_values(meta, token):
    media_id = publish_id(meta, token, create_id(meta, token, image_url=image(meta)))
    assert insights(meta, token, media_id, metric="reach,likes").json() == {"data": []}
    meta.advance(600)
    early = insights(meta, token, media_id, metric="reach,views").json()["data"]
    meta.advance(2 * DAY)
    later = insights(meta, token, media_id, metric="reach,views").json()["data"]
    for before, after in zip(early, later):
        assert after["values"][0]["value"] > before["values"][0]["value"]
    like_count = meta.ig(f"/{media_id}", token, fields="like_count").json()["like_count"]
    likes = insights(meta, token, media_id, metric="likes").json()["data"][0]["values"][0]
    assert likes["value"] == like_count


def account(meta, token, **params):
    return meta.ig(f"/v25.0/{BUSINESS_ID}/insights", token, **params)


def test_account_total_values_and_breakdowns(meta, token):
    body = account(meta, token, metric="reach,views,accounts_engaged,profile_views",
                   period="day", metric_type="total_value").json()
    assert [d["name"] for d in body["data"]] == ["reach", "views", "accounts_engaged",
                                                 "profile_views"]
    reach = body["data"][0]
    assert reach["id"] == f"{BUSINESS_ID}/insights/reach/day" and reach["period"] == "day"
    assert isinstance(reach["total_value"]["value"], int) and "values" not in reach
    assert {"previous", "next"} <= set(body["paging"])
    for breakdown, keys in (("media_product_type", {"FEED", "REELS", "STORY"}),
                            ("follower_type", {"FOLLOWER", "NON_FOLLOWER"})):
        views = account(meta, token, metric="views", period="day", metric_type="total_value",
                        breakdown=breakdown).json()["data"][0]["total_value"]
        (split,) = views["breakdowns"]
        assert split["dimension_keys"] == [breakdown]
        assert {r["dimension_values"][0] for r in split["results"]} == keys
        assert sum(r["value"] for r in split["results"]) == views["value"]
    error_of(account(meta, token, metric="accounts_engaged", period="day",
                     metric_type="total_value", breakdown="follower_type"), 100)


def test_account_time_series(meta, token):
    now = datetime.fromisoformat(meta.control("GET", "/clock").json()["now"]).timestamp()
    since, until = int(now - 7 * DAY), int(now)
    body = account(meta, token, metric="reach,follower_count", period="day", since=since,
                   until=until).json()
    for series in body["data"]:
        assert len(series["values"]) == 7
        ends = [v["end_time"] for v in series["values"]]
        assert all(end.endswith("T07:00:00+0000") for end in ends) and ends == sorted(ends)
    online = account(meta, token, metric="online_followers", period="lifetime", since=since,
                     until=until).json()["data"][0]
    assert len(online["values"]) == 7 and set(online["values"][0]["value"]) == {
        str(hour) for hour in range(24)}
    error = error_of(account(meta, token, metric="reach", period="day", since=until - 31 * DAY,
                             until=until), 100)
    assert "30 days" in error["message"]
    error_of(account(meta, token, metric="views", period="day"), 100)
    error_of(account(meta, token, metric="profile_views", period="day"), 100)
    error_of(account(meta, token, metric="reach"), 100)  # period is required


def test_account_demographics(meta, token):
    for name in ("follower_demographics", "engaged_audience_demographics"):
        body = account(meta, token, metric=name, period="lifetime", metric_type="total_value",
                       timeframe="this_month", breakdown="age").json()
        (item,) = body["data"]
        (split,) = item["total_value"]["breakdowns"]
        assert split["dimension_keys"] == ["age"] and "18-24" in {
            r["dimension_values"][0] for r in split["results"]}
        if name == "follower_demographics":
            assert sum(r["value"] for r in split["results"]) == 1520
    both = account(meta, token, metric="follower_demographics", period="lifetime",
                   metric_type="total_value", timeframe="this_week", breakdown="gender,country")
    results = both.json()["data"][0]["total_value"]["breakdowns"][0]["results"]
    assert len(results[0]["dimension_values"]) == 2
    for bad in ({"timeframe": "last_30_days", "breakdown": "age"},
                {"timeframe": "this_week", "breakdown": "height"}, {"timeframe": "this_week"}):
        error_of(account(meta, token, metric="follower_demographics", period="lifetime",
                         metric_type="total_value", **bad), 100)


@pytest.mark.parametrize("metric", ["impressions", "website_clicks", "email_contacts", "nope"])
def test_removed_account_metrics(meta, token, metric):
    error = error_of(account(meta, token, metric=metric, period="day",
                             metric_type="total_value"), 100)
    assert metric in error["message"] or "metric[0] must be one of" in error["message"]


def test_small_accounts_get_no_follower_metrics(meta, sandbox, token):
    with sandbox.state.lock:
        sandbox.state.accounts.by_username["sandbox_business"].followers_count = 80
    body = account(meta, token, metric="follower_count", period="day").json()
    assert body == {"data": []}
    mixed = account(meta, token, metric="reach,follower_count", period="day").json()
    assert [d["name"] for d in mixed["data"]] == ["reach"]


def test_facebook_login_insights(meta):
    scope = "instagram_basic,instagram_manage_insights,pages_show_list"
    token = meta.fb_user_token(scope=scope)
    body = meta.fb(f"/{BUSINESS_ID}/insights", token, metric="reach", period="day",
                   metric_type="total_value")
    assert body.status_code == 200 and "X-Business-Use-Case-Usage" in body.headers
    no_insights = meta.fb_user_token(sandbox_persona="creator",
                                     scope="instagram_basic,pages_show_list")
    error_of(meta.fb("/17841400000000002/insights", no_insights, metric="reach",
                     period="day", metric_type="total_value"), 10)
    assert meta.get(FB, f"/{BUSINESS_ID}/insights").status_code == 400
