"""Creating containers: every type, media fetched over HTTP, the 2207xxx creation errors."""
import pytest

from tests.sandbox.helpers import (FB, IG, create, create_id, error_of, image,
                                   publish_id, status, video)


@pytest.fixture
def token(meta):
    return meta.ig_short_token()


def test_image_container_is_finished_at_once(meta, token):
    container_id = create_id(meta, token, image_url=image(meta), caption="Hello #sandbox")
    assert status(meta, token, container_id) == {
        "status_code": "FINISHED", "status": "Finished: Media has been uploaded",
        "id": container_id}
    # A JSON body, a Bearer header, the professional or app-scoped id in the path work too.
    for account in ("17841400000000001", "26000000000000001"):
        response = meta.request("POST", IG, f"/{account}/media",
                                json={"image_url": image(meta), "is_carousel_item": True},
                                headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text


def test_reel_is_in_progress_then_finished(meta, token):
    container_id = create_id(meta, token, media_type="REELS", video_url=video(meta),
                             share_to_feed="true", thumb_offset=1000)
    body = meta.ig(f"/{container_id}", token, fields="status_code,copyright_check_status").json()
    assert body["status_code"] == "IN_PROGRESS"
    assert body["copyright_check_status"] == {"matches_found": False, "status": "in_progress"}
    meta.advance(3)
    assert status(meta, token, container_id)["status_code"] == "FINISHED"


def test_carousel_of_three_with_a_video_child(meta, token):
    children = [create_id(meta, token, image_url=image(meta, 1080, 1080), is_carousel_item=True),
                create_id(meta, token, media_type="VIDEO", is_carousel_item="true",
                          video_url=video(meta, 10, 1080, 1080)),
                create_id(meta, token, image_url=image(meta, 1080, 1080), is_carousel_item=True)]
    error_of(create(meta, token, media_type="CAROUSEL", children=",".join(children)), 9007,
             2207027)  # the video child is still processing
    meta.advance(3)
    carousel = create_id(meta, token, media_type="CAROUSEL", caption="three",
                         children=f'["{children[0]}", "{children[1]}", "{children[2]}"]')
    assert status(meta, token, carousel)["status_code"] == "FINISHED"
    media_id = publish_id(meta, token, carousel)
    body = meta.ig(f"/{media_id}", token,
                   fields="media_type,media_product_type,children{id,media_type,media_url}")
    album = body.json()
    assert (album["media_type"], album["media_product_type"]) == ("CAROUSEL_ALBUM", "FEED")
    assert [c["media_type"] for c in album["children"]["data"]] == ["IMAGE", "VIDEO", "IMAGE"]
    assert all(c["media_url"].startswith(meta.url) for c in album["children"]["data"])
    for child in children:
        assert status(meta, token, child)["status_code"] == "PUBLISHED"


def test_stories_take_an_image_or_a_video(meta, token):
    # No aspect-ratio rule for stories.
    story = create_id(meta, token, media_type="STORIES", image_url=image(meta, 1080, 300))
    assert status(meta, token, story)["status_code"] == "FINISHED"
    story_video = create_id(meta, token, media_type="STORIES", video_url=video(meta, 15))
    assert status(meta, token, story_video)["status_code"] == "IN_PROGRESS"


def test_facebook_login_creates_containers_for_the_ig_user(meta):
    user_token = meta.fb_user_token()
    container_id = create_id(meta, user_token, FB, "17841400000000001", image_url=image(meta))
    assert status(meta, user_token, container_id, FB)["status_code"] == "FINISHED"
    page_token = meta.page_token(user_token)
    assert create(meta, page_token, FB, "17841400000000001",
                  image_url=image(meta)).status_code == 200
    error_of(create(meta, user_token, FB, "17841400000000002", image_url=image(meta)), 100, 33)


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/closed.jpg", "/_sandbox/samples/gone.jpg",
                                 "/_sandbox/samples/text.txt", "ftp://example.com/a.jpg"])
def test_media_that_cannot_be_fetched(meta, token, url):
    url = meta.url + url if url.startswith("/") else url
    error = error_of(create(meta, token, image_url=url), 9004, 2207052)
    assert url in error["error_user_msg"]


def test_slow_media_times_out(meta, token):
    meta.settings(fetch_timeout_ms=200)
    error = error_of(create(meta, token, image_url=image(meta, delay_ms=1000)), -2, 2207003)
    assert error["is_transient"] is True


