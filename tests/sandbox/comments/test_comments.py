"""The sandbox's comments: the IGComment node, media comments, replies, moderation, mentions."""
import re

import pytest

from tests.sandbox.helpers import FB, IG, error_of

COMMENT_SCOPES = "instagram_business_basic,instagram_business_manage_comments"
FB_COMMENT_SCOPES = ("instagram_basic,instagram_manage_comments,pages_show_list,"
                     "pages_read_engagement")
FIELDS = "id,text,timestamp,username,like_count,hidden,from{id,username},parent_id,media{id}"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$")


@pytest.fixture
def token(meta):
    return meta.ig_long_token(scope=COMMENT_SCOPES)


def newest_post(meta, username="sandbox_business"):
    media = meta.control("GET", f"/accounts/{username}/media").json()["data"]
    return next(m for m in media if m["media_product_type"] != "STORY")


def follower(meta, account="sandbox_business", **body):
    response = meta.control("POST", f"/accounts/{account}/comments", json=body)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def delete(meta, host, path, token):
    return meta.request("DELETE", host, path, params={"access_token": token})


def test_reading_comments_and_their_replies(meta, token):
    media_id = newest_post(meta)["id"]
    top = follower(meta, media_id=media_id, text="Lovely")[0]
    reply = follower(meta, media_id=media_id, parent_id=top["id"], username="trail.runner")[0]
    listed = meta.ig(f"/v25.0/{media_id}/comments", token,
                     fields=f"{FIELDS},replies{{{FIELDS}}}").json()["data"]
    first = listed[0]
    assert first["id"] == top["id"] and first["text"] == "Lovely" and first["hidden"] is False
    assert TIMESTAMP.match(first["timestamp"]) and first["media"] == {"id": media_id}
    assert first["from"]["username"] == "sandbox_fan" and first["from"]["id"].isdigit()
    assert "parent_id" not in first
    assert [r["id"] for r in first["replies"]["data"]] == [reply["id"]]
    assert first["replies"]["data"][0]["parent_id"] == top["id"]
    replies = meta.ig(f"/v25.0/{top['id']}/replies", token).json()["data"]
    assert [set(r) for r in replies] == [{"id", "text", "timestamp"}]
    counted = meta.ig(f"/v25.0/{media_id}", token, fields="comments_count").json()
    every = meta.control("GET", "/accounts/sandbox_business/comments").json()["data"]
    assert counted["comments_count"] == sum(1 for c in every
                                            if c["media_id"] == media_id and not c["deleted"])


def test_seeded_media_have_stable_comments(meta, token):
    media_id = newest_post(meta)["id"]
    first = meta.ig(f"/v25.0/{media_id}/comments", token).json()
    meta.control("POST", "/reset")
    again = meta.ig(f"/v25.0/{media_id}/comments", meta.ig_long_token(scope=COMMENT_SCOPES))
    # Seeded times follow the clock of the reset (a reset in the next second moves them by
    # one); the comments themselves, ids and texts, are what stays.
    assert [(c["id"], c["text"]) for c in again.json()["data"]] == [
        (c["id"], c["text"]) for c in first["data"]]
    if first["data"]:
        one = first["data"][0]["id"]
        meta.control("POST", "/reset")
        fresh = meta.ig_long_token(scope=COMMENT_SCOPES)
        assert meta.ig(f"/v25.0/{one}", fresh, fields="text").json()["text"] == \
            first["data"][0]["text"]


def test_create_reply_hide_delete_on_both_hosts(meta, token):
    user_token = meta.fb_user_token(long_lived=True, scope=FB_COMMENT_SCOPES)
    for host, tok in ((IG, token), (FB, user_token)):
        media_id = newest_post(meta)["id"]
        made = meta.post(host, f"/v25.0/{media_id}/comments", tok, message="Thanks!")
        assert made.status_code == 200, made.text
        comment_id = made.json()["id"]
        by_follower = follower(meta, media_id=media_id)[0]
        reply = meta.post(host, f"/v25.0/{by_follower['id']}/replies", tok, message="Hi!")
        assert reply.status_code == 200, reply.text
        assert meta.post(host, f"/v25.0/{by_follower['id']}", tok, hide="true").json() == {
            "success": True}
        assert meta.get(host, f"/v25.0/{by_follower['id']}", params={
            "access_token": tok, "fields": "hidden"}).json()["hidden"] is True
        error_of(meta.post(host, f"/v25.0/{by_follower['id']}/replies", tok, message="x"), 100)
        assert delete(meta, host, f"/v25.0/{comment_id}", tok).json() == {"success": True}
        error_of(meta.get(host, f"/v25.0/{comment_id}", params={"access_token": tok}), 100, 33)


def test_replies_to_replies_go_to_the_top_level_comment(meta, token):
    media_id = newest_post(meta)["id"]
    top = follower(meta, media_id=media_id)[0]
    under = follower(meta, media_id=media_id, parent_id=top["id"])[0]
    made = meta.post(IG, f"/v25.0/{under['id']}/replies", token, message="ok").json()["id"]
    assert meta.ig(f"/v25.0/{made}", token, fields="parent_id").json()["parent_id"] == top["id"]


