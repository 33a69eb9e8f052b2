"""Pure checks of a post's content: caption, hashtags, mentions, tags and carousel shape."""
import pytest

from backend.services.instagram.preflight.rules import (Problem, build_caption, caption_counts,
                                                        caption_summary, check_post,
                                                        feed_caption_preview, has_errors,
                                                        normalize_hashtags)

IMG = "https://cdn.example.com/a.jpg"
VID = "https://cdn.example.com/a.mp4"


def found(problems):
    return {(p.field, p.code, p.severity) for p in problems}


def errors(problems):
    return {(p.field, p.code) for p in problems if p.severity == "error"}


def post(kind, **fields):
    media = {"feed": {"image_url": IMG}, "reel": {"video_url": VID}, "story": {"image_url": IMG},
             "carousel": {"items": [{"image_url": IMG}, {"video_url": VID}]}}[kind]
    return check_post(kind, {"account_id": 7, **media, **fields})


# --- caption text ---------------------------------------------------------------------------

def test_hashtags_are_normalised_and_appended_on_a_new_line():
    text = build_caption("Sunset at the pier", ["#Beach", " sunset ", "beach", "SUNSET", "travel"])
    assert text == "Sunset at the pier\n#Beach #sunset #travel"


def test_hashtags_already_in_the_caption_are_not_repeated():
    assert build_caption("Hello #Cats", ["cats", "cat"]) == "Hello #Cats\n#cat"
    assert build_caption("Hello #cats #dogs", ["CATS", "#dogs"]) == "Hello #cats #dogs"


def test_caption_without_hashtags_is_unchanged_and_tags_alone_have_no_blank_line():
    assert build_caption("  keep  \n", None) == "  keep  \n"
    assert build_caption("", ["one", "two"]) == "#one #two"
    assert build_caption(None, []) == ""


def test_invalid_hashtags_are_problems_and_left_out():
    tags, problems = normalize_hashtags(["ok", "two words", "#", "semi;colon", 5, "東京", "café"])
    assert tags == ["ok", "東京", "café"]
    assert {p.field for p in problems} == {"hashtags[1]", "hashtags[2]", "hashtags[3]",
                                           "hashtags[4]"}
    assert {p.code for p in problems} == {"hashtag_invalid"}
    assert build_caption("x", ["two words", "fine"]) == "x\n#fine"


def test_counts_follow_instagram_rules():
    text = ("Hi @alice and @bob.smith. Mail me at me@example.com #café #東京 #नमस्ते "
            "a#b AT&T#1 ## #_ok 🎉")
    counts = caption_counts(text)
    assert counts == {"characters": len(text), "hashtags": 4, "mentions": 2}


def test_counts_characters_not_bytes():
    assert caption_counts("é" * 10)["characters"] == 10


def test_caption_summary():
    summary = caption_summary("Hello", ["a"])
    assert summary == {"text": "Hello\n#a", "characters": 8, "hashtags": 1, "mentions": 0,
                       "feed_preview": "Hello\n#a"}


@pytest.mark.parametrize("text, expected", [
    ("short", "short"),
    ("x" * 125, "x" * 125),
    ("x" * 130, "x" * 125 + "... more"),
    ("one\ntwo\nthree", "one\ntwo... more"),
    ("one\ntwo\n\n", "one\ntwo\n\n"),
    ("a" * 100 + "\n" + "b" * 100, "a" * 100 + "\n" + "b" * 24 + "... more")])
def test_feed_caption_preview(text, expected):
    assert feed_caption_preview(text) == expected


# --- caption limits -------------------------------------------------------------------------

def test_caption_limits():
    assert errors(post("feed", caption="x" * 2200)) == set()
    assert errors(post("feed", caption="x" * 2201)) == {("caption", "caption_too_long")}
    # Appended hashtags count towards both limits.
    many = " ".join(f"#t{i}" for i in range(25))
    assert errors(post("feed", caption=many, hashtags=[f"u{i}" for i in range(5)])) == set()
    assert errors(post("feed", caption=many, hashtags=[f"u{i}" for i in range(6)])) == {
        ("caption", "too_many_hashtags")}
    mentions = " ".join(f"@user{i}" for i in range(21))
    assert errors(post("reel", caption=mentions)) == {("caption", "too_many_mentions")}


def test_caption_and_hashtags_types():
    assert errors(post("feed", caption=5)) == {("caption", "caption_invalid")}
    assert errors(post("feed", hashtags="a,b")) == {("hashtags", "hashtags_invalid")}
    assert errors(post("feed", hashtags=["bad tag"])) == {("hashtags[0]", "hashtag_invalid")}


# --- tags, collaborators, alt text, location, reel fields -----------------------------------

def test_valid_posts_of_every_kind_have_no_problems():
    tag = {"username": "alice.b_2", "x": 0.5, "y": 1}
    assert post("feed", caption="Hi @bob #sun", hashtags=["sea"], user_tags=[tag],
                alt_text="A beach", location_id="123456", collaborators=["bob", "carol"]) == []
    assert post("reel", caption="x", user_tags=[{"username": "alice"}], share_to_feed=False,
                cover_url="https://cdn.example.com/c.jpg", audio_name="Song",
                collaborators=["bob"], location_id="1") == []
    assert post("story", video_url=VID, image_url=None, user_tags=[{"username": "a"}]) == []
    assert post("carousel", caption="x", location_id="1", collaborators=["a"],
                share_to_feed=True) == []


