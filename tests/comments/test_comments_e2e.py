"""A media's comments end to end over real HTTP: list, reply, hide, unhide, delete, permissions."""
import re

import pytest

from tests.comments.helpers import error_of
from tests.conftest import query_of

UTC_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
FIELDS = {"id", "text", "timestamp", "username", "from", "like_count", "hidden", "parent_id",
          "media_id", "replies"}


def newest_post(desk, username=None):
    return next(m for m in desk.media_at_meta(username) if m["media_product_type"] != "STORY")


def comments_of(desk, media_id, **params):
    return desk.get(f"/media/{media_id}/comments", account_id=desk.account["id"], **params)


@pytest.mark.e2e
@pytest.mark.parametrize("login", ["instagram", "facebook"])
def test_every_comment_action_for_both_login_types(open_desk, login):
    desk = open_desk(login=login)
    media_id = newest_post(desk)["id"]
    made = desk.followers_comment(media_id=media_id, text="Where is this?")["data"][0]
    page = comments_of(desk, media_id)
    assert page.status_code == 200, page.text
    listed = page.json()["data"]
    assert listed[0]["id"] == made["id"] and set(listed[0]) == FIELDS
    first = listed[0]
    assert first["text"] == "Where is this?" and first["hidden"] is False
    assert first["from"]["username"] == "sandbox_fan" and first["from"]["id"]
    assert UTC_ISO.match(first["timestamp"]) and first["media_id"] == media_id
    assert first["replies"] == [] and first["parent_id"] is None

    reply = desk.call("POST", f"/comments/{made['id']}/replies",
                      json={"account_id": desk.account["id"], "message": "At the lake!"})
    assert reply.status_code == 201, reply.text
    reply_id = reply.json()["comment"]["id"]
    thread = comments_of(desk, media_id).json()["data"][0]
    assert [r["id"] for r in thread["replies"]] == [reply_id]
    assert thread["replies"][0]["parent_id"] == made["id"]
    assert thread["replies"][0]["username"] == desk.username
    replies = desk.get(f"/comments/{made['id']}/replies", account_id=desk.account["id"])
    assert [r["id"] for r in replies.json()["data"]] == [reply_id]

    for hidden in (True, False):
        changed = desk.call("PATCH", f"/comments/{made['id']}",
                            json={"account_id": desk.account["id"], "hidden": hidden})
        assert changed.status_code == 200, changed.text
        assert changed.json()["hidden"] is hidden
        at_meta = next(c for c in desk.comments_at_meta() if c["id"] == made["id"])
        assert at_meta["hidden"] is hidden
        assert comments_of(desk, media_id).json()["data"][0]["hidden"] is hidden

    on_media = desk.call("POST", f"/media/{media_id}/comments",
                         json={"account_id": desk.account["id"], "message": "Thanks all!"})
    assert on_media.status_code == 201, on_media.text
    assert on_media.json()["comment"]["media_id"] == media_id

    gone = desk.call("DELETE", f"/comments/{made['id']}",
                     params={"account_id": desk.account["id"]})
    assert gone.status_code == 200 and gone.json()["deleted"] is True
    at_meta = {c["id"]: c for c in desk.comments_at_meta()}
    assert at_meta[made["id"]]["deleted"] and at_meta[reply_id]["deleted"]
    ids = [c["id"] for c in comments_of(desk, media_id).json()["data"]]
    assert made["id"] not in ids and on_media.json()["comment"]["id"] in ids
    error_of(desk.call("DELETE", f"/comments/{made['id']}",
                       params={"account_id": desk.account["id"]}), 404, "comment_not_found")


@pytest.mark.e2e
def test_comments_are_paged_newest_first(desk):
    media_id = newest_post(desk)["id"]
    seeded = len(comments_of(desk, media_id, limit=100).json()["data"])
    desk.followers_comment(media_id=media_id, count=30, text="Burst")
    pages, url = [], None
    while True:
        response = desk.get(url) if url else comments_of(desk, media_id, limit=12)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        url = pages[-1]["paging"]["next"]
        if url is None:
            break
        assert url.startswith(desk.live.api(f"/media/{media_id}/comments?"))
        assert query_of(url)["account_id"] == str(desk.account["id"])
    items = [c for p in pages for c in p["data"]]
    assert len(items) == 30 + seeded and len({c["id"] for c in items}) == len(items)
    stamps = [(c["timestamp"], c["id"]) for c in items]
    assert stamps == sorted(stamps, reverse=True)
    assert items[0]["text"] == "Burst (30)" and items[29]["text"] == "Burst (1)"


