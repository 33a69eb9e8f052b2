"""The inbox filled by the budgeted poll (webhooks off here), read and unread, filters, paging."""
import base64

import pytest
import requests
from prometheus_client import REGISTRY

from tests.comments.helpers import Poller, error_of
from tests.conftest import make_app

pytestmark = pytest.mark.e2e


@pytest.fixture
def app(tmp_path, fresh_sandbox):
    """The platform with webhooks turned off: every account is polled."""
    app = make_app(tmp_path, fresh_sandbox.url, INSTAGRAM_WEBHOOKS=False)
    yield app


def inbox(desk, **params):
    response = desk.get("/comments", **params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def poll(app):
    return Poller(app)


def graph_calls(app, endpoint):
    """Graph calls made so far (this process's Prometheus counter) to endpoints ending so."""
    return sum(s.value for family in REGISTRY.collect() for s in family.samples
               if s.name == "instagram_graph_calls_total"
               and s.labels.get("endpoint", "").endswith(endpoint))


def newest_posts(desk, count):
    return [m["id"] for m in desk.media_at_meta() if m["media_product_type"] != "STORY"][:count]


def test_the_poll_fills_the_inbox_with_new_comments_only(desk, app, poll):
    first = poll(app, 0)
    assert first == {"polled": 1}
    assert inbox(desk)["unread"] == 0, "comments older than the connection arrive read"
    old = inbox(desk, limit=100)
    assert old["comments"] and all(c["read"] for c in old["comments"])
    assert all(c["source"] == "poll" for c in old["comments"])
    media_id = newest_posts(desk, 1)[0]
    top = desk.followers_comment(media_id=media_id, text="New one")["data"][0]
    reply = desk.followers_comment(media_id=media_id, parent_id=top["id"], text="+1")["data"][0]
    listing_calls = graph_calls(app, "/{id}/media")
    comment_calls = graph_calls(app, "/{id}/comments")
    assert poll(app) == {"polled": 1}
    assert graph_calls(app, "/{id}/media") == listing_calls + 1
    assert graph_calls(app, "/{id}/comments") == comment_calls + 1  # only the changed media
    page = inbox(desk, status="unread")
    assert page["unread"] == 2
    assert {c["comment_id"]: c["parent_id"] for c in page["comments"]} == {
        top["id"]: None, reply["id"]: top["id"]}
    assert poll(app) == {"polled": 1}
    assert graph_calls(app, "/{id}/comments") == comment_calls + 1  # nothing moved
    assert inbox(desk)["unread"] == 2


def test_the_poll_keeps_to_its_share_of_the_budget(desk, app, poll):
    poll(app, 0)
    for media_id in newest_posts(desk, 8):
        desk.followers_comment(media_id=media_id)
    assert requests.post(f"{desk.sandbox.url}/_sandbox/settings", timeout=10,
                         json={"usage_calls_per_hour": 20}).ok
    runs, found = 0, 0
    while found < 8:
        runs += 1
        assert runs < 12
        outcome = poll(app, 61)
        found = inbox(desk)["unread"]
    assert runs > 1 and outcome == {"polled": 1}
    subscriptions = desk.get("/webhooks/subscriptions").json()
    assert subscriptions["accounts"][0]["delivery"] == "polling"


def test_read_unread_filters_and_paging(desk, app, poll):
    poll(app, 0)
    first, second = newest_posts(desk, 2)
    desk.followers_comment(media_id=first, count=5, text="A")
    desk.followers_comment(media_id=second, count=3, text="B")
    poll(app)
    assert inbox(desk)["unread"] == 8
    on_second = inbox(desk, media_id=second, status="unread")
    assert {c["text"] for c in on_second["comments"]} == {"B (1)", "B (2)", "B (3)"}
    pages, before = [], None
    while True:
        page = inbox(desk, status="unread", limit=3, **({"before": before} if before else {}))
        pages.append(page["comments"])
        before = page["next_before"]
        if before is None:
            break
    listed = [c for p in pages for c in p]
    assert [len(p) for p in pages] == [3, 3, 2] and len({c["id"] for c in listed}) == 8
    keys = [(c["timestamp"], c["id"]) for c in listed]
    assert keys == sorted(keys, reverse=True)
    marked = desk.call("POST", "/comments/read",
                       json={"comment_ids": [c["comment_id"] for c in on_second["comments"]]})
    assert marked.json() == {"marked": 3}
    assert inbox(desk)["unread"] == 5 and inbox(desk, status="read", media_id=second)[
        "comments"]
    one = listed[0]["comment_id"]
    unread = desk.call("PATCH", f"/comments/{one}",
                       json={"account_id": desk.account["id"], "read": False})
    assert unread.json()["read"] is False
    everything = desk.call("POST", "/comments/read",
                           json={"all": True, "account_id": desk.account["id"]}).json()
    assert everything["marked"] >= 8 and inbox(desk)["unread"] == 0
    desk.call("POST", "/comments/read", json={"all": True, "media_id": first, "read": False})
    on_first = inbox(desk, media_id=first, limit=100)["comments"]  # the 5 and older ones
    assert inbox(desk)["unread"] == len(on_first) >= 5 and not any(c["read"] for c in on_first)


def test_replies_from_the_platform_are_own_read_and_answer_the_comment(desk, app, poll):
    poll(app, 0)
    media_id = newest_posts(desk, 1)[0]
    asked = desk.followers_comment(media_id=media_id, text="Price?")["data"][0]
    poll(app)
    answer = desk.call("POST", f"/comments/{asked['id']}/replies",
                       json={"account_id": desk.account["id"], "message": "12 EUR"})
    assert answer.status_code == 201
    page = inbox(desk)
    assert page["unread"] == 0 and answer.json()["comment"]["id"] not in {
        c["comment_id"] for c in page["comments"]}
    own = inbox(desk, include_own="true")["comments"]
    mine = next(c for c in own if c["comment_id"] == answer.json()["comment"]["id"])
    assert mine["own"] and mine["read"] and mine["parent_id"] == asked["id"]
    assert mine["source"] == "platform"
    poll(app)  # Meta lists the reply now: it stays the account's own, read
    mine = next(c for c in inbox(desk, include_own="true")["comments"]
                if c["comment_id"] == mine["comment_id"])
    assert mine["own"] and mine["read"]
    desk.call("PATCH", f"/comments/{asked['id']}",
              json={"account_id": desk.account["id"], "hidden": True})
    assert next(c for c in inbox(desk)["comments"] if c["comment_id"] == asked["id"])["hidden"]
    desk.call("DELETE", f"/comments/{asked['id']}", params={"account_id": desk.account["id"]})
    assert asked["id"] not in {c["comment_id"] for c in inbox(desk, limit=100)["comments"]}


def test_one_user_never_sees_anothers_inbox(open_desk, app, poll):
    alice = open_desk()
    bob = open_desk("bob@example.com", persona="creator")
    poll(app, 0)
    alice.followers_comment(text="for Alice")
    poll(app)
    assert inbox(alice)["unread"] == 1
    theirs = inbox(alice)["comments"][0]
    assert all(c["account_id"] == bob.account["id"] for c in inbox(bob, limit=100)["comments"])
    assert theirs["comment_id"] not in {c["comment_id"] for c in inbox(bob, limit=100)[
        "comments"]}
    error_of(bob.get("/comments", account_id=alice.account["id"]), 404, "account_not_found")
    assert bob.call("POST", "/comments/read",
                    json={"comment_ids": [theirs["comment_id"]]}).json() == {"marked": 0}
    error_of(bob.call("PATCH", f"/comments/{theirs['comment_id']}",
                      json={"account_id": bob.account["id"], "read": True}), 404,
             "comment_not_found")
    assert inbox(alice)["unread"] == 1


def test_the_poll_skips_comments_meta_sends_without_an_id(desk, app, poll):
    poll(app, 0)
    media_id = newest_posts(desk, 1)[0]
    desk.followers_comment(media_id=media_id)
    assert requests.post(f"{desk.sandbox.url}/_sandbox/faults", timeout=10, json={
        "path": r"^/\d+/comments$", "method": "GET",
        "respond": {"data": [{"text": "no id", "username": "ghost"}]}}).status_code == 201
    assert poll(app) == {"polled": 1}
    assert "ghost" not in {c["username"] for c in inbox(desk, limit=100)["comments"]}


def test_a_burst_beyond_one_run_arrives_whole_in_the_next_runs(desk, app, poll):
    """The count is recorded once the read caught up, not when a run's pages ran out."""
    poll(app, 0)
    media_id = newest_posts(desk, 1)[0]
    desk.followers_comment(media_id=media_id, count=200, text="Burst")
    assert poll(app) == {"polled": 1}
    assert inbox(desk)["unread"] == 150  # three pages of 50 a run
    assert poll(app) == {"polled": 1}
    assert inbox(desk)["unread"] == 200
    calls = graph_calls(app, "/{id}/comments")
    assert poll(app) == {"polled": 1}
    assert graph_calls(app, "/{id}/comments") == calls  # caught up: nothing moved


def test_a_new_reply_under_an_older_comment_is_found(desk, app, poll):
    media_id = newest_posts(desk, 1)[0]
    desk.followers_comment(media_id=media_id, count=60, text="Old")
    poll(app, 0)
    asked = desk.followers_comment(media_id=media_id, text="Anyone?")["data"][0]
    poll(app)
    desk.followers_comment(media_id=media_id, count=55, text="Newer")
    poll(app)
    poll(app)
    late = desk.followers_comment(media_id=media_id, parent_id=asked["id"],
                                  text="late reply")["data"][0]
    assert poll(app) == {"polled": 1}
    unread = {c["comment_id"]: c for c in inbox(desk, status="unread", limit=100)["comments"]}
    assert unread[late["id"]]["parent_id"] == asked["id"]


CURSORS = ["9999-12-31T23:59:59-14:00|5", "0001-01-01T00:00:00+14:00|5",
           "2026-01-01T00:00:00+00:00|2147483648", "2026-01-01T00:00:00+00:00|0"]


@pytest.mark.parametrize("cursor", CURSORS)
def test_tampered_cursors_are_422(desk, cursor):
    before = base64.urlsafe_b64encode(cursor.encode()).decode()
    error = error_of(desk.get("/comments", before=before), 422, "validation_error")
    assert error["details"]["errors"][0]["code"] == "invalid_cursor"


@pytest.mark.parametrize("params", [{"status": "new"}, {"limit": 0}, {"limit": 101},
                                    {"media_id": "abc"}, {"before": "!!"},
                                    {"before": "bm90LWEtY3Vyc29y"}, {"account_id": "x"},
                                    {"unknown": "1"}, {"before": "MjAyNi0wMS0wMXwx"}])
def test_bad_inbox_parameters_are_422(desk, params):
    error_of(desk.get("/comments", **params), 422, "validation_error")


@pytest.mark.parametrize("body", [{}, {"comment_ids": []}, {"all": True, "comment_ids": ["1"]},
                                  {"comment_ids": "1"}, {"all": "maybe"},
                                  {"comment_ids": ["1"] * 501}, {"comment_ids": ["a\u0000"]},
                                  {"comment_ids": ["\ud800"]}, {"comment_ids": ["12 "]},
                                  {"all": 1}, {"all": True, "read": "yes"},
                                  {"all": True, "media_id": "1\u0000"}])
def test_bad_mark_read_bodies_are_422(desk, body):
    error_of(desk.call("POST", "/comments/read", json=body), 422, "validation_error")
