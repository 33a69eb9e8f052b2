"""The sandbox's webhooks: the App Dashboard config, subscribed_apps, signed deliveries, faults."""
import hashlib
import hmac
import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.sandbox.helpers import FB, IG, error_of

SECRET = "sandbox-app-secret"
TOKEN = "sandbox-verify-token"
SCOPES = ("instagram_business_basic,instagram_business_manage_comments,"
          "instagram_business_manage_insights")
BUSINESS = "17841400000000001"


class Receiver:
    """A callback URL on loopback: answers Meta's verification, records every delivery."""

    def __init__(self, token=TOKEN):
        self.token, self.received, self.statuses = token, [], []
        self.server = make_server("127.0.0.1", 0, self, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def __call__(self, environ, start_response):
        request = Request(environ)
        if request.method == "GET":
            args = request.args
            ok = args.get("hub.mode") == "subscribe" and args.get("hub.verify_token") == \
                self.token
            response = Response(args.get("hub.challenge", "") if ok else "no",
                                status=200 if ok else 403)
        else:
            self.received.append((request.get_data(), dict(request.headers)))
            response = Response("{}", status=self.statuses.pop(0) if self.statuses else 200)
        return response(environ, start_response)

    def bodies(self):
        return [json.loads(body) for body, _headers in self.received]


@pytest.fixture
def receiver():
    hook = Receiver()
    yield hook
    hook.server.shutdown()


def configure(meta, receiver, **body):
    return meta.control("POST", "/webhooks", json={"callback_url": receiver.url, **body})


def subscribe(meta, token, fields="comments,mentions,story_insights"):
    response = meta.post(IG, "/v25.0/me/subscribed_apps", token, subscribed_fields=fields)
    assert response.json() == {"success": True}, response.text


def comment(meta, **body):
    response = meta.control("POST", "/accounts/sandbox_business/comments", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_the_dashboard_verifies_the_callback(meta, receiver):
    assert configure(meta, receiver).json()["config"]["verified"] is True
    wrong = configure(meta, receiver, verify_token="other")
    assert wrong.status_code == 400 and "couldn't be validated" in wrong.text
    assert configure(meta, receiver, fields=["nope"]).status_code == 400
    assert meta.control("POST", "/webhooks", json={"callback_url": "ftp://x"}).status_code == 400
    later = configure(meta, receiver, verify=False).json()["config"]
    assert later["verified"] is False
    subscribe(meta, meta.ig_long_token(scope=SCOPES))
    comment(meta)
    assert meta.control("GET", "/webhooks").json()["config"]["verified"] is True
    assert meta.control("DELETE", "/webhooks").json()["config"]["callback_url"] is None


def test_subscribed_apps_on_instagram_login(meta):
    token = meta.ig_long_token(scope=SCOPES)
    assert meta.ig("/v25.0/me/subscribed_apps", token).json() == {"data": []}
    subscribe(meta, token, "comments,story_insights")
    listed = meta.ig("/v25.0/me/subscribed_apps", token).json()["data"]
    assert listed[0]["subscribed_fields"] == ["comments", "story_insights"]
    error_of(meta.post(IG, "/v25.0/me/subscribed_apps", token), 100)
    error_of(meta.post(IG, "/v25.0/me/subscribed_apps", token, subscribed_fields="feed"), 100)
    messages = meta.post(IG, "/v25.0/me/subscribed_apps", token, subscribed_fields="messages")
    assert messages.status_code == 403 and error_of(messages, 200)
    deleted = meta.request("DELETE", IG, "/v25.0/me/subscribed_apps",
                           params={"access_token": token})
    assert deleted.json() == {"success": True}
    assert meta.control("GET", "/webhooks").json()["accounts"] == []


def test_page_subscriptions_need_pages_manage_metadata(meta):
    scopes = "instagram_basic,instagram_manage_comments,pages_show_list,pages_read_engagement"
    user = meta.fb_user_token(long_lived=True, scope=scopes)
    page = meta.page_token(user)
    page_id = meta.fb("/v25.0/me", page).json()["id"]
    refused = meta.post(FB, f"/v25.0/{page_id}/subscribed_apps", page, subscribed_fields="feed")
    assert "pages_manage_metadata" in error_of(refused, 200)["message"]
    user = meta.fb_user_token(long_lived=True, scope=scopes + ",pages_manage_metadata")
    page = meta.page_token(user)
    ok = meta.post(FB, f"/v25.0/{page_id}/subscribed_apps", page, subscribed_fields="feed")
    assert ok.json() == {"success": True}
    assert meta.fb(f"/v25.0/{page_id}/subscribed_apps", page).json()["data"][0][
        "subscribed_fields"] == ["feed"]


def test_signed_deliveries_as_meta_sends_them(meta, receiver):
    configure(meta, receiver)
    token = meta.ig_long_token(scope=SCOPES)
    assert comment(meta)["delivery"]["skipped"]  # not subscribed yet: nothing sent
    subscribe(meta, token)
    made = comment(meta, text="Grüße 👋")
    assert made["delivery"]["statuses"] == {"200": 1}
    raw, headers = receiver.received[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert headers["X-Hub-Signature-256"] == expected
    # Escaped unicode, no spaces between tokens: what Meta signs.
    assert b"Gr\\u00fc\\u00dfe" in raw and b'", "' not in raw and b'": ' not in raw
    body = json.loads(raw)
    assert body["object"] == "instagram" and body["entry"][0]["id"] == BUSINESS
    change = body["entry"][0]["changes"][0]
    assert change["field"] == "comments"
    value = change["value"]
    assert value["id"] == made["data"][0]["id"] and value["text"] == "Grüße 👋"
    assert value["from"]["username"] == "sandbox_fan" and value["media"]["media_product_type"]
    reply = comment(meta, parent_id=made["data"][0]["id"])
    assert receiver.bodies()[1]["entry"][0]["changes"][0]["value"]["parent_id"] == \
        made["data"][0]["id"] and reply["delivery"]["delivered"] == 1


def test_faults_wrong_signature_redelivery_batch_burst(meta, receiver):
    configure(meta, receiver)
    subscribe(meta, meta.ig_long_token(scope=SCOPES))
    comment(meta, delivery={"signature": "wrong"})
    comment(meta, delivery={"signature": "missing"})
    wrong, missing = receiver.received
    good = "sha256=" + hmac.new(SECRET.encode(), wrong[0], hashlib.sha256).hexdigest()
    assert wrong[1]["X-Hub-Signature-256"] != good and "X-Hub-Signature-256" not in missing[1]
    receiver.received.clear()
    comment(meta, delivery={"repeat": 3})
    assert len(receiver.received) == 3 and len({body for body, _ in receiver.received}) == 1
    receiver.received.clear()
    comment(meta, count=5, delivery={"batch": True})
    assert len(receiver.received) == 1
    assert len(receiver.bodies()[0]["entry"][0]["changes"]) == 5
    receiver.received.clear()
    burst = comment(meta, count=50, delivery={"concurrency": 8})["delivery"]
    assert burst["statuses"] == {"200": 50} and len(receiver.received) == 50
    for bad in ({"signature": "odd"}, {"repeat": 0}, {"concurrency": 99}, {"batch": "yes"},
                "x"):
        response = meta.control("POST", "/accounts/sandbox_business/comments",
                                json={"delivery": bad})
        assert response.status_code == 400, bad


def test_failed_deliveries_are_logged_and_retried(meta, receiver):
    configure(meta, receiver)
    subscribe(meta, meta.ig_long_token(scope=SCOPES))
    receiver.statuses = [500]
    assert comment(meta)["delivery"]["statuses"] == {"500": 1}
    log = meta.control("GET", "/webhooks/deliveries").json()["data"]
    assert log[0]["status"] == 500 and log[0]["attempt"] == 1 and log[0]["duration_ms"] >= 0
    retried = meta.control("POST", "/webhooks/deliveries/retry").json()
    assert retried["statuses"] == {"200": 1}
    assert meta.control("POST", "/webhooks/deliveries/retry").json()["sent"] == 0
    assert receiver.received[0][0] == receiver.received[1][0]


def test_story_insights_an_hour_after_expiry_once(meta, receiver):
    configure(meta, receiver)
    subscribe(meta, meta.ig_long_token(scope=SCOPES))
    assert meta.control("POST", "/webhooks/deliver_due").json()["data"] == []
    # Seeded stories are 2, 5 and 30 hours old: the 5-hour one expires in 19 hours and is
    # sent an hour later; the 30-hour one expired before the subscription: never sent.
    meta.advance(20 * 3600 - 60)
    assert meta.control("POST", "/webhooks/deliver_due").json()["data"] == []
    meta.advance(120)
    first = meta.control("POST", "/webhooks/deliver_due").json()["data"]
    meta.advance(3 * 3600)
    second = meta.control("POST", "/webhooks/deliver_due").json()["data"]
    assert len(first[0]["stories"]) == len(second[0]["stories"]) == 1
    values = [c["value"] for body in receiver.bodies() for c in body["entry"][0]["changes"]]
    assert [v["media_id"] for v in values] == first[0]["stories"] + second[0]["stories"]
    assert set(values[0]) == {"media_id", "exits", "replies", "reach", "taps_forward",
                              "taps_back", "impressions"}
    assert values[0]["reach"] == -1  # 3 viewers: Meta sends -1 under 5
    assert values[1]["reach"] > 5 and values[1]["impressions"] >= values[1]["reach"]
    meta.advance(48 * 3600)
    assert meta.control("POST", "/webhooks/deliver_due").json()["data"] == []


def test_send_any_event(meta, receiver):
    configure(meta, receiver)
    subscribe(meta, meta.ig_long_token(scope=SCOPES))
    sent = meta.control("POST", "/webhooks/send", json={
        "username": "sandbox_business", "field": "mentions",
        "values": [{"media_id": "1"}, {"media_id": "2", "comment_id": "3"}]}).json()
    assert sent["sent"] == 2
    assert [b["entry"][0]["changes"][0]["value"] for b in receiver.bodies()] == [
        {"media_id": "1"}, {"media_id": "2", "comment_id": "3"}]
    assert meta.control("POST", "/webhooks/send", json={"username": "nobody"}).status_code == 404
    assert meta.control("POST", "/webhooks/send", json={
        "username": "sandbox_business", "field": "comments", "values": []}).status_code == 400


def test_time_of_an_entry_is_the_sandbox_clock(meta, receiver):
    configure(meta, receiver)
    subscribe(meta, meta.ig_long_token(scope=SCOPES))
    meta.control("POST", "/clock", json={"now": "2030-01-01T00:00:00+00:00"})
    comment(meta)
    moment = datetime.fromtimestamp(receiver.bodies()[0]["entry"][0]["time"], timezone.utc)
    assert abs(moment - datetime(2030, 1, 1, tzinfo=timezone.utc)) < timedelta(seconds=5)