@pytest.mark.e2e
def test_hidden_comments_say_so_and_cannot_be_answered(desk):
    media_id = newest_post(desk)["id"]
    made = desk.followers_comment(media_id=media_id)["data"][0]
    desk.call("PATCH", f"/comments/{made['id']}",
              json={"account_id": desk.account["id"], "hidden": True})
    refused = desk.call("POST", f"/comments/{made['id']}/replies",
                        json={"account_id": desk.account["id"], "message": "hello"})
    error = error_of(refused, 422, "instagram_rejected_request")
    assert error["details"]["meta_code"] == 100
    # Meta's reason, not the error table's sentence about a post's settings.
    assert "hidden comment" in error["message"] and "post" not in error["message"]


@pytest.mark.e2e
def test_a_reply_to_a_reply_goes_to_the_top_level_comment(desk):
    media_id = newest_post(desk)["id"]
    top = desk.followers_comment(media_id=media_id)["data"][0]
    under = desk.followers_comment(media_id=media_id, parent_id=top["id"], text="me too")
    reply = desk.call("POST", f"/comments/{under['data'][0]['id']}/replies",
                      json={"account_id": desk.account["id"], "message": "thanks"})
    assert reply.status_code == 201, reply.text
    made = reply.json()["comment"]
    at_meta = {c["id"]: c for c in desk.comments_at_meta()}
    assert at_meta[made["id"]]["parent_id"] == top["id"]
    # The answered reply was in no inbox yet: Meta said where it is, as the answer does.
    assert (made["parent_id"], made["media_id"]) == (top["id"], media_id)
    own = desk.get("/comments", include_own="true").json()["comments"]
    entry = next(c for c in own if c["comment_id"] == made["id"])
    assert (entry["parent_id"], entry["media_id"]) == (top["id"], media_id)


@pytest.mark.e2e
@pytest.mark.parametrize("login,granted", [
    ("instagram", "instagram_business_basic,instagram_business_content_publish"),
    ("facebook", "instagram_basic,pages_show_list,pages_read_engagement")])
def test_missing_comments_permission_is_a_clear_403_and_calls_nothing(live, live_user, sandbox,
                                                                      login, granted):
    from tests.comments.helpers import Desk
    from tests.conftest import authorize
    headers = live_user()
    callback, _ = authorize(live, headers, login, sandbox_scopes=granted)
    account = live.http.get(callback, headers={"Accept": "application/json"}).json()["account"]
    desk = Desk(live, sandbox, headers, account)
    media_id = newest_post(desk)["id"]
    for response in (comments_of(desk, media_id),
                     desk.call("POST", "/comments/17800000000000001/replies",
                               json={"account_id": account["id"], "message": "hi"}),
                     desk.call("PATCH", "/comments/17800000000000001",
                               json={"account_id": account["id"], "hidden": True}),
                     desk.call("DELETE", "/comments/17800000000000001",
                               params={"account_id": account["id"]})):
        error = error_of(response, 403, "instagram_permission_missing")
        assert "manage_comments" in error["message"]
        assert any("manage_comments" in name for name in error["details"]["missing"])
    perms = desk.get(f"/accounts/{account['id']}/permissions").json()
    assert perms["can_manage_comments"] is False
    # Nothing reached Meta: its code 10 would have marked the account needs_reauth.
    status = desk.get(f"/accounts/{account['id']}/status").json()
    assert status["status"] != "needs_reauth" and status["last_error"] is None


@pytest.mark.e2e
def test_another_users_comments_and_media_are_404(open_desk):
    alice = open_desk()
    bob = open_desk("bob@example.com", persona="creator")
    alices_media = newest_post(alice)["id"]
    alices_comment = alice.followers_comment(media_id=alices_media)["data"][0]["id"]
    own = bob.account["id"]
    for response in (
            bob.call("POST", f"/comments/{alices_comment}/replies",
                     json={"account_id": own, "message": "hi"}),
            bob.call("PATCH", f"/comments/{alices_comment}",
                     json={"account_id": own, "hidden": True}),
            bob.call("DELETE", f"/comments/{alices_comment}", params={"account_id": own}),
            bob.get(f"/comments/{alices_comment}/replies", account_id=own)):
        error_of(response, 404, "comment_not_found")
    error_of(bob.get(f"/media/{alices_media}/comments", account_id=own), 404,
             "media_not_found")
    # Through Alice's account id: her account is not Bob's.
    error_of(bob.get(f"/media/{alices_media}/comments", account_id=alice.account["id"]), 404,
             "account_not_found")
    error_of(bob.call("DELETE", f"/comments/{alices_comment}",
                      params={"account_id": alice.account["id"]}), 404, "account_not_found")
    at_meta = next(c for c in alice.comments_at_meta() if c["id"] == alices_comment)
    assert not at_meta["hidden"] and not at_meta["deleted"]


@pytest.mark.e2e
@pytest.mark.parametrize("comment_id", ["abc", "12a", "1" * 40, "%C2%B2", "-1"])
def test_comment_ids_must_be_digits(desk, comment_id):
    own = desk.account["id"]
    error_of(desk.call("DELETE", f"/comments/{comment_id}", params={"account_id": own}), 404,
             "comment_not_found")
    error_of(desk.call("PATCH", f"/comments/{comment_id}",
                       json={"account_id": own, "hidden": True}), 404, "comment_not_found")
    error_of(desk.get(f"/media/{comment_id}/comments", account_id=own), 404, "media_not_found")


