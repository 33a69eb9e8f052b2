"""Insights end to end through real HTTP: published posts, any media, accounts, history."""
from datetime import timedelta

import pytest
import requests
import time_machine

from backend.extensions import db
from backend.models import SNSAccount, SNSAnalytics, utcnow
from backend.services.instagram.graph import insights_catalogue as catalogue
from tests.publishing.test_publish_e2e import Publisher

pytestmark = pytest.mark.e2e
LAG = timedelta(hours=2)


@pytest.fixture
def setup(live, live_user, connect_account, sandbox):
    headers = live_user()
    return Insights(live, sandbox, headers, connect_account(headers))


class Insights(Publisher):
    def get(self, path, **params):
        return self.live.http.get(self.live.api(path), params=params, headers=self.headers)

    def publish(self, app, path, body):
        response = self.post(path, body)
        assert response.status_code in (201, 202), response.text
        post = response.json()["post"]
        if post["status"] != "published":
            self.finish_in_background(app, 60)
            post = self.status(post["id"])
        assert post["status"] == "published", post
        return post

    def seeded(self, product, media_type=None):
        for media in self.sandbox_media():
            if media["media_product_type"] == product and (
                    media_type is None or media["media_type"] == media_type):
                yield media


def later(delta=LAG):
    return time_machine.travel(utcnow() + delta, tick=True)


def test_insights_of_an_image_carousel_reel_and_story(setup, app):
    image = setup.publish(app, "/posts", {"image_url": setup.image(), "caption": "image"})
    carousel = setup.publish(app, "/posts", {"items": [
        {"image_url": setup.image()}, {"image_url": setup.image(h=1080)},
        {"video_url": setup.video(w=1080, h=1350)}]})
    reel = setup.publish(app, "/reels", {"video_url": setup.video()})
    story = setup.publish(app, "/stories", {"image_url": setup.image(w=1080, h=1920)})
    with later():
        answers = {name: setup.get(f"/{post['id']}/insights").json()["insights"]
                   for name, post in (("image", image), ("carousel", carousel),
                                      ("reel", reel), ("story", story))}
    for name, kind in (("image", "FEED"), ("carousel", "CAROUSEL"), ("reel", "REELS"),
                       ("story", "STORY")):
        got = answers[name]
        assert got["status"] == "available", got
        assert got["kind"] == kind and got["source"] == "meta"
        assert set(got["metrics"]) == set(catalogue.default_media_metrics(
            kind, "v25.0")), name
        assert all(isinstance(v["value"], (int, float)) for v in got["metrics"].values())
        assert got["unavailable_metrics"] == {}
    assert "ig_reels_avg_watch_time" in answers["reel"]["metrics"]
    assert "profile_visits" not in answers["reel"]["metrics"]
    navigation = answers["story"]["metrics"]["navigation"]["breakdown"]
    assert navigation["dimensions"] == ["story_navigation_action_type"]
    assert sum(navigation["values"].values()) == answers["story"]["metrics"]["navigation"][
        "value"]
    assert answers["image"]["graph_calls"] == 1 and answers["story"]["graph_calls"] == 2
    with app.app_context():
        stored = SNSAnalytics.query.filter_by(post_id=image["id"]).all()
    assert {row.metric for row in stored} == set(answers["image"]["metrics"])


def test_fresh_media_is_not_available_yet_not_zero(setup, app):
    image = setup.publish(app, "/posts", {"image_url": setup.image()})
    got = setup.get(f"/{image['id']}/insights").json()["insights"]
    assert got["status"] == "not_available_yet" and got["metrics"] == {}
    assert "48 hours" in got["message"]


