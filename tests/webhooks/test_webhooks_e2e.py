"""Webhooks end to end over real HTTP: the sandbox delivers signed events to the live platform."""
import json
import statistics
from datetime import timedelta

import pytest
import requests
import time_machine

from backend.extensions import db
from backend.models import SNSAnalytics, utcnow
from backend.services.instagram.comments.models import SNSComment
from backend.services.instagram.graph.webhooks import signature_of
from backend.services.instagram.webhooks.models import SNSWebhookEvent
from backend.services.instagram.webhooks.processing import process_events
from tests.comments.helpers import error_of, run_in

pytestmark = pytest.mark.e2e
SECRET = "sandbox-app-secret"
TOKEN = "sandbox-verify-token"


def events(app, **filters):
    with app.app_context():
        return db.session.execute(db.select(SNSWebhookEvent).filter_by(**filters)) \
            .scalars().all()


def process_all(app):
    """Run the webhook job until nothing is pending; the runs' outcomes."""
    runs = []
    while events(app, status="pending"):
        runs.append(run_in(app, process_events))
        assert len(runs) < 50
    return runs


def inbox(desk, **params):
    response = desk.get("/comments", **params)
    assert response.status_code == 200, response.text
    return response.json()


def post_signed(desk, body, secret=SECRET, header="X-Hub-Signature-256"):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return requests.post(desk.live.api("/webhooks"), data=raw, timeout=10,
                         headers={header: signature_of(raw, secret),
                                  "Content-Type": "application/json"})


def comment_event(entry_id, comment_id="17800000000009999", text="hi", when=1767225600):
    return {"object": "instagram", "entry": [{"id": entry_id, "time": when, "changes": [
        {"field": "comments", "value": {"id": comment_id, "text": text,
                                        "from": {"id": "61", "username": "fan"},
                                        "media": {"id": "17900000000000001",
                                                  "media_product_type": "FEED"}}}]}]}


