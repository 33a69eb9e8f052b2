"""Comment and webhook calls on the wire; the webhook signature check."""
import hashlib
import hmac

import pytest
import requests
import responses

from backend.services.instagram.graph.errors import NetworkError
from backend.services.instagram.graph.webhooks import signature_is_valid, signature_of
from tests.graph.fakes import FB, IG, IG_USER, TOKEN, V, form_body, query

BODY = b'{"object":"instagram","entry":[{"id":"1","time":1,"changes":[]}],"t":"\\u00e4"}'


def test_comments_are_read_with_meta_field_names(rsps, ig):
    rsps.add(responses.GET, f"{IG}/{V}/1790/comments", json={"data": []})
    ig.list_comments("1790", limit=10, after="QQ==", ig_user_id=IG_USER)
    params = query(rsps.calls[0])
    assert params["limit"] == "10" and params["after"] == "QQ=="
    assert params["fields"].startswith("id,text,timestamp,username,like_count,hidden,"
                                       "from{id,username},parent_id")
    assert "replies{" in params["fields"] and "before" not in params


def test_writes_are_form_posts_and_creating_is_never_retried(rsps, ig):
    rsps.add(responses.POST, f"{IG}/{V}/1790/comments",
             body=requests.ConnectionError("reset after sending"))
    with pytest.raises(NetworkError):
        ig.create_comment("1790", "Hello #tag")
    assert len(rsps.calls) == 1 and form_body(rsps.calls[0]) == {"message": "Hello #tag"}
    rsps.add(responses.POST, f"{IG}/{V}/1780/replies", json={"id": "1781"})
    assert ig.reply_to_comment("1780", "hi")["id"] == "1781"
    rsps.add(responses.DELETE, f"{IG}/{V}/1780", json={"success": True})
    assert ig.delete_comment("1780") == {"success": True}


def test_hiding_is_idempotent_so_it_is_retried(rsps, ig):
    rsps.add(responses.POST, f"{IG}/{V}/1780", status=500, json={"error": {"code": 2}})
    rsps.add(responses.POST, f"{IG}/{V}/1780", json={"success": True})
    assert ig.set_comment_hidden("1780", True) == {"success": True}
    assert [form_body(c)["hide"] for c in rsps.calls] == ["true", "true"]


def test_mentions_use_field_modifiers_and_are_facebook_only(rsps, fb, ig):
    rsps.add(responses.GET, f"{FB}/{V}/{IG_USER}",
             json={"mentioned_media": {"caption": "hi @me", "id": "9"}, "id": IG_USER})
    assert fb.get_mentioned_media(IG_USER, "9")["caption"] == "hi @me"
    assert query(rsps.calls[0])["fields"].startswith("mentioned_media.media_id(9){id,caption,")
    rsps.add(responses.POST, f"{FB}/{V}/{IG_USER}/mentions", json={"id": "5"})
    fb.reply_to_mention(IG_USER, "9", "thanks", comment_id="8")
    assert {k: v for k, v in form_body(rsps.calls[1]).items() if k != "appsecret_proof"} == {
        "media_id": "9", "comment_id": "8", "message": "thanks"}
    for call in (lambda: ig.get_mentioned_media(IG_USER, "9"),
                 lambda: ig.reply_to_mention(IG_USER, "9", "x")):
        with pytest.raises(ValueError):
            call()


def test_subscribed_apps(rsps, ig):
    rsps.add(responses.POST, f"{IG}/{V}/me/subscribed_apps", json={"success": True})
    rsps.add(responses.DELETE, f"{IG}/{V}/me/subscribed_apps", json={"success": True})
    ig.subscribe_app("me", ["comments", "mentions"])
    ig.unsubscribe_app("me")
    assert form_body(rsps.calls[0]) == {"subscribed_fields": "comments,mentions"}
    assert rsps.calls[1].request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_a_signature_is_the_hmac_of_the_raw_body():
    header = "sha256=" + hmac.new(b"s3cret", BODY, hashlib.sha256).hexdigest()
    assert signature_of(BODY, "s3cret") == header
    assert signature_is_valid(BODY, header, ["s3cret"])
    assert signature_is_valid(BODY, header, [None, "other", "s3cret"])


@pytest.mark.parametrize("body,header,secrets", [
    (BODY, None, ["s3cret"]), (BODY, "", ["s3cret"]), (BODY, "sha256=", ["s3cret"]),
    (BODY, signature_of(BODY, "s3cret")[7:], ["s3cret"]),
    (BODY, signature_of(BODY, "s3cret").replace("sha256", "sha1"), ["s3cret"]),
    (BODY + b" ", signature_of(BODY, "s3cret"), ["s3cret"]),
    (BODY.replace(b"\\u00e4", "ä".encode()), signature_of(BODY, "s3cret"), ["s3cret"]),
    (BODY, signature_of(BODY, "s3cret"), ["other"]), (BODY, signature_of(BODY, "s3cret"), []),
    (BODY, signature_of(BODY, "s3cret"), [None, ""]), (b"", signature_of(b"", "s3cret"),
                                                       ["s3cret"]),
    (BODY, "sha256=" + "é" * 64, ["s3cret"]),
    # Only Meta's exact form (docs/api.md): lowercase hex, no spaces.
    (BODY, signature_of(BODY, "s3cret").upper().replace("SHA256=", "sha256="), ["s3cret"]),
    (BODY, signature_of(BODY, "s3cret").replace("=", "= "), ["s3cret"]),
    (BODY, " " + signature_of(BODY, "s3cret") + "\n", ["s3cret"])])
def test_anything_else_is_not_a_signature(body, header, secrets):
    assert signature_is_valid(body, header, secrets) is False
