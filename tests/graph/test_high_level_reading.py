"""authenticate, get_account_info, get_media, get_insights and refresh_access_token of the
client against the sandbox, as a script would use them."""
from datetime import datetime, timedelta, timezone

import pytest

from backend.services.instagram.graph import errors
from backend.services.instagram.graph.client import ClientSettings, InstagramAPI

pytestmark = pytest.mark.e2e
BUSINESS_ID = "17841400000000001"


def test_authenticate_returns_a_long_lived_token_and_the_user(sandbox_session):
    s = sandbox_session
    api = s.client()
    token, user = api.authenticate(s.code())
    assert token.startswith("IGAA") and api.access_token == token
    assert user["user_id"] == BUSINESS_ID and user["username"] == "sandbox_business"
    assert user["account_type"] == "BUSINESS"
    assert api.account_id == BUSINESS_ID
    days = (api.token_expires_at - datetime.now(timezone.utc)) / timedelta(days=1)
    assert 59 < days <= 60


def test_authenticate_spends_the_code(sandbox_session):
    s = sandbox_session
    code = s.code()
    s.client().authenticate(code)
    with pytest.raises(errors.InstagramAPIError, match="already used"):
        s.client().authenticate(code)


def test_authenticate_needs_the_redirect_uri_of_the_dialog(sandbox_session):
    s = sandbox_session
    with pytest.raises(ValueError, match="redirect_uri"):
        s.client(redirect_uri=None).authenticate(s.code())


def test_authenticate_with_facebook_login_takes_the_linked_account(sandbox_session):
    s = sandbox_session
    api = s.client("facebook")
    token, user = api.authenticate(s.code("facebook", sandbox_persona="creator"))
    assert token.startswith("EAA") and api.account_id == "17841400000000002"
    assert user["username"] == "sandbox_creator"
    assert api.get_account_info()["id"] == "17841400000000002"


def test_get_account_info_reads_the_profile(sandbox_session):
    info = sandbox_session.logged_in(sandbox_persona="creator").get_account_info()
    assert info["username"] == "sandbox_creator"
    assert info["account_type"] == "MEDIA_CREATOR"
    assert info["followers_count"] == 12800 and info["media_count"] == 60


def test_get_media_pages_through_the_posts(sandbox_session):
    api = sandbox_session.logged_in()
    first, cursor = api.get_media(limit=50)
    assert len(first) == 50 and cursor
    second, cursor = api.get_media(limit=50, after=cursor)
    third, last = api.get_media(limit=50, after=cursor)
    ids = [m["id"] for m in first + second + third]
    assert len(ids) == len(set(ids)) == 120 and last is None  # the business persona's posts
    stamps = [m["timestamp"] for m in first + second + third]
    assert stamps == sorted(stamps, reverse=True)
    one = api.get_media(ids[0], "id,caption")  # with a media id: that media, as before
    assert one == {"id": ids[0], "caption": first[0]["caption"]}


def test_get_media_limit_after_as_the_status_report_names_it(sandbox_session):
    api = sandbox_session.logged_in()
    first, cursor = api.get_media(2)
    second, _ = api.get_media(2, cursor)
    assert (first, cursor) == api.get_media(limit=2)
    assert second == api.get_media(limit=2, after=cursor)[0]
    assert len({m["id"] for m in first + second}) == 4


@pytest.mark.parametrize("call, error", [
    (lambda api: api.get_media("179", limit=10), "leave media_id out"),
    (lambda api: api.get_media(10, limit=10), "given twice"),
    (lambda api: api.get_media("179", "id", fields="caption"), "given twice"),
    (lambda api: api.get_media(1, "a", "b"), "get_media"),
])
def test_get_media_says_how_to_page(sandbox_session, call, error):
    with pytest.raises(TypeError, match=error):
        call(sandbox_session.logged_in())