def test_meta_verification_request(desk):
    ok = desk.get("/webhooks", headers={}, **{"hub.mode": "subscribe",
                                              "hub.verify_token": TOKEN,
                                              "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.text == "1158201444"
    assert ok.headers["Content-Type"].startswith("text/plain")
    for params in ({"hub.mode": "subscribe", "hub.verify_token": "guess"},
                   {"hub.mode": "unsubscribe", "hub.verify_token": TOKEN},
                   {"hub.verify_token": TOKEN}):
        error_of(desk.get("/webhooks", headers={}, **params, **{"hub.challenge": "1"}), 403,
                 "webhook_verification_failed")
    script = {"hub.mode": "subscribe", "hub.verify_token": TOKEN, "hub.challenge": "<script>"}
    error_of(desk.get("/webhooks", headers={}, **script), 422, "validation_error")
    # The sandbox's App Dashboard verifies the callback the same way Meta does.
    assert desk.subscribe_callback()["config"]["verified"] is True
    refused = requests.post(f"{desk.sandbox.url}/_sandbox/webhooks", timeout=10, json={
        "callback_url": desk.live.api("/webhooks"), "verify_token": "not-ours"})
    assert refused.status_code == 400 and "couldn't be validated" in refused.text


def test_comments_arrive_in_the_inbox_by_webhook(desk, app):
    desk.subscribe_callback()
    made = desk.followers_comment(text="First!")
    assert made["delivery"]["statuses"] == {"200": 1}, made["delivery"]
    assert inbox(desk)["comments"] == []  # stored, not yet processed
    process_all(app)
    page = inbox(desk)
    assert page["unread"] == 1
    entry = page["comments"][0]
    assert entry["comment_id"] == made["data"][0]["id"] and entry["source"] == "webhook"
    assert entry["text"] == "First!" and entry["username"] == "sandbox_fan"
    assert entry["read"] is False and entry["media_product_type"] in ("FEED", "REELS")
    subscriptions = desk.get("/webhooks/subscriptions").json()
    mine = subscriptions["accounts"][0]
    assert subscriptions["webhooks_enabled"] and mine["delivery"] == "webhooks"
    assert set(mine["subscribed_fields"]) >= {"comments", "mentions"}
    assert mine["last_event_at"] is not None


@pytest.mark.parametrize("fault", ["wrong", "missing"])
def test_a_forged_delivery_is_refused_and_nothing_is_stored(desk, app, fault):
    desk.subscribe_callback()
    sent = desk.followers_comment(delivery={"signature": fault})["delivery"]
    assert sent["statuses"] == {"403": 1}
    assert events(app) == []


def test_forgeries_of_every_kind_are_refused(desk, app):
    body = comment_event("17841400000000001")
    raw = json.dumps(body).encode()
    for response in (
            post_signed(desk, body, secret="another-app-secret"),
            post_signed(desk, body, header="X-Hub-Signature"),  # sha1's header name only
            requests.post(desk.live.api("/webhooks"), data=raw + b" ", timeout=10,
                          headers={"X-Hub-Signature-256": signature_of(raw, SECRET)})):
        error_of(response, 403, "webhook_signature_invalid")
    # Exactly Meta's form, as docs/api.md says: `sha256=` and the lowercase hex digest.
    signature = signature_of(raw, SECRET)
    for header in (signature[7:], "sha256=", "sha256=" + signature[7:].upper(),
                   "SHA256=" + signature[7:], "sha256= " + signature[7:],
                   f"sha256={signature[7:39]} {signature[39:]}", signature + "0"):
        sent = requests.post(desk.live.api("/webhooks"), data=raw, timeout=10,
                             headers={"X-Hub-Signature-256": header})
        error_of(sent, 403, "webhook_signature_invalid")
    assert events(app) == []
    accepted = post_signed(desk, body)
    assert accepted.status_code == 200 and accepted.json()["stored"] == 1


def test_a_redelivery_is_stored_once(desk, app):
    desk.subscribe_callback()
    sent = desk.followers_comment(delivery={"repeat": 3})["delivery"]
    assert sent["statuses"] == {"200": 3}
    answers = [d for d in desk.control("GET", "/webhooks/deliveries")["data"]]
    assert len(answers) == 3 and len({json.dumps(d["body"]) for d in answers}) == 1
    assert len(events(app)) == 1
    process_all(app)
    again = post_signed(desk, answers[0]["body"])
    assert again.json() == {"received": 1, "stored": 0, "duplicates": 1, "skipped": 0}
    assert len(inbox(desk)["comments"]) == 1 and len(events(app)) == 1


def test_a_burst_of_1000_events_is_answered_within_a_second_each_and_all_processed(desk, app):
    desk.subscribe_callback()
    sent = desk.followers_comment(count=1000, text="Burst",
                                  delivery={"concurrency": 4})["delivery"]
    assert sent["sent"] == 1000 and sent["statuses"] == {"200": 1000}, sent
    timings = [d["duration_ms"] for d in desk.control(
        "GET", "/webhooks/deliveries", params={"limit": 1000})["data"]]
    # Meta's 1 s is a speed target: tests/benchmarks/bench_webhook_burst.py reports it
    # (CI runs it). Here, only that no answer waited on the processing (seconds, not ms,
    # so a loaded machine does not fail the test).
    assert len(timings) == 1000 and statistics.median(timings) < 1000, timings
    print(f"\nwebhook burst: 1000 deliveries, 4 at a time: median "
          f"{statistics.median(timings):.1f} ms, p99 {sorted(timings)[989]:.1f} ms, max "
          f"{max(timings):.1f} ms")
    assert len(events(app, status="pending")) == 1000
    runs = process_all(app)
    assert sum(run.get("comments_stored", 0) for run in runs) == 1000
    page = inbox(desk, limit=100)
    assert page["unread"] == 1000 and page["comments"][0]["text"].startswith("Burst")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(SNSComment.id))) == 1000


def test_signed_but_malformed_bodies_are_400_and_huge_ones_413(desk, app):
    for body in (b"not json", b"[1, 2]", b'{"entry": "x", "object": "instagram"}',
                 b'{"object": 7, "entry": []}', b'{"object": "instagram", "entry": [NaN]}',
                 b"[" * 100000 + b"]" * 100000):
        error_of(post_signed(desk, body), 400, "webhook_payload_invalid")
    # JSON that parses (under Python's ~1,000 levels) but is deeper than any of Meta's.
    shallow = json.dumps(comment_event("17841400000000001")).encode()
    deep = shallow.replace(b'"text": "hi"', b'"text": "hi", "extra": ' + b"[" * 500 + b"]" * 500)
    error_of(post_signed(desk, deep), 400, "webhook_payload_invalid")
    odd = [{"id": "abc", "time": 1, "changes": []}, "entry",
           {"id": "1", "time": 1767225600, "changes": [{"field": "x"}, 3]}]
    skipped = post_signed(desk, {"object": "instagram", "entry": odd})
    assert skipped.status_code == 200 and skipped.json()["stored"] == 0
    big = b'{"object": "instagram", "entry": [], "pad": "' + b"x" * (4 * 1024 * 1024) + b'"}'
    error_of(post_signed(desk, big), 413, "payload_too_large")
    assert events(app) == []