def test_cache_refresh_and_stored_only(setup, app):
    image = setup.publish(app, "/posts", {"image_url": setup.image()})
    with later():
        first = setup.get(f"/{image['id']}/insights").json()["insights"]
        cached = setup.get(f"/{image['id']}/insights").json()["insights"]
        assert cached["source"] == "cache" and cached["graph_calls"] == 0
        assert cached["metrics"] == first["metrics"]
        forced = setup.get(f"/{image['id']}/insights", refresh="true").json()["insights"]
        assert forced["source"] == "meta" and forced["graph_calls"] == 1
    with later(LAG + timedelta(days=1)):
        stored = setup.get(f"/{image['id']}/insights", refresh="false").json()["insights"]
        assert stored["source"] == "stored" and stored["graph_calls"] == 0
        assert stored["metrics"] == forced["metrics"]
        grown = setup.get(f"/{image['id']}/insights").json()["insights"]
        assert grown["source"] == "meta"
        assert grown["metrics"]["reach"]["value"] > first["metrics"]["reach"]["value"]
        history = setup.get(f"/{image['id']}/insights/history", metrics="reach").json()
    assert [p["value"] for p in history["series"]["reach"]] == [
        first["metrics"]["reach"]["value"], forced["metrics"]["reach"]["value"],
        grown["metrics"]["reach"]["value"]]
    assert set(history["series"]) == {"reach"}


def test_removed_metric_is_reported_and_the_others_returned(setup, app):
    image = setup.publish(app, "/posts", {"image_url": setup.image()})
    with later():
        got = setup.get(f"/{image['id']}/insights",
                        metrics="impressions,reach,video_views,plays,likes").json()
    got = got["insights"]
    assert set(got["metrics"]) == {"reach", "likes"}
    assert got["unavailable_metrics"] == {"impressions": "removed", "video_views": "removed",
                                          "plays": "not_for_kind"}


def test_a_metric_name_no_catalogue_has_is_refused_on_every_insights_path(setup, app):
    # A typo was a 200 with an empty series (history) or "unknown": now the one 422 shape.
    image = setup.publish(app, "/posts", {"image_url": setup.image()})
    account = setup.account["id"]
    paths = [f"/{image['id']}/insights", f"/posts/{image['id']}/insights",
             f"/{image['id']}/insights/history", f"/accounts/{account}/insights",
             f"/accounts/{account}/insights/history"]
    for path in paths:
        answer = setup.get(path, metrics="reach,nonsense")
        assert answer.status_code == 422, (path, answer.text)
        error = answer.json()["error"]
        assert error["code"] == "validation_error"
        assert error["details"]["errors"] == [{"field": "metrics", "code": "unknown_value",
                                               "message": "Unknown metric 'nonsense'."}]
        assert "reach" in error["details"]["known"]


def test_metric_meta_rejects_is_dropped_and_remembered(setup, app, monkeypatch):
    """The catalogue lags Meta: a metric it believes in gets code 100; the rest still come."""
    monkeypatch.setitem(catalogue.MEDIA_METRICS, "brand_new",
                        catalogue.Metric("brand_new"))
    image = setup.publish(app, "/posts", {"image_url": setup.image()})
    with later():
        got = setup.get(f"/{image['id']}/insights", refresh="true").json()["insights"]
        assert got["status"] == "available" and "reach" in got["metrics"]
        assert got["unavailable_metrics"] == {"brand_new": "rejected_by_meta"}
        assert got["graph_calls"] == 2
        again = setup.get(f"/{image['id']}/insights", refresh="true").json()["insights"]
    assert again["graph_calls"] == 1
    assert again["unavailable_metrics"] == {"brand_new": "rejected_by_meta"}


def test_any_media_of_the_account_and_carousel_children(setup, app):
    reel = next(setup.seeded("REELS"))
    got = setup.get(f"/media/{reel['id']}/insights", account_id=setup.account["id"]).json()
    got = got["insights"]
    assert got["kind"] == "REELS" and got["post_id"] is None and got["status"] == "available"
    assert got["graph_calls"] == 2  # the media's type, then its insights
    album = next(setup.seeded("FEED", "CAROUSEL_ALBUM"))
    child = album["children"][0]["id"]
    got = setup.get(f"/media/{child}/insights", account_id=setup.account["id"]).json()
    assert got["insights"]["status"] == "not_supported" and got["insights"]["metrics"] == {}


