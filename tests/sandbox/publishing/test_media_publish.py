"""media_publish, the publishing quota and lost responses."""
from datetime import datetime

import pytest
import requests

from tests.sandbox.helpers import (FB, IG, create_id, error_of, image, publish,
                                   publish_id, published_media, status, video)

DAY = 24 * 3600


@pytest.fixture
def token(meta):
    return meta.ig_long_token()


def test_publish_an_image(meta, token):
    container_id = create_id(meta, token, image_url=image(meta), caption="Hi")
    media_id = publish_id(meta, token, container_id)
    assert status(meta, token, container_id)["status_code"] == "PUBLISHED"
    body = meta.ig(f"/{media_id}", token, fields="media_type,media_product_type,caption,"
                                                 "permalink,timestamp").json()
    assert (body["media_type"], body["media_product_type"], body["caption"]) == (
        "IMAGE", "FEED", "Hi")
    assert body["permalink"].startswith("https://www.instagram.com/p/")
    (listed,) = published_media(meta)
    assert (listed["id"], listed["container_id"]) == (media_id, container_id)
    newest = meta.ig("/me/media", token, limit=1).json()["data"][0]
    assert newest["id"] == media_id


def test_publish_a_reel_and_a_story(meta, token):
    reel = create_id(meta, token, media_type="REELS", video_url=video(meta))
    error_of(publish(meta, token, reel), 9007, 2207027)
    meta.advance(3)
    reel_media = meta.ig(f"/{publish_id(meta, token, reel)}", token,
                         fields="media_type,media_product_type,permalink,thumbnail_url").json()
    assert (reel_media["media_type"], reel_media["media_product_type"]) == ("VIDEO", "REELS")
    assert "/reel/" in reel_media["permalink"] and "thumbnail_url" in reel_media
    story = create_id(meta, token, media_type="STORIES", image_url=image(meta, 1080, 1920))
    story_media = meta.ig(f"/{publish_id(meta, token, story)}", token,
                          fields="media_product_type,permalink").json()
    assert story_media["media_product_type"] == "STORY"
    assert story_media["permalink"] == (
        f"https://www.instagram.com/stories/sandbox_business/{story_media['id']}/")


def test_publish_errors_by_container_state(meta, token):
    broken = create_id(meta, token, media_type="REELS", video_url=image(meta))
    meta.advance(3)
    error = error_of(publish(meta, token, broken), 352, 2207026)
    assert error["is_transient"] is False
    error_of(publish(meta, token, "17899999999999999"), 24, 2207008)
    error_of(meta.post(IG, "/me/media_publish", token), 100)
    child = create_id(meta, token, image_url=image(meta), is_carousel_item=True)
    error_of(publish(meta, token, child), 100)
    creator = meta.ig_short_token(sandbox_persona="creator")
    foreign = create_id(meta, creator, image_url=image(meta))
    error_of(publish(meta, token, foreign), 24, 2207006)


def test_container_expires_after_24_hours(meta, token):
    container_id = create_id(meta, token, image_url=image(meta))
    meta.advance(DAY - 10)
    assert status(meta, token, container_id)["status_code"] == "FINISHED"
    meta.advance(10)
    assert status(meta, token, container_id)["status_code"] == "EXPIRED"
    error_of(publish(meta, token, container_id), 24, 2207008)


def test_second_publish_makes_no_second_media(meta, token):
    container_id = create_id(meta, token, image_url=image(meta))
    media_id = publish_id(meta, token, container_id)
    error = error_of(publish(meta, token, container_id), 100)
    assert error["message"] == "(#100) The media has already been published"
    meta.settings(republish_answer="same_id")
    assert publish_id(meta, token, container_id) == media_id
    assert [m["id"] for m in published_media(meta)] == [media_id]
    limit = meta.ig("/me/content_publishing_limit", token).json()
    assert limit == {"data": [{"quota_usage": 1}]}


def test_publishing_quota(meta, token):
    meta.settings(publish_quota=2)
    for _ in range(2):
        publish_id(meta, token, create_id(meta, token, image_url=image(meta)))
    waiting = create_id(meta, token, image_url=image(meta))
    error = error_of(publish(meta, token, waiting), 9, 2207042)
    assert "maximum number of posts" in error["error_user_msg"]
    body = meta.ig("/me/content_publishing_limit", token, fields="quota_usage,config").json()
    assert body == {"data": [{"quota_usage": 2,
                              "config": {"quota_total": 2, "quota_duration": 86400}}]}
    meta.advance(DAY - 60)  # the first two leave the window; the container is still valid
    meta.advance(61)
    assert meta.ig("/me/content_publishing_limit", token).json()["data"][0]["quota_usage"] == 0
    fresh = create_id(meta, token, image_url=image(meta))
    assert publish(meta, token, fresh).status_code == 200
    assert len(published_media(meta)) == 3


def test_publishing_limit_fields_and_since(meta, token):
    publish_id(meta, token, create_id(meta, token, image_url=image(meta)))
    now = datetime.fromisoformat(meta.control("GET", "/clock").json()["now"]).timestamp()
    for since, usage in ((now - 60, 1), (now + 60, 0)):
        body = meta.ig("/me/content_publishing_limit", token, fields="quota_usage",
                       since=int(since))
        assert body.json() == {"data": [{"quota_usage": usage}]}
    error_of(meta.ig("/me/content_publishing_limit", token, fields="quota_total"), 100)


def test_lost_publish_response_still_publishes_once(meta, token):
    container_id = create_id(meta, token, image_url=image(meta))
    fault = {"path": "media_publish$", "drop_connection": True, "phase": "after"}
    assert meta.control("POST", "/faults", json=fault).status_code == 201
    with pytest.raises(requests.exceptions.ConnectionError):
        publish(meta, token, container_id)
    assert status(meta, token, container_id)["status_code"] == "PUBLISHED"
    (media,) = published_media(meta)
    assert media["container_id"] == container_id
    error_of(publish(meta, token, container_id), 100)  # a blind retry posts nothing
    assert len(published_media(meta)) == 1


def test_latency_fault_on_container_creation(meta, token):
    fault = {"path": "/media$", "method": "POST", "latency_ms": 500}
    meta.control("POST", "/faults", json=fault)
    with pytest.raises(requests.exceptions.Timeout):
        requests.post(f"{meta.url}/graph.instagram.com/me/media", timeout=0.2,
                      data={"access_token": token, "image_url": image(meta)})


def test_facebook_login_publishing(meta):
    user_token = meta.fb_user_token(long_lived=True)
    account = "17841400000000001"
    container_id = create_id(meta, user_token, FB, account, image_url=image(meta))
    media_id = publish_id(meta, user_token, container_id, FB, account)
    body = meta.fb(f"/v25.0/{media_id}", user_token, fields="id,owner,username").json()
    assert body == {"id": media_id, "owner": {"id": account}, "username": "sandbox_business"}
    limit = meta.fb(f"/{account}/content_publishing_limit", user_token, fields="config")
    assert limit.json()["data"][0]["config"]["quota_total"] == 100