def test_events_for_an_account_nobody_connected_are_ignored(desk, app):
    assert post_signed(desk, comment_event("17841499999999999")).json()["stored"] == 1
    process_all(app)
    assert events(app)[0].status == "ignored" and events(app)[0].outcome == \
        "no_connected_account"
    assert inbox(desk)["comments"] == []


def test_two_users_who_connected_one_account_each_get_the_comment(open_desk, app):
    alice = open_desk()
    bob = open_desk("bob@example.com")  # the same sandbox_business account
    alice.subscribe_callback()
    alice.followers_comment(text="for both")
    process_all(app)
    assert [c["text"] for c in inbox(alice)["comments"]] == ["for both"]
    assert [c["text"] for c in inbox(bob)["comments"]] == ["for both"]
    entry = inbox(alice)["comments"][0]
    # Bob cannot mark Alice's entry read through her account, nor see it change.
    error_of(bob.call("POST", "/comments/read",
                      json={"all": True, "account_id": alice.account["id"]}),
             404, "account_not_found")
    assert bob.call("POST", "/comments/read", json={"comment_ids": [entry["comment_id"]]}) \
        .json()["marked"] == 1
    assert inbox(alice)["unread"] == 1 and inbox(bob)["unread"] == 0


def test_subscribed_on_connect_and_unsubscribed_on_disconnect(open_desk):
    alice = open_desk()
    subscribed = alice.control("GET", "/webhooks")["accounts"]
    assert [a["id"] for a in subscribed] == ["17841400000000001"]
    assert set(subscribed[0]["fields"]) == {"comments", "live_comments", "mentions",
                                            "story_insights"}
    bob = open_desk("bob@example.com")
    bob.call("DELETE", f"/accounts/{bob.account['id']}")
    assert alice.control("GET", "/webhooks")["accounts"], "Alice still needs the events"
    alice.call("DELETE", f"/accounts/{alice.account['id']}")
    assert alice.control("GET", "/webhooks")["accounts"] == []


def test_story_insights_arrive_by_webhook_as_the_storys_final_insights(desk, app):
    from tests.publishing.test_publish_e2e import Publisher
    desk.subscribe_callback()
    publisher = Publisher(desk.live, desk.sandbox, desk.headers, desk.account)
    response = publisher.post("/stories", {"image_url": publisher.image(w=1080, h=1920)})
    assert response.status_code == 201, response.text
    story = response.json()["post"]
    with time_machine.travel(utcnow() + timedelta(hours=25, minutes=5), tick=True):
        sent = desk.control("POST", "/webhooks/deliver_due")["data"]
        # The account's seeded stories (2 and 5 hours old) expired in those 25 hours too.
        assert len(sent) == 1 and story["media_id"] in sent[0]["stories"]
        assert sent[0]["statuses"] == {"200": len(sent[0]["stories"])}
        process_all(app)
        got = desk.get(f"/{story['id']}/insights", refresh="false").json()["insights"]
    values = [d["body"]["entry"][0]["changes"][0]["value"]
              for d in desk.control("GET", "/webhooks/deliveries")["data"]]
    value = next(v for v in values if v["media_id"] == story["media_id"])
    expected = {k: float(v) for k, v in value.items() if k != "media_id" and v >= 0}
    assert expected and {k: got["metrics"][k]["value"] for k in expected} == expected
    assert got["status"] == "available" and got["source"] == "stored"
    with app.app_context():
        rows = db.session.execute(db.select(SNSAnalytics).filter_by(
            media_id=story["media_id"])).scalars().all()
        assert {r.metric for r in rows} == set(expected) and all(r.post_id == story["id"]
                                                                 for r in rows)
    # Sent once: a second look finds nothing due.
    assert desk.control("POST", "/webhooks/deliver_due")["data"] == []