def test_story_with_too_few_viewers_and_expired_story(setup, app):
    few = next(setup.seeded("STORY", "VIDEO"))  # seeded with 3 viewers
    got = setup.get(f"/media/{few['id']}/insights", account_id=setup.account["id"]).json()
    assert got["insights"]["status"] == "not_enough_viewers", got
    story = setup.publish(app, "/stories", {"image_url": setup.image(w=1080, h=1920)})
    with later():
        captured = setup.get(f"/{story['id']}/insights").json()["insights"]
    with later(timedelta(hours=30)):
        expired = setup.get(f"/{story['id']}/insights").json()["insights"]
    assert expired["status"] == "expired" and expired["graph_calls"] == 0
    assert expired["metrics"] == captured["metrics"] and expired["source"] == "stored"


def test_insights_are_private(setup, app, live_user):
    image = setup.publish(app, "/posts", {"image_url": setup.image()})
    other = live_user("mallory@example.com")
    for path, params in ((f"/{image['id']}/insights", {}),
                         (f"/{image['id']}/insights/history", {}),
                         (f"/media/{image['media_id']}/insights",
                          {"account_id": setup.account["id"]}),
                         (f"/accounts/{setup.account['id']}/insights", {}),
                         (f"/accounts/{setup.account['id']}/insights/history", {})):
        response = setup.live.http.get(setup.live.api(path), params=params, headers=other)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["error"]["code"] in ("post_not_found", "account_not_found")
        assert setup.live.http.get(setup.live.api(path), params=params).status_code == 401


def test_bad_input_gets_the_envelope(setup, app):
    account = setup.account["id"]
    for path, params, status in (
            ("/media/abc/insights", {"account_id": account}, 404),
            ("/media/\u00b2/insights", {"account_id": account}, 404),
            ("/media/" + "1" * 33 + "/insights", {"account_id": account}, 404),
            ("/media/123/insights", {}, 422),
            (f"/accounts/{account}/insights", {"since": "yesterday"}, 422),
            (f"/accounts/{account}/insights", {"since": "2026-01-01", "until": "2026-03-01"},
             422),
            (f"/accounts/{account}/insights", {"breakdown": "shoe_size"}, 422),
            (f"/accounts/{account}/insights", {"metrics": "a;b"}, 422),
            ("/999/insights", {}, 404)):
        response = setup.get(path, **params)
        assert response.status_code == status, (path, params, response.text)
        assert set(response.json()["error"]) == {"code", "message", "details", "request_id"}
        assert response.json()["error"]["request_id"] == response.headers["X-Request-ID"]


def test_account_insights_totals_breakdowns_series_and_history(setup, app):
    account = setup.account["id"]
    got = setup.get(f"/accounts/{account}/insights",
                    metrics="views,reach,likes,impressions,follower_count",
                    breakdown="media_product_type", since="2026-11-01",
                    until="2026-11-08").json()["insights"]
    assert got["unavailable_metrics"] == {"impressions": "removed"}
    views = got["metrics"]["views"]
    assert views["breakdown"]["dimensions"] == ["media_product_type"]
    assert sum(views["breakdown"]["values"].values()) == views["value"]
    assert len(got["metrics"]["follower_count"]["series"]) == 7
    assert got["graph_calls"] == 2  # totals with the breakdown, then the series
    series = setup.get(f"/accounts/{account}/insights", metrics="reach",
                       metric_type="time_series", since="2026-11-01",
                       until="2026-11-08").json()["insights"]
    assert len(series["metrics"]["reach"]["series"]) == 7
    history = setup.get(f"/accounts/{account}/insights/history", metrics="follower_count")
    points = history.json()["series"]["follower_count"]
    assert len(points) == 7 and points == sorted(points, key=lambda p: p["end_time"])
    again = setup.get(f"/accounts/{account}/insights", metrics="follower_count",
                      since="2026-11-01", until="2026-11-08")
    assert again.status_code == 200
    history = setup.get(f"/accounts/{account}/insights/history", metrics="follower_count")
    assert len(history.json()["series"]["follower_count"]) == 7  # replaced, not duplicated