@pytest.mark.parametrize("limit", [0, -1, 101, True, "10"])
def test_get_media_refuses_a_page_size_meta_would_not_answer_as_asked(sandbox_session, limit):
    # limit=0 used to give a full page silently.
    with pytest.raises(ValueError, match="limit must be 1 to 100"):
        sandbox_session.logged_in().get_media(limit=limit)


@pytest.mark.parametrize("post_id", [None, "", "abc", True, 1.5, ["1"], "١٢"])
def test_get_insights_names_a_post_id_that_is_not_one(sandbox_session, post_id):
    # None read the account's page and failed with AttributeError: 'tuple' has no 'get'.
    with pytest.raises(ValueError, match="post_id must be a media id"):
        sandbox_session.logged_in().get_insights(post_id)


def test_get_insights_of_each_kind_of_post(sandbox_session):
    api = sandbox_session.logged_in()
    posts, _ = api.get_media(limit=4, fields="id,media_type,media_product_type")
    reel = next(p for p in posts if p["media_product_type"] == "REELS")
    album = next(p for p in posts if p["media_type"] == "CAROUSEL_ALBUM")
    reel_insights = api.get_insights(reel["id"])
    assert reel_insights["media_product_type"] == "REELS"
    assert {"views", "reach", "ig_reels_avg_watch_time"} <= set(reel_insights["metrics"])
    assert "profile_visits" not in reel_insights["metrics"]
    album_insights = api.get_insights(album["id"])
    assert {"views", "reach", "saved", "profile_visits"} <= set(album_insights["metrics"])
    assert all(isinstance(v, (int, float)) for v in album_insights["metrics"].values())


def test_get_insights_of_a_story_has_its_navigation(sandbox_session):
    api = sandbox_session.logged_in()
    story = api.list_stories(api.account_id, "id")["data"][0]
    insights = api.get_insights(story["id"])
    assert insights["media_product_type"] == "STORY" and "replies" in insights["metrics"]
    assert insights["breakdowns"]["navigation"]["dimensions"] == ["story_navigation_action_type"]


def test_get_insights_of_a_new_post_are_empty_until_meta_has_them(sandbox_session):
    s = sandbox_session
    api = s.logged_in()
    post = api.post_feed(s.sample("image.jpg", w=1080, h=1080), "Fresh")
    assert api.get_insights(post["id"])["metrics"] == {}
    s.meta.advance(601)
    assert api.get_insights(post["id"])["metrics"]["reach"] >= 0


def test_get_insights_drops_a_metric_meta_rejects_and_remembers_it(sandbox_session):
    s = sandbox_session
    api = s.logged_in()
    album = next(p for p in api.get_media(limit=4, fields="id,media_type")[0]
                 if p["media_type"] == "CAROUSEL_ALBUM")
    s.fault(path="/insights$", code=100, message="(#100) The Media Insights API does not "
            "support the saved metric for this media product type")
    insights = api.get_insights(album["id"])
    assert insights["dropped"] == {"saved": "rejected_by_meta"}
    assert "saved" not in insights["metrics"] and "reach" in insights["metrics"]
    again = api.get_insights(album["id"])  # not asked for again
    assert "saved" not in again["metrics"] and again["dropped"] == {}


def test_refresh_access_token_renews_a_day_old_token(sandbox_session):
    s = sandbox_session
    api = s.logged_in()
    old = api.access_token
    with pytest.raises(errors.InstagramAPIError):
        api.refresh_access_token(old)  # Meta refreshes tokens at least 24 hours old
    s.meta.advance(25 * 3600)
    fresh = api.refresh_access_token(old)
    assert fresh["access_token"] != old and fresh["expires_in"] == 5184000
    assert api.access_token == fresh["access_token"]  # the client goes on with it
    assert api.get_account_info()["user_id"] == BUSINESS_ID


def test_the_redirect_uri_comes_from_the_shared_settings():
    settings = ClientSettings(app_id="1", app_secret="s" * 16, redirect_uri="https://a/cb")
    assert InstagramAPI.from_settings(settings).redirect_uri == "https://a/cb"
