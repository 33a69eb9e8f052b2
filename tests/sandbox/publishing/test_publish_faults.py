"""The faults the platform's publishing tests use, exactly as docs/sandbox.md gives them."""
import json

import pytest
import requests

from tests.sandbox.helpers import (FB, IG, create, create_id, error_of, image, publish,
                                   publish_id, published_media, status, video)

LOST_PUBLISH = {"path": "media_publish$", "method": "POST", "drop_connection": True,
                "phase": "after"}
FRESH_CONTAINER_READS = {"path": "^/1789\\d+$", "method": "GET", "code": 100, "subcode": 33,
                         "times": 6}
CAROUSEL_PARENT_NOT_READY = {"path": "/media$", "method": "POST",
                             "params": {"media_type": "CAROUSEL"}, "code": 9007,
                             "subcode": 2207027}
SECOND_CHILD_NOT_FETCHED = {"path": "/media$", "method": "POST",
                            "params": {"is_carousel_item": "true"}, "nth": 2, "code": 9004,
                            "subcode": 2207052}
CONTAINER_READ_ERROR = {"path": "^/1789\\d+$", "method": "GET", "patch": {
    "status_code": "ERROR", "status": "Error: Media upload has failed with error code 2207053"}}
THROTTLED = {"path": "/media$", "method": "POST", "code": 4, "usage_exhausted": 15}


def add_fault(meta, spec):
    response = meta.control("POST", "/faults", json=spec)
    assert response.status_code == 201, response.text


@pytest.fixture
def token(meta):
    return meta.ig_long_token()


def square(meta):
    return image(meta, 1080, 1080)


def test_lost_publish_answer_then_a_second_publish(meta, token):
    container_id = create_id(meta, token, image_url=image(meta), caption="once")
    add_fault(meta, LOST_PUBLISH)
    with pytest.raises(requests.exceptions.ConnectionError):
        publish(meta, token, container_id)
    assert status(meta, token, container_id)["status_code"] == "PUBLISHED"
    (media,) = published_media(meta)
    # Publishing again never makes a second post: 100 by default, or the same id.
    error = error_of(publish(meta, token, container_id), 100)
    assert (error["message"], error["is_transient"]) == (
        "(#100) The media has already been published", False)
    meta.settings(republish_answer="same_id")
    assert publish_id(meta, token, container_id) == media["id"]
    assert len(published_media(meta)) == 1


def test_fresh_container_reads_answer_100_33_six_times(meta, token):
    reel = create_id(meta, token, media_type="REELS", video_url=video(meta))
    add_fault(meta, FRESH_CONTAINER_READS)
    for _ in range(6):
        error_of(meta.ig(f"/v25.0/{reel}", token, fields="status_code"), 100, 33)
    assert status(meta, token, reel)["status_code"] == "IN_PROGRESS"
    meta.advance(3)
    publish_id(meta, token, reel)  # media_publish was never matched


def test_not_ready_on_the_carousel_parent_only(meta, token):
    add_fault(meta, CAROUSEL_PARENT_NOT_READY)
    children = [create_id(meta, token, image_url=square(meta), is_carousel_item=True)
                for _ in range(2)]
    error = error_of(create(meta, token, media_type="CAROUSEL", children=",".join(children)),
                     9007, 2207027)
    assert error["message"] == "Media ID is not available"
    carousel = create_id(meta, token, media_type="CAROUSEL", children=",".join(children))
    publish_id(meta, token, carousel)


def test_media_not_fetched_for_the_second_child_only(meta, token):
    add_fault(meta, SECOND_CHILD_NOT_FETCHED)
    first = create_id(meta, token, image_url=square(meta), is_carousel_item=True)
    url = square(meta)
    error = error_of(create(meta, token, image_url=url, is_carousel_item=True), 9004, 2207052)
    assert url in error["error_user_msg"]
    rest = [create_id(meta, token, image_url=square(meta), is_carousel_item=True)
            for _ in range(2)]
    carousel = create_id(meta, token, media_type="CAROUSEL", children=",".join([first] + rest))
    publish_id(meta, token, carousel)


def test_a_container_read_says_error_2207053(meta):
    user_token = meta.fb_user_token()
    container_id = create_id(meta, user_token, FB, "17841400000000001", image_url=image(meta))
    add_fault(meta, CONTAINER_READ_ERROR)
    assert status(meta, user_token, container_id, FB) == {
        "status_code": "ERROR", "status": "Error: Media upload has failed with error code 2207053",
        "id": container_id}
    assert status(meta, user_token, container_id, FB)["status_code"] == "FINISHED"


def test_throttled_container_creation_with_usage_at_100_percent(meta, token):
    add_fault(meta, THROTTLED)
    response = create(meta, token, image_url=image(meta))
    assert error_of(response, 4)["is_transient"] is True
    assert json.loads(response.headers["X-App-Usage"])["call_count"] == 100
    (entry,) = json.loads(response.headers["X-Business-Use-Case-Usage"])["17841400000000001"]
    assert (entry["call_count"], entry["estimated_time_to_regain_access"]) == (100, 15)
    assert create(meta, token, image_url=image(meta)).ok


def test_a_published_story_is_listed_in_stories_not_in_media(meta):
    user_token = meta.fb_user_token()
    account = "17841400000000001"
    story = publish_id(meta, user_token, create_id(
        meta, user_token, FB, account, media_type="STORIES", image_url=image(meta, 1080, 1920)),
        FB, account)
    stories = meta.fb(f"/{account}/stories", user_token).json()["data"]
    assert stories[0]["id"] == story
    posts = meta.fb(f"/{account}/media", user_token, limit=100).json()["data"]
    assert story not in [post["id"] for post in posts]
    assert meta.ig("/me/stories", meta.ig_long_token()).json()["data"][0]["id"] == story


def test_ids_the_sandbox_gives(meta, token):
    container_id = create_id(meta, token, image_url=image(meta))
    media_id = publish_id(meta, token, container_id)
    seeded = meta.ig("/me/media", token, limit=1).json()["data"]
    assert (container_id, media_id) == ("17890000000000001", "18000000000000001")
    assert seeded[0]["id"] == media_id
    assert meta.ig("/me/media", token, limit=2).json()["data"][1]["id"].startswith("179")
    assert meta.get(IG, f"/{media_id}", params={"access_token": token}).ok