def test_demographics(setup, app):
    got = setup.get(f"/accounts/{setup.account['id']}/insights",
                    metrics="follower_demographics", breakdown="age",
                    timeframe="this_week").json()["insights"]
    demo = got["metrics"]["follower_demographics"]
    assert demo["value"] is None and demo["breakdown"]["dimensions"] == ["age"]
    assert "18-24" in demo["breakdown"]["values"]


def test_facebook_login_accounts_read_insights_on_graph_facebook(live, live_user,
                                                                 connect_account, sandbox, app):
    headers = live_user("fb@example.com")
    setup = Insights(live, sandbox, headers, connect_account(headers, login="facebook"))
    image = setup.publish(app, "/posts", {"image_url": setup.image()})
    with later():
        got = setup.get(f"/{image['id']}/insights").json()["insights"]
        account = setup.get(f"/accounts/{setup.account['id']}/insights",
                            metrics="reach").json()["insights"]
    assert got["status"] == "available" and got["metrics"]["reach"]["value"] >= 0
    assert account["metrics"]["reach"]["value"] >= 0


def test_without_the_insights_permission_nothing_is_asked_and_publishing_still_works(
        live, live_user, sandbox, app):
    from tests.conftest import authorize
    headers = live_user("noinsights@example.com")
    callback, _ = authorize(live, headers, sandbox_scopes="instagram_business_basic,"
                                                          "instagram_business_content_publish")
    account = live.http.get(callback, headers={"Accept": "application/json"}).json()["account"]
    setup = Insights(live, sandbox, headers, account)
    image = setup.publish(app, "/posts", {"image_url": setup.image()})
    with later():
        for path in (f"/{image['id']}/insights", f"/accounts/{account['id']}/insights"):
            error = setup.get(path).json()["error"]
            assert error["code"] == "instagram_permission_missing", error
            assert error["details"]["missing"] == ["instagram_business_manage_insights"]
    status = setup.get(f"/accounts/{account['id']}/status").json()
    assert status["status"] != "needs_reauth"
    assert setup.publish(app, "/posts", {"image_url": setup.image()})["status"] == "published"


def test_naming_metrics_never_shrinks_later_answers(setup, app):
    image = setup.publish(app, "/posts", {"image_url": setup.image()})
    with later():
        subset = setup.get(f"/{image['id']}/insights", metrics="impressions,reach").json()
        assert set(subset["insights"]["metrics"]) == {"reach"}
        full = setup.get(f"/{image['id']}/insights").json()["insights"]
        assert full["source"] == "meta" and len(full["metrics"]) == 10
        cached = setup.get(f"/{image['id']}/insights").json()["insights"]
        assert cached["source"] == "cache" and cached["metrics"] == full["metrics"]
        one = setup.get(f"/{image['id']}/insights", refresh="false", metrics="reach,plays")
        one = one.json()["insights"]
    assert set(one["metrics"]) == {"reach"} and one["unavailable_metrics"] == {
        "plays": "not_for_kind"}


def test_a_media_read_before_keeps_its_kind(setup, app):
    reel = next(setup.seeded("REELS"))
    first = setup.get(f"/media/{reel['id']}/insights", account_id=setup.account["id"]).json()
    again = setup.get(f"/media/{reel['id']}/insights", account_id=setup.account["id"]).json()
    stored = setup.get(f"/media/{reel['id']}/insights", account_id=setup.account["id"],
                       refresh="false").json()
    for answer in (first, again, stored):
        assert answer["insights"]["kind"] == "REELS", answer
        assert answer["insights"]["media_product_type"] == "REELS"
    assert again["insights"]["source"] == "cache" and again["insights"]["graph_calls"] == 0