@pytest.mark.parametrize("params,code,subcode", [
    ({"image_url": "image.png"}, 36001, 2207005),
    ({"image_url": "image.webp"}, 36001, 2207005),
    ({"image_url": "image.jpg?w=1080&h=1080&kb=9000"}, 36000, 2207004),
    ({"image_url": "image.jpg?w=1080&h=300"}, 36003, 2207009),
    ({"image_url": "image.jpg?w=1080&h=1500"}, 36003, 2207009),
    ({"image_url": "image.jpg", "caption": "x" * 2201}, 36004, 2207010),
    ({"image_url": "image.jpg", "caption": " ".join(f"#t{i}" for i in range(31))}, 36004,
     2207010),
    ({"image_url": "image.jpg", "caption": " ".join(f"@u{i}" for i in range(21))}, 36004,
     2207010),
    ({"image_url": "image.jpg",
      "user_tags": "[" + ",".join(f'{{"username":"u{i}","x":0.5,"y":0.5}}'
                                  for i in range(21)) + "]"}, 100, 2207040),
    ({"media_type": "CAROUSEL", "children": "1"}, 100, 2207028),
    ({"media_type": "CAROUSEL", "children": ",".join(["1"] * 11)}, 100, 2207028),
    ({"media_type": "VIDEO", "video_url": "video.mp4"}, 100, 2207023),
    ({"media_type": "GIF", "image_url": "image.jpg"}, 100, 2207023),
    ({"media_type": "REELS"}, 100, None),
    ({"image_url": "image.jpg", "collaborators": "a,b,c,d"}, 100, None),
    ({"media_type": "STORIES", "image_url": "image.jpg", "collaborators": "a"}, 100, None),
    ({"image_url": "image.jpg", "is_carousel_item": "true", "caption": "no"}, 100, None),
    ({"media_type": "REELS", "video_url": "video.mp4?duration=10", "thumb_offset": "20000"}, 1,
     2207057),
])
def test_creation_errors(meta, token, params, code, subcode):
    params = {key: (f"{meta.url}/_sandbox/samples/{value}" if key.endswith("_url") else value)
              for key, value in params.items()}
    error = error_of(create(meta, token, **params), code, subcode)
    if params.get("media_type") == "REELS" and "video_url" not in params:
        assert error["message"] == "(#100) The parameter video_url is required"


@pytest.mark.parametrize("url,subcode", [
    ("video.mp4?duration=2", 2207077), ("video.mp4?duration=901", 2207077),
    ("video.mp4?duration=30&mb=301", 2207082), ("image.jpg", 2207026),
])
def test_video_spec_failures_end_in_error(meta, token, url, subcode):
    container_id = create_id(meta, token, media_type="REELS",
                             video_url=f"{meta.url}/_sandbox/samples/{url}")
    assert status(meta, token, container_id)["status_code"] == "IN_PROGRESS"
    meta.advance(3)
    assert status(meta, token, container_id) == {
        "status_code": "ERROR", "id": container_id,
        "status": f"Error: Media upload has failed with error code {subcode}"}


def test_story_video_limits(meta, token):
    long_story = create_id(meta, token, media_type="STORIES", video_url=video(meta, 61))
    big_story = create_id(meta, token, media_type="STORIES", video_url=video(meta, 30, mb=101))
    fine = create_id(meta, token, media_type="STORIES", video_url=video(meta, 60, moov="end"))
    meta.advance(3)
    assert status(meta, token, long_story)["status"].endswith("2207077")
    assert status(meta, token, big_story)["status"].endswith("2207082")
    assert status(meta, token, fine)["status_code"] == "FINISHED"


def test_video_outcome_setting_forces_the_result(meta, token):
    meta.settings(video_outcome="error", video_processing_seconds=10)
    failing = create_id(meta, token, media_type="REELS", video_url=video(meta))
    meta.settings(video_outcome="finish")
    forced_ok = create_id(meta, token, media_type="REELS", video_url=video(meta, 1))
    meta.advance(9)
    assert status(meta, token, failing)["status_code"] == "IN_PROGRESS"
    meta.advance(1)
    assert status(meta, token, failing)["status"] == (
        "Error: Media upload has failed with error code 2207053")
    assert status(meta, token, forced_ok)["status_code"] == "FINISHED"
    assert meta.control("POST", "/settings", json={"video_outcome": "maybe"}).status_code == 400


def test_carousel_children_must_be_usable(meta, token):
    other = meta.ig_short_token(sandbox_persona="creator")
    foreign = create_id(meta, other, image_url=image(meta, 1080, 1080), is_carousel_item=True)
    mine = create_id(meta, token, image_url=image(meta, 1080, 1080), is_carousel_item=True)
    error_of(create(meta, token, media_type="CAROUSEL", children=f"{mine},{foreign}"), 24,
             2207006)
    plain = create_id(meta, token, image_url=image(meta, 1080, 1080))
    error_of(create(meta, token, media_type="CAROUSEL", children=f"{mine},{plain}"), 100)


def test_publishing_permission_is_required(meta):
    token = meta.ig_short_token(scope="instagram_business_basic")
    error = error_of(create(meta, token, image_url=image(meta)), 10)
    assert "instagram_business_content_publish" in error["message"]
    fb_token = meta.fb_user_token(scope="instagram_basic,pages_show_list")
    error = error_of(create(meta, fb_token, FB, "17841400000000001", image_url=image(meta)), 10)
    assert "instagram_content_publish" in error["message"]


def test_container_limit_per_day(meta, token):
    meta.settings(container_quota=2)
    for _ in range(2):
        create_id(meta, token, image_url=image(meta))
    error_of(create(meta, token, image_url=image(meta)), 9, 2207042)
    meta.advance(24 * 3600 + 1)
    token = meta.ig_short_token()
    assert create(meta, token, image_url=image(meta)).status_code == 200