def story_event(media_id, **values):
    return {"object": "instagram", "entry": [{"id": "17841400000000001", "time": 1767225600,
                                              "changes": [{"field": "story_insights", "value": {
                                                  "media_id": media_id, **values}}]}]}


def first_of(desk, username, story):
    return next(m["id"] for m in desk.media_at_meta(username)
                if (m["media_product_type"] == "STORY") == story)


def test_story_values_under_five_are_left_out_and_only_the_accounts_stories_kept(open_desk,
                                                                                 app):
    alice = open_desk()
    bob = open_desk("bob@example.com", persona="creator")
    story, feed = first_of(alice, None, True), first_of(alice, None, False)
    bobs_story = first_of(bob, bob.username, True)
    for media_id in (story, feed, "1790001", bobs_story):
        assert post_signed(alice, story_event(media_id, reach=-1, replies=7)).json()[
            "stored"] == 1
    process_all(app)
    with app.app_context():
        rows = db.session.execute(db.select(SNSAnalytics)).scalars().all()
        assert [(r.media_id, r.metric, r.value, r.media_kind) for r in rows] == [
            (story, "replies", 7.0, "STORY")]
    outcomes = {e.value["media_id"]: (e.status, e.outcome) for e in events(app)}
    assert outcomes[story] == ("processed", "stored")
    for other in (feed, "1790001", bobs_story):
        assert outcomes[other] == ("ignored", "not_a_story_of_the_account")


def test_a_late_event_never_brings_back_a_comment_deleted_here(desk, app):
    desk.subscribe_callback()
    made = desk.followers_comment(text="spam")["data"][0]
    process_all(app)
    gone = desk.call("DELETE", f"/comments/{made['id']}",
                     params={"account_id": desk.account["id"]})
    assert gone.status_code == 200
    late = comment_event("17841400000000001", comment_id=made["id"], text="spam",
                         when=1767225601)
    assert post_signed(desk, late).json()["stored"] == 1
    process_all(app)
    assert made["id"] not in {c["comment_id"] for c in inbox(desk, limit=100)["comments"]}


def test_a_comment_deleted_before_its_event_is_processed_stays_deleted(desk, app):
    """No inbox entry yet: the delete leaves a marker the event then finds (Meta redelivers
    for about 36 hours)."""
    desk.subscribe_callback()
    made = desk.followers_comment(text="spam")["data"][0]
    assert len(events(app, status="pending")) == 1  # stored, not yet processed
    gone = desk.call("DELETE", f"/comments/{made['id']}",
                     params={"account_id": desk.account["id"]})
    assert gone.status_code == 200, gone.text
    process_all(app)
    redelivered = desk.control("GET", "/webhooks/deliveries")["data"][0]["body"]
    assert post_signed(desk, redelivered).json()["duplicates"] == 1
    late = comment_event("17841400000000001", comment_id=made["id"], text="spam",
                         when=1767225999)  # the same comment, in another delivery
    assert post_signed(desk, late).json()["stored"] == 1
    process_all(app)
    page = inbox(desk, limit=100, include_own="true")
    assert made["id"] not in {c["comment_id"] for c in page["comments"]}
    assert page["unread"] == 0


def test_deleting_a_comment_takes_its_replies_out_of_every_inbox(open_desk, app):
    alice = open_desk()
    bob = open_desk("bob@example.com")  # the same Instagram account, his own inbox
    alice.subscribe_callback()
    top = alice.followers_comment(text="Question")["data"][0]
    replies = [alice.followers_comment(parent_id=top["id"], username=name, text="+1")["data"][0]
               for name in ("coffee.lover", "trail.runner")]
    process_all(app)
    assert inbox(alice)["unread"] == inbox(bob)["unread"] == 3
    late = comment_event("17841400000000001", comment_id="17800000000077777", text="late +1")
    late["entry"][0]["changes"][0]["value"]["parent_id"] = top["id"]
    gone = alice.call("DELETE", f"/comments/{top['id']}",
                      params={"account_id": alice.account["id"]})
    assert gone.status_code == 200, gone.text
    at_meta = {c["id"]: c for c in alice.comments_at_meta()}
    assert all(at_meta[r["id"]]["deleted"] for r in replies)
    assert post_signed(alice, late).json()["stored"] == 1  # a reply Meta deleted with it
    process_all(app)
    for desk in (alice, bob):
        page = inbox(desk, limit=100)
        assert page["unread"] == 0 and page["comments"] == [], page
