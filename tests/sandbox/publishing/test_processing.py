"""Container processing: image time, video time growing with length and size, status texts."""
import pytest
import requests

from tests.sandbox.helpers import create, create_id, error_of, image, publish, publish_id, video

MIB = 1024 * 1024


@pytest.fixture
def token(meta):
    return meta.ig_long_token()


def read(meta, token, container_id):
    return meta.ig(f"/{container_id}", token,
                   fields="status_code,status,copyright_check_status").json()


def test_images_can_process_for_a_while(meta, token):
    meta.settings(image_processing_seconds=5)
    post = create_id(meta, token, image_url=image(meta))
    assert read(meta, token, post) == {
        "status_code": "IN_PROGRESS", "status": "In Progress: Media is still being processed.",
        "copyright_check_status": {"matches_found": False, "status": "not_started"},
        "id": post}
    error_of(publish(meta, token, post), 9007, 2207027)
    children = [create_id(meta, token, image_url=image(meta, 1080, 1080), is_carousel_item=True)
                for _ in range(2)]
    error_of(create(meta, token, media_type="CAROUSEL", children=",".join(children)),
             9007, 2207027)
    story = create_id(meta, token, media_type="STORIES", image_url=image(meta, 1080, 1920))
    meta.advance(4)
    assert read(meta, token, story)["status_code"] == "IN_PROGRESS"
    meta.advance(1)
    assert read(meta, token, post)["status"] == "Finished: Media has been uploaded"
    meta.advance(1)  # the story was created a moment after the post
    carousel = create_id(meta, token, media_type="CAROUSEL", children=",".join(children))
    assert read(meta, token, carousel)["status_code"] == "FINISHED"  # the parent: at once
    for container_id in (post, carousel, story):
        publish_id(meta, token, container_id)


def test_images_are_finished_at_creation_by_default(meta, token):
    child = create_id(meta, token, image_url=image(meta), is_carousel_item=True)
    assert read(meta, token, child)["status_code"] == "FINISHED"


def test_video_processing_grows_with_duration_and_size(meta, token):
    meta.settings(video_processing_seconds=2, video_processing_per_second=0.5,
                  video_processing_per_mb=1)
    url = video(meta, 12, mb=20)
    size = int(requests.head(url, timeout=5).headers["Content-Length"])
    ready_after = 2 + 0.5 * 12 + size / MIB  # about 28 s
    reel = create_id(meta, token, media_type="REELS", video_url=url)
    short = create_id(meta, token, media_type="REELS", video_url=video(meta, 4))
    meta.advance(ready_after - 0.2)
    assert read(meta, token, reel)["status_code"] == "IN_PROGRESS"
    assert read(meta, token, short)["status_code"] == "FINISHED"  # 2 + 2 s + a few KiB
    meta.advance(0.4)
    assert read(meta, token, reel)["status_code"] == "FINISHED"


def test_fixed_video_processing_is_the_default(meta, token):
    reel = create_id(meta, token, media_type="REELS", video_url=video(meta, 60, mb=50))
    meta.advance(2.9)
    assert read(meta, token, reel)["status_code"] == "IN_PROGRESS"
    meta.advance(0.1)
    assert read(meta, token, reel)["status_code"] == "FINISHED"


def test_status_text_of_every_status_code(meta, token):
    meta.settings(video_outcome="error")
    failed = create_id(meta, token, media_type="REELS", video_url=video(meta))
    meta.settings(video_outcome="auto")
    processing = create_id(meta, token, media_type="REELS", video_url=video(meta))
    assert read(meta, token, processing)["status"] == (
        "In Progress: Media is still being processed.")
    meta.advance(3)
    published = create_id(meta, token, image_url=image(meta))
    publish_id(meta, token, published)
    texts = {container_id: read(meta, token, container_id)
             for container_id in (failed, processing, published)}
    assert [(t["status_code"], t["status"]) for t in texts.values()] == [
        ("ERROR", "Error: Media upload has failed with error code 2207053"),
        ("FINISHED", "Finished: Media has been uploaded"),
        ("PUBLISHED", "Published: Media has been published")]
    meta.advance(24 * 3600)
    assert read(meta, token, processing)["status"] == "Expired: Media has expired"


@pytest.mark.parametrize("changes", [
    {"video_processing_per_second": True}, {"video_processing_per_mb": -1},
    {"image_processing_seconds": "5"},
])
def test_processing_settings_are_checked(meta, changes):
    assert meta.control("POST", "/settings", json=changes).status_code == 400


def test_processing_settings_take_fractions(meta):
    meta.settings(video_processing_per_second=0.25, image_processing_seconds=1.5)
    settings = meta.control("GET", "/settings").json()
    assert (settings["video_processing_per_second"], settings["image_processing_seconds"]) == (
        0.25, 1.5)
