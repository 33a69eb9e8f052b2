"""post_feed, post_story and post_reel against the sandbox: they wait for Meta's processing
(on the sandbox clock, never in real time) and never publish a container twice."""
import pytest

from backend.services.instagram.graph import errors
from backend.services.instagram.graph.client import PublishWait

pytestmark = pytest.mark.e2e
IMAGE = dict(w=1080, h=1350)


def published_from(session, container_id, username="sandbox_business"):
    return [m for m in session.media_of(username) if m.get("container_id") == container_id]


def test_post_feed_appends_hashtags_and_publishes_once(sandbox_session):
    s = sandbox_session
    api = s.logged_in()
    result = api.post_feed(s.sample("image.jpg", **IMAGE), "Hello #sandbox",
                           ["#Sandbox", "launch", "new_day"])
    assert result["recovered"] is False
    media = api.get_media(result["id"], "caption,media_type,media_product_type")
    assert media["caption"] == "Hello #sandbox\n#launch #new_day"
    assert (media["media_type"], media["media_product_type"]) == ("IMAGE", "FEED")
    assert len(published_from(s, result["container_id"])) == 1
    # An image is published at once, as the platform does: no status read was needed.
    assert s.calls.count("GET", "/{id}") == 1 and s.calls.count("POST", "/media_publish") == 1
    assert s.time.pauses == []


def test_post_feed_refuses_a_bad_hashtag_before_calling_meta(sandbox_session):
    s = sandbox_session
    api = s.logged_in()
    made = len(s.calls.made)
    with pytest.raises(ValueError, match="'two words'"):
        api.post_feed(s.sample("image.jpg", **IMAGE), "Hi", ["fine", "two words"])
    assert len(s.calls.made) == made


@pytest.mark.parametrize("hashtags, expected", [
    ("food", "Menu\n#food"), ("food, #autumn", "Menu\n#food #autumn"),
    ("food autumn", "Menu\n#food #autumn"), (("food",), "Menu\n#food")])
def test_post_feed_takes_hashtags_as_one_text_never_letter_by_letter(sandbox_session, hashtags,
                                                                     expected):
    # "food" was published as "#f #o #d": a string is one text of tags, as a form sends it.
    s = sandbox_session
    api = s.logged_in()
    result = api.post_feed(s.sample("image.jpg", **IMAGE), "Menu", hashtags)
    assert api.get_media(result["id"], "caption")["caption"] == expected


def test_an_image_still_processing_is_published_once_it_is_ready(sandbox_session):
    s = sandbox_session
    s.settings(image_processing_seconds=4)
    api = s.logged_in()
    result = api.post_feed(s.sample("image.jpg", **IMAGE), "Slow image")
    # media_publish said 9007; the client waited on the sandbox clock, then published.
    assert sum(s.time.pauses) >= 4
    assert s.calls.count("POST", "/media_publish") == 2
    assert len(published_from(s, result["container_id"])) == 1


def test_a_lost_publish_answer_is_read_back_not_repeated(sandbox_session):
    s = sandbox_session
    api = s.logged_in()
    s.fault(path="media_publish$", method="POST", drop_connection=True, phase="after")
    result = api.post_feed(s.sample("image.jpg", **IMAGE), "Answer lost")
    assert result["recovered"] is True
    found = published_from(s, result["container_id"])
    assert [m["id"] for m in found] == [result["id"]]
    assert s.calls.count("POST", "/media_publish") == 1


def test_a_published_container_is_never_published_again(sandbox_session):
    s = sandbox_session
    api = s.logged_in()
    first = api.post_feed(s.sample("image.jpg", **IMAGE), "Only once")
    again = api.publish_when_ready(first["container_id"], caption="Only once",
                                   product_type="FEED")
    assert again == {"id": first["id"], "container_id": first["container_id"],
                     "recovered": True}
    assert s.calls.count("POST", "/media_publish") == 1
    assert len(published_from(s, first["container_id"])) == 1


def test_post_story_publishes_an_image_story(sandbox_session):
    s = sandbox_session
    api = s.logged_in()
    result = api.post_story(s.sample("image.jpg", w=1080, h=1920))
    stories = api.list_stories(api.account_id, "id,media_product_type")["data"]
    assert stories[0] == {"id": result["id"], "media_product_type": "STORY"}
    assert len(published_from(s, result["container_id"])) == 1


def test_post_story_refuses_text_meta_cannot_show(sandbox_session):
    s = sandbox_session
    api = s.logged_in()
    made = len(s.calls.made)
    with pytest.raises(ValueError, match="cannot put text on a story"):
        api.post_story(s.sample("image.jpg", w=1080, h=1920), "Sale today")
    assert len(s.calls.made) == made


def test_post_reel_waits_for_processing_with_growing_pauses(sandbox_session):
    s = sandbox_session
    s.settings(video_processing_seconds=6)
    api = s.logged_in()
    cover = s.sample("image.jpg", w=1080, h=1920)
    result = api.post_reel(s.sample("video.mp4", duration=12), "Reel", cover,
                           hashtags=["reels"])
    # 4.75 s of sandbox time: still processing; 8.125 s: done, and published.
    assert s.time.pauses == [1.0, 1.5, 2.25, 3.375]
    assert s.calls.count("POST", "/media_publish") == 1
    media = api.get_media(result["id"], "caption,media_product_type")
    assert media == {"caption": "Reel\n#reels", "media_product_type": "REELS",
                     "id": result["id"]}
    container = s.sandbox.state.stores["containers"].find(result["container_id"])
    assert container.request.options["cover_url"] == cover


def test_a_video_meta_cannot_process_fails_in_words_and_nothing_is_published(sandbox_session):
    s = sandbox_session
    s.settings(video_outcome="error")
    api = s.logged_in()
    with pytest.raises(errors.ContainerExpiredError) as failed:
        api.post_reel(s.sample("video.mp4", duration=12), "Broken")
    assert "2207053" in str(failed.value) and failed.value.subcode == 2207053
    assert s.calls.count("POST", "/media_publish") == 0
    assert published_from(s, failed.value.container_id) == []


def test_a_post_that_waited_too_long_resumes_with_its_container(sandbox_session):
    s = sandbox_session
    s.settings(video_processing_seconds=600)
    api = s.logged_in()
    api.publish_wait = PublishWait(sleep=s.time.sleep, clock=s.time.clock, timeout=60)
    with pytest.raises(errors.NotReadyError) as waited:
        api.post_reel(s.sample("video.mp4", duration=12), "Long")
    assert waited.value.reason == "processing_timeout"
    container_id = waited.value.container_id
    s.meta.advance(600)
    result = api.publish_when_ready(container_id, caption="Long", product_type="REELS")
    assert result["container_id"] == container_id and result["recovered"] is False
    assert len(published_from(s, container_id)) == 1
    assert len(s.sandbox.state.stores["containers"].by_id) == 1  # no second container


def test_facebook_login_posts_as_the_linked_account(sandbox_session):
    s = sandbox_session
    api = s.logged_in("facebook", sandbox_persona="creator")
    result = api.post_feed(s.sample("image.jpg", **IMAGE), "From Facebook Login")
    assert len(published_from(s, result["container_id"], "sandbox_creator")) == 1