@pytest.mark.parametrize("tag, field, code", [
    ({"username": "@alice", "x": 0.1, "y": 0.1}, "user_tags[0].username", "username_invalid"),
    ({"username": "two words", "x": 0.1, "y": 0.1}, "user_tags[0].username", "username_invalid"),
    ({"username": "a" * 31, "x": 0.1, "y": 0.1}, "user_tags[0].username", "username_invalid"),
    ({"x": 0.1, "y": 0.1}, "user_tags[0].username", "username_invalid"),
    ({"username": "alice", "y": 0.1}, "user_tags[0].x", "user_tag_position_missing"),
    ({"username": "alice", "x": 1.5, "y": 0.1}, "user_tags[0].x", "user_tag_position_invalid"),
    ({"username": "alice", "x": 0.1, "y": -0.1}, "user_tags[0].y", "user_tag_position_invalid"),
    ({"username": "alice", "x": True, "y": 0.1}, "user_tags[0].x", "user_tag_position_invalid"),
    ({"username": "alice", "x": "0.5", "y": 0.1}, "user_tags[0].x",
     "user_tag_position_invalid"),
    ("alice", "user_tags[0]", "user_tag_invalid")])
def test_user_tags_on_images(tag, field, code):
    assert errors(post("feed", user_tags=[tag])) == {(field, code)}


def test_leading_at_gets_a_hint():
    [problem] = post("feed", collaborators=["@bob"])
    assert "leading @" in problem.message


def test_user_tag_limits_and_types():
    tags = [{"username": f"u{i}", "x": 0.5, "y": 0.5} for i in range(21)]
    assert errors(post("feed", user_tags=tags)) == {("user_tags", "too_many_user_tags")}
    assert errors(post("feed", user_tags=tags[:20])) == set()
    assert errors(post("feed", user_tags={"username": "a"})) == {("user_tags",
                                                                  "user_tags_invalid")}


def test_positions_on_video_tags_are_ignored_with_a_warning():
    problems = post("reel", user_tags=[{"username": "alice", "x": 0.5, "y": 0.5}])
    assert found(problems) == {("user_tags[0]", "user_tag_position_ignored", "warning")}


def test_story_image_tags_need_no_position_but_a_given_one_is_checked():
    assert post("story", user_tags=[{"username": "alice"}]) == []
    assert errors(post("story", user_tags=[{"username": "alice", "x": 2, "y": 0}])) == {
        ("user_tags[0].x", "user_tag_position_invalid")}


def test_collaborators():
    assert errors(post("feed", collaborators=["a", "b", "c", "d"])) == {
        ("collaborators", "too_many_collaborators")}
    assert errors(post("reel", collaborators=["ok", "not ok"])) == {
        ("collaborators[1]", "username_invalid")}
    assert errors(post("story", collaborators=["a"])) == {
        ("collaborators", "collaborators_not_allowed")}
    assert errors(post("feed", collaborators="a")) == {("collaborators",
                                                        "collaborators_invalid")}


def test_alt_text():
    assert errors(post("feed", alt_text="x" * 1000)) == set()
    assert errors(post("feed", alt_text="x" * 1001)) == {("alt_text", "alt_text_too_long")}
    assert errors(post("reel", alt_text="A dance")) == {("alt_text", "alt_text_not_allowed")}
    items = [{"image_url": IMG, "alt_text": "fine"}, {"video_url": VID, "alt_text": "no"}]
    assert errors(post("carousel", items=items)) == {("items[1].alt_text",
                                                      "alt_text_not_allowed")}
    [problem] = post("carousel", alt_text="on the parent")
    assert (problem.code, problem.severity) == ("field_ignored", "warning")
    assert "items" in problem.message


@pytest.mark.parametrize("value", ["abc", "12a", 123, " 1"])
def test_location_id_must_be_a_numeric_string(value):
    assert errors(post("feed", location_id=value)) == {("location_id", "location_id_invalid")}


@pytest.mark.parametrize("value", [-1, 1.5, True, "100"])
def test_thumb_offset_must_be_non_negative_milliseconds(value):
    assert errors(post("reel", thumb_offset=value)) == {("thumb_offset", "thumb_offset_invalid")}


def test_reel_fields():
    assert post("reel", thumb_offset=0) == []
    assert found(post("reel", thumb_offset=1500, cover_url="https://cdn.example.com/c.jpg")) == {
        ("thumb_offset", "thumb_offset_ignored", "warning")}
    assert errors(post("reel", cover_url="http://cdn.example.com/c.jpg")) == {
        ("cover_url", "url_not_https")}
    assert errors(post("reel", share_to_feed="yes")) == {("share_to_feed",
                                                          "share_to_feed_invalid")}
    assert errors(post("reel", audio_name=5)) == {("audio_name", "audio_name_invalid")}


