"""@mentions by webhook: listed for both logins, details and replies with Facebook Login."""
import pytest
import requests

from backend.services.instagram.webhooks.processing import process_events
from tests.comments.helpers import error_of, run_in
from tests.conftest import make_app

pytestmark = pytest.mark.e2e
FB_SECRET = "facebook-app-secret-of-the-sandbox"
FB_SCOPES = ("instagram_basic,instagram_content_publish,instagram_manage_comments,"
             "instagram_manage_insights,pages_show_list,pages_read_engagement,"
             "business_management,pages_manage_metadata")


@pytest.fixture
def app(tmp_path, fresh_sandbox):
    """Facebook Login with its own app secret, and the Page permission webhooks need."""
    assert requests.post(f"{fresh_sandbox.url}/_sandbox/settings", timeout=10,
                         json={"facebook_app_secret": FB_SECRET}).ok
    yield make_app(tmp_path, fresh_sandbox.url, INSTAGRAM_FACEBOOK_APP_SECRET=FB_SECRET,
                   INSTAGRAM_FACEBOOK_SCOPES=FB_SCOPES)


def mention(desk, where, **body):
    return desk.control("POST", f"/accounts/{desk.username}/mentions",
                        json={"in": where, **body})


def mentions(desk, **params):
    response = desk.get("/mentions", **params)
    assert response.status_code == 200, response.text
    return response.json()


def test_facebook_login_mentions_have_details_and_can_be_answered(open_desk, app):
    desk = open_desk(login="facebook")
    desk.subscribe_callback()
    assert desk.get("/webhooks/subscriptions").json()["accounts"][0]["delivery"] == "webhooks"
    in_caption = mention(desk, "caption", text="Best brunch")
    in_comment = mention(desk, "comment", text="Ask")
    # Page subscriptions are signed with the Facebook app's secret.
    assert in_caption["delivery"]["statuses"] == {"200": 1}
    run_in(app, process_events)
    page = mentions(desk)
    assert page["unread"] == 2
    comment, caption = page["mentions"]
    assert caption["media_id"] == in_caption["data"]["media_id"] and caption["comment_id"] is None
    assert caption["text"] == "Best brunch @sandbox_business"
    assert caption["username"] == "sandbox_fan" and caption["permalink"]
    assert caption["media_type"] == "IMAGE" and caption["can_reply"] is True
    assert comment["comment_id"] == in_comment["data"]["id"]
    assert comment["text"] == "Ask @sandbox_business" and comment["username"] == "sandbox_fan"
    answered = desk.call("POST", f"/mentions/{comment['id']}/replies",
                         json={"message": "Happy to help!"})
    assert answered.status_code == 201, answered.text
    reply_id = answered.json()["replied_comment_id"]
    made = next(c for c in desk.comments_at_meta("sandbox_fan") if c["id"] == reply_id)
    assert made["parent_id"] == in_comment["data"]["id"] and made["text"] == "Happy to help!"
    assert made["username"] == desk.username
    assert mentions(desk)["unread"] == 1 and answered.json()["read"] is True
    on_caption = desk.call("POST", f"/mentions/{caption['id']}/replies",
                           json={"message": "Thank you!"})
    assert on_caption.status_code == 201
    made = next(c for c in desk.comments_at_meta("sandbox_fan")
                if c["id"] == on_caption.json()["replied_comment_id"])
    assert made["media_id"] == caption["media_id"] and made["parent_id"] is None


def test_instagram_login_mentions_are_listed_but_meta_allows_no_reply(desk, app):
    desk.subscribe_callback()
    made = mention(desk, "comment")
    mention(desk, "comment", delivery={"repeat": 2})
    run_in(app, process_events)
    page = mentions(desk)
    assert len(page["mentions"]) == 2
    first = next(m for m in page["mentions"] if m["comment_id"] == made["data"]["id"])
    assert first["text"] is None and first["can_reply"] is False
    assert first["details_error"] is None
    error = error_of(desk.call("POST", f"/mentions/{first['id']}/replies",
                               json={"message": "hi"}), 409, "mention_reply_not_supported")
    assert "Facebook Login" in error["message"]
    marked = desk.call("POST", "/mentions/read", json={"mention_ids": [first["id"]]})
    assert marked.json() == {"marked": 1} and mentions(desk)["unread"] == 1
    assert mentions(desk, status="read")["mentions"][0]["id"] == first["id"]


def test_mentions_are_private(open_desk, app):
    alice = open_desk()
    bob = open_desk("bob@example.com", persona="creator")
    alice.subscribe_callback()
    mention(alice, "caption")
    run_in(app, process_events)
    theirs = mentions(alice)["mentions"][0]["id"]
    assert mentions(bob)["mentions"] == []
    error_of(bob.call("POST", f"/mentions/{theirs}/replies", json={"message": "x"}), 404,
             "mention_not_found")
    error_of(bob.get("/mentions", account_id=alice.account["id"]), 404, "account_not_found")
    assert bob.call("POST", "/mentions/read", json={"mention_ids": [theirs]}).json() == {
        "marked": 0}
    error_of(bob.call("POST", "/mentions/99999/replies", json={"message": "x"}), 404,
             "mention_not_found")
    error_of(bob.call("POST", f"/mentions/{theirs}/replies", json={"message": ""}), 422,
             "validation_error")


@pytest.mark.parametrize("method,path,kwargs,status", [
    ("GET", "/mentions", {"params": {"before": 2 ** 31}}, 422),
    ("GET", "/mentions", {"params": {"before": 0}}, 422),
    ("POST", "/mentions/read", {"json": {"mention_ids": [2 ** 31]}}, 422),
    ("POST", "/mentions/read", {"json": {"all": True, "read": "yes"}}, 422),
    ("POST", "/mentions/read", {"json": {"all": "true"}}, 422),
    ("POST", f"/mentions/{2 ** 31}/replies", {"json": {"message": "x"}}, 404),
    ("POST", "/mentions/1/replies", {"json": {"message": "a\u0000b"}}, 422)])
def test_ids_past_the_tables_range_and_loose_booleans_are_refused(
        desk, method, path, kwargs, status):
    response = desk.call(method, path, **kwargs)
    # A path id past the table's range names no row: the registry answers the view's 404
    # before the database sees it.
    error_of(response, status, "validation_error" if status == 422 else "mention_not_found")