def test_rules_of_writing_comments(meta, token):
    media_id = newest_post(meta)["id"]
    error_of(meta.post(IG, f"/v25.0/{media_id}/comments", token), 100)
    error_of(meta.post(IG, f"/v25.0/{media_id}/comments", token, message="x" * 2201), 100)
    assert meta.post(IG, f"/v25.0/{media_id}", token, comment_enabled="false").json() == {
        "success": True}
    assert "turned off" in error_of(meta.post(IG, f"/v25.0/{media_id}/comments", token,
                                              message="hi"), 100)["message"]
    story = next(m for m in meta.control("GET", "/accounts/sandbox_business/media").json()[
        "data"] if m["media_product_type"] == "STORY")
    error_of(meta.post(IG, f"/v25.0/{story['id']}/comments", token, message="hi"), 100)
    error_of(meta.post(IG, f"/v25.0/{media_id}", token), 100)


@pytest.mark.parametrize("value,expected", [("true", True), ("false", False), ("1", True),
                                            ("0", False), ("TRUE", True)])
def test_booleans_are_true_or_false_and_anything_else_is_100(meta, token, value, expected):
    media_id = newest_post(meta)["id"]
    comment_id = follower(meta, media_id=media_id)[0]["id"]
    for bad in ("maybe", "yes", "", "2"):
        assert "boolean" in error_of(meta.post(IG, f"/v25.0/{media_id}", token,
                                               comment_enabled=bad), 100)["message"]
        error_of(meta.post(IG, f"/v25.0/{comment_id}", token, hide=bad), 100)
    assert meta.post(IG, f"/v25.0/{comment_id}", token, hide=value).json() == {"success": True}
    hidden = meta.ig(f"/v25.0/{comment_id}", token, fields="hidden").json()["hidden"]
    assert hidden is expected
    assert meta.post(IG, f"/v25.0/{media_id}", token, comment_enabled=value).ok
    made = meta.post(IG, f"/v25.0/{media_id}/comments", token, message="hi")
    assert made.ok is expected


def test_without_the_permission_or_on_another_account_nothing_is_there(meta, token):
    media_id = newest_post(meta)["id"]
    comment_id = follower(meta, media_id=media_id)[0]["id"]
    basic = meta.ig_long_token(scope="instagram_business_basic", sandbox_username="fresh_one")
    other = meta.ig_long_token(scope=COMMENT_SCOPES, sandbox_persona="creator")
    error_of(meta.ig(f"/v25.0/{media_id}/comments", basic), 100, 33)
    error_of(meta.ig(f"/v25.0/{media_id}/comments", other), 100, 33)
    error_of(meta.ig(f"/v25.0/{comment_id}", other), 100, 33)
    error_of(meta.post(IG, f"/v25.0/{comment_id}", other, hide="true"), 100, 33)
    error_of(delete(meta, IG, f"/v25.0/{comment_id}", other), 100, 33)
    own_media = newest_post(meta, "fresh_one")["id"]
    assert "instagram_business_manage_comments" in error_of(
        meta.ig(f"/v25.0/{own_media}/comments", basic), 10)["message"]


def test_mentions_facebook_login(meta):
    user_token = meta.fb_user_token(long_lived=True, scope=FB_COMMENT_SCOPES)
    account = "17841400000000001"
    caption = meta.control("POST", "/accounts/sandbox_business/mentions",
                           json={"in": "caption", "text": "Look"}).json()
    comment = meta.control("POST", "/accounts/sandbox_business/mentions",
                           json={"in": "comment"}).json()
    media = meta.fb(f"/v25.0/{account}", user_token, fields=f"mentioned_media.media_id("
                    f"{caption['data']['media_id']}){{caption,username,media_type}}").json()
    assert media["mentioned_media"]["caption"] == "Look @sandbox_business"
    assert media["mentioned_media"]["username"] == "sandbox_fan"
    said = meta.fb(f"/v25.0/{account}", user_token, fields=f"mentioned_comment.comment_id("
                   f"{comment['data']['id']}){{text,username,media{{id}}}}").json()
    assert said["mentioned_comment"]["media"]["id"] == comment["data"]["media_id"]
    reply = meta.post(FB, f"/v25.0/{account}/mentions", user_token,
                      media_id=comment["data"]["media_id"], comment_id=comment["data"]["id"],
                      message="Thanks for the mention!")
    assert reply.status_code == 200, reply.text
    fans = meta.control("GET", "/accounts/sandbox_fan/comments").json()["data"]
    made = next(c for c in fans if c["id"] == reply.json()["id"])
    assert made["parent_id"] == comment["data"]["id"] and made["username"] == "sandbox_business"
    error_of(meta.post(FB, f"/v25.0/{account}/mentions", user_token, media_id="1799",
                       message="hi"), 100)
    error_of(meta.fb(f"/v25.0/{account}", user_token,
                     fields="mentioned_media.media_id(1799){caption}"), 100, 33)
    error_of(meta.fb(f"/v25.0/{account}", user_token, fields="mentioned_media{caption}"), 100)
    ig = meta.ig_long_token(scope=COMMENT_SCOPES)
    error_of(meta.post(IG, "/v25.0/me/mentions", ig, media_id="1", message="x"), 100)


def test_follower_controls_refuse_what_meta_would_not_allow(meta):
    for body in ({"count": 0}, {"count": 5001}, {"text": ""}, {"media_id": "1"},
                 {"parent_id": "1"}, {"username": ""}):
        response = meta.control("POST", "/accounts/sandbox_business/comments", json=body)
        assert response.status_code == 400, (body, response.text)
    assert meta.control("POST", "/accounts/nobody/comments", json={}).status_code == 404
    assert meta.control("POST", "/accounts/sandbox_business/mentions",
                        json={"in": "bio"}).status_code == 400