def test_meta_unavailable_answers_stored_values_as_stale(setup, app, sandbox):
    image = setup.publish(app, "/posts", {"image_url": setup.image()})
    with later():
        first = setup.get(f"/{image['id']}/insights").json()["insights"]
        requests.post(f"{sandbox.url}/_sandbox/faults",
                      json={"path": "/insights$", "code": 2, "times": None})
        try:
            stale = setup.get(f"/{image['id']}/insights", refresh="true").json()["insights"]
        finally:
            requests.delete(f"{sandbox.url}/_sandbox/faults")
    assert stale["status"] == "stale" and stale["source"] == "stored"
    assert stale["metrics"] == first["metrics"] and stale["graph_calls"] >= 1


def test_history_says_when_it_was_cut(setup, app):
    image = setup.publish(app, "/posts", {"image_url": setup.image()})
    values = []
    for hours in (2, 3, 4):
        with later(timedelta(hours=hours)):
            got = setup.get(f"/{image['id']}/insights", refresh="true").json()["insights"]
            values.append(got["metrics"]["reach"]["value"])
    history = setup.get(f"/{image['id']}/insights/history", metrics="reach", limit=2).json()
    assert history["truncated"] is True
    assert [p["value"] for p in history["series"]["reach"]] == values[1:]  # the newest two
    full = setup.get(f"/{image['id']}/insights/history", metrics="reach").json()
    assert full["truncated"] is False and len(full["series"]["reach"]) == 3


def test_account_totals_over_a_range_stay_out_of_the_daily_series(setup, app):
    account = setup.account["id"]
    week = setup.get(f"/accounts/{account}/insights", metrics="views", since="2026-11-01",
                     until="2026-11-08").json()["insights"]
    day = setup.get(f"/accounts/{account}/insights", metrics="views", since="2026-11-07",
                    until="2026-11-08").json()["insights"]
    daily = setup.get(f"/accounts/{account}/insights/history", metrics="views").json()
    assert [p["value"] for p in daily["series"]["views"]] == [day["metrics"]["views"]["value"]]
    ranges = setup.get(f"/accounts/{account}/insights/history", metrics="views",
                       period="total_over_range").json()["series"]["views"]
    assert [p["value"] for p in ranges] == [week["metrics"]["views"]["value"]]


def test_a_disconnected_account_keeps_its_posts_stored_insights(setup, app):
    image = setup.publish(app, "/posts", {"image_url": setup.image()})
    fresh = setup.publish(app, "/posts", {"image_url": setup.image()})
    with later():
        first = setup.get(f"/{image['id']}/insights").json()["insights"]
        setup.live.http.delete(setup.live.api(f"/accounts/{setup.account['id']}"),
                               headers=setup.headers)
        stale = setup.get(f"/{image['id']}/insights", refresh="true").json()["insights"]
        never = setup.get(f"/{fresh['id']}/insights").json()["error"]
    assert stale["status"] == "stale" and stale["metrics"] == first["metrics"]
    assert never["code"] == "account_disconnected"
    with app.app_context():
        assert db.session.get(SNSAccount, setup.account["id"]).status == "disconnected"


def test_a_story_read_before_is_reported_expired_after_a_day(setup, app):
    story = next(setup.seeded("STORY", "IMAGE"))  # the newest seeded story, 2 hours old
    params = {"account_id": setup.account["id"]}
    first = setup.get(f"/media/{story['id']}/insights", **params).json()["insights"]
    assert first["status"] == "available" and first["kind"] == "STORY"
    with later(timedelta(hours=25)):
        late = setup.get(f"/media/{story['id']}/insights", refresh="true", **params).json()
    late = late["insights"]
    assert late["status"] == "expired" and late["metrics"] == first["metrics"]
    assert late["graph_calls"] == 1  # its age, not its insights