@pytest.mark.e2e
@pytest.mark.parametrize("body", [
    {}, {"message": "x"}, {"account_id": "one", "message": "x"},
    {"account_id": "ACCOUNT", "message": "   "}, {"account_id": "ACCOUNT", "message": "x" * 2201},
    {"account_id": "ACCOUNT", "message": " ".join(f"#t{n}" for n in range(31))},
    {"account_id": "ACCOUNT", "message": ["list"]},
    {"account_id": "ACCOUNT", "message": "x", "extra": 1}])
def test_bad_reply_bodies_are_422(desk, body):
    body = {k: desk.account["id"] if v == "ACCOUNT" else v for k, v in body.items()}
    response = desk.call("POST", "/comments/17800000000000001/replies", json=body)
    error = error_of(response, 422, "validation_error")
    assert error["details"]["errors"]


@pytest.mark.e2e
@pytest.mark.parametrize("message", ["a\u0000b", "\u0000", "\ud800", "x\udfffy", "\u0000 "])
def test_text_instagram_cannot_take_is_refused_before_anything_is_posted(desk, message):
    media_id = newest_post(desk)["id"]
    asked = desk.followers_comment(media_id=media_id)["data"][0]
    before = len(desk.comments_at_meta())
    for path in (f"/comments/{asked['id']}/replies", f"/media/{media_id}/comments"):
        response = desk.call("POST", path, json={"account_id": desk.account["id"],
                                                 "message": message})
        error = error_of(response, 422, "validation_error")
        assert error["details"]["errors"][0]["field"] == "message"
    assert len(desk.comments_at_meta()) == before


@pytest.mark.e2e
def test_a_posted_comment_is_201_even_when_its_inbox_copy_cannot_be_kept(desk, monkeypatch):
    """Instagram has it: an error now would make a client retry and post it twice."""
    from sqlalchemy.exc import OperationalError

    from backend.services.instagram.comments import inbox

    def broken(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("database unavailable"))
    monkeypatch.setattr(inbox, "store", broken)
    media_id = newest_post(desk)["id"]
    asked = desk.followers_comment(media_id=media_id)["data"][0]
    for path in (f"/media/{media_id}/comments", f"/comments/{asked['id']}/replies"):
        made = desk.call("POST", path, json={"account_id": desk.account["id"],
                                             "message": "Thanks!"})
        assert made.status_code == 201, made.text
        at_meta = [c for c in desk.comments_at_meta() if c["id"] == made.json()["comment"]["id"]]
        assert len(at_meta) == 1 and at_meta[0]["text"] == "Thanks!"


@pytest.mark.e2e
def test_patch_needs_something_to_change_and_anonymous_callers_are_401(desk):
    own = desk.account["id"]
    error_of(desk.call("PATCH", "/comments/17800000000000001", json={"account_id": own}),
             422, "validation_error")
    for strict in ({"hidden": "yes"}, {"hidden": 1}, {"read": "true"}, {"read": 0}):
        error_of(desk.call("PATCH", "/comments/17800000000000001",
                           json={"account_id": own, **strict}), 422, "validation_error")
    for method, path in (("GET", "/comments"), ("GET", "/media/1/comments"),
                         ("POST", "/comments/1/replies"), ("PATCH", "/comments/1"),
                         ("DELETE", "/comments/1"), ("GET", "/mentions"),
                         ("GET", "/webhooks/subscriptions")):
        error_of(desk.call(method, path, headers={}), 401, "authorization_required")


@pytest.mark.e2e
def test_a_disconnected_account_cannot_moderate(desk):
    media_id = newest_post(desk)["id"]
    desk.call("DELETE", f"/accounts/{desk.account['id']}")
    error_of(comments_of(desk, media_id), 404, "account_not_found")


@pytest.mark.e2e
def test_openapi_documents_the_comment_endpoints(desk):
    document = desk.get("/openapi.json").json()
    paths = document["paths"]
    for path, method in (("/media/{media_id}/comments", "get"),
                         ("/media/{media_id}/comments", "post"),
                         ("/comments/{comment_id}/replies", "post"),
                         ("/comments/{comment_id}", "patch"), ("/comments/{comment_id}", "delete"),
                         ("/comments", "get"), ("/comments/read", "post"), ("/mentions", "get"),
                         ("/mentions/{mention_id}/replies", "post"), ("/webhooks", "post")):
        assert method in paths[f"/api/sns/instagram{path}"], path
    schema = document["components"]["schemas"]["CommentOut"]
    assert "from" in schema["properties"] and "from_" not in schema["properties"]
    assert "security" not in paths["/api/sns/instagram/webhooks"]["post"]