def test_fields_a_kind_does_not_take_are_ignored_with_a_warning():
    assert found(post("feed", thumb_offset=10, share_to_feed=True)) == {
        ("thumb_offset", "field_ignored", "warning"),
        ("share_to_feed", "field_ignored", "warning")}
    assert found(post("story", location_id="1", alt_text="x")) == {
        ("location_id", "field_ignored", "warning"), ("alt_text", "field_ignored", "warning")}


# --- media sources, carousels, stories ------------------------------------------------------

def test_media_sources():
    assert errors(check_post("feed", {"account_id": 1})) == {("image_url", "media_missing")}
    assert errors(post("feed", video_url=VID)) == {("video_url", "media_ambiguous")}
    [problem] = check_post("feed", {"account_id": 1, "video_url": VID})
    assert problem.code == "media_type_not_allowed" and "reel" in problem.message
    assert errors(check_post("reel", {"account_id": 1, "image_url": IMG})) == {
        ("image_url", "media_type_not_allowed")}
    assert errors(post("feed", image_url="http://cdn.example.com/a.jpg")) == {
        ("image_url", "url_not_https")}
    assert check_post("feed", {"account_id": 1, "upload_token": "tok"}) == []
    assert errors(check_post("story", {"account_id": 1, "upload_token": 5})) == {
        ("upload_token", "upload_token_invalid")}


def test_kind_and_account():
    assert errors(check_post("video", {})) == {("kind", "kind_invalid")}
    assert errors(check_post("feed", {"image_url": IMG})) == {("account_id",
                                                               "account_id_missing")}


@pytest.mark.parametrize("count, code", [(0, "carousel_too_few_items"),
                                         (1, "carousel_too_few_items"),
                                         (11, "carousel_too_many_items")])
def test_carousel_item_count(count, code):
    assert errors(post("carousel", items=[{"image_url": IMG}] * count)) == {("items", code)}


def test_carousel_with_ten_items_is_fine():
    assert post("carousel", items=[{"image_url": IMG}] * 10) == []


def test_carousel_items_are_validated_as_a_whole():
    items = [{"image_url": IMG, "caption": "no", "hashtags": ["no"]},
             {"video_url": VID, "location_id": "1", "collaborators": ["a"]},
             {"image_url": IMG, "video_url": VID},
             {},
             {"upload_token": "tok", "user_tags": [{"username": "a", "x": 0.1, "y": 0.2}]},
             {"image_url": IMG, "user_tags": [{"username": "a"}]},
             {"video_url": VID, "user_tags": [{"username": "a", "x": 0.1, "y": 0.2}]},
             "not an item"]
    assert found(post("carousel", items=items)) == {
        ("items[0].caption", "item_caption_not_allowed", "error"),
        ("items[0].hashtags", "item_caption_not_allowed", "error"),
        ("items[1].location_id", "item_location_not_allowed", "error"),
        ("items[1].collaborators", "item_collaborators_not_allowed", "error"),
        ("items[2].video_url", "media_ambiguous", "error"),
        ("items[3].image_url", "media_missing", "error"),
        ("items[5].user_tags[0].x", "user_tag_position_missing", "error"),
        ("items[5].user_tags[0].y", "user_tag_position_missing", "error"),
        ("items[6].user_tags[0]", "user_tag_position_ignored", "warning"),
        ("items[7]", "item_invalid", "error")}


def test_carousel_takes_media_only_in_items():
    assert errors(post("carousel", image_url=IMG)) == {("image_url", "media_type_not_allowed")}
    assert errors(post("carousel", items="x")) == {("items", "items_invalid")}


def test_story_caption_is_a_warning():
    assert found(post("story", caption="Not shown")) == {("caption", "caption_ignored",
                                                          "warning")}
    assert found(post("story", hashtags=["a"])) == {("caption", "caption_ignored", "warning")}
    assert errors(post("story", image_url=IMG, video_url=VID)) == {("video_url",
                                                                    "media_ambiguous")}


def test_problem_helpers():
    warning = Problem("caption", "caption_ignored", "Captions are not shown.", "warning")
    assert warning.to_dict() == {"field": "caption", "code": "caption_ignored",
                                 "message": "Captions are not shown.", "severity": "warning"}
    assert not has_errors([warning])
    assert has_errors([warning, Problem("kind", "kind_invalid", "Bad kind.")])


@pytest.mark.parametrize("url,allowed", [
    ("http://127.0.0.1:8001/_sandbox/samples/image.jpg", True),
    ("http://localhost/photo.jpg", True),
    ("http://example.com/photo.jpg", False),
    ("http://10.0.0.5/photo.jpg", False),
])
def test_sandbox_mode_allows_plain_http_only_on_loopback(url, allowed):
    payload = {"account_id": 1, "image_url": url}
    codes = {p.code for p in check_post("feed", payload, allow_loopback_http=True)}
    assert ("url_not_https" not in codes) is allowed
    assert "url_not_https" in {p.code for p in check_post("feed", payload)}
