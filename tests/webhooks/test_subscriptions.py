"""Subscriptions: refused ones fall back to polling, failed ones are retried; webhooks off."""
from datetime import timedelta

import pytest
import requests
import time_machine

from backend.models import utcnow
from backend.services.instagram.webhooks.subscriptions import retry_subscriptions
from tests.comments.helpers import Desk, error_of, run_in
from tests.conftest import Live, make_app

pytestmark = pytest.mark.e2e


def subscription(desk):
    return desk.get("/webhooks/subscriptions").json()["accounts"][0]


def test_facebook_login_without_the_page_permission_is_polled_and_says_why(open_desk):
    desk = open_desk(login="facebook")
    mine = subscription(desk)
    assert mine["delivery"] == "polling" and mine["subscribed_fields"] == []
    assert mine["error"]["code"] == "200" and "pages_manage_metadata" in mine["error"][
        "message"]
    assert desk.control("GET", "/webhooks")["pages"] == []
    assert desk.get(f"/accounts/{desk.account['id']}/status").json()["status"] != \
        "needs_reauth"


def test_a_failed_subscription_is_retried_by_the_job(live, live_user, connect_account,
                                                     sandbox, app):
    requests.post(f"{sandbox.url}/_sandbox/faults", timeout=10, json={
        "path": "subscribed_apps$", "method": "POST", "code": 2, "times": 3})
    headers = live_user()
    desk = Desk(live, sandbox, headers, connect_account(headers))
    failed = subscription(desk)
    assert failed["delivery"] == "polling" and failed["error"]["code"] == "2"
    assert failed["next_attempt_at"] is not None
    assert run_in(app, retry_subscriptions) == {}  # not due yet
    with time_machine.travel(utcnow() + timedelta(minutes=6), tick=True):
        assert run_in(app, retry_subscriptions) == {"subscribed": 1}
    done = subscription(desk)
    assert done["delivery"] == "webhooks" and done["error"] is None
    assert done["next_attempt_at"] is None and "comments" in done["subscribed_fields"]


def test_accounts_are_subscribed_only_to_fields_they_granted(live, live_user, sandbox):
    from tests.conftest import authorize
    headers = live_user()
    scopes = "instagram_business_basic,instagram_business_manage_insights"
    callback, _ = authorize(live, headers, sandbox_scopes=scopes)
    live.http.get(callback, headers={"Accept": "application/json"})
    desk = Desk(live, sandbox, headers, None)
    mine = subscription(desk)
    assert mine["subscribed_fields"] == ["story_insights"] and mine["delivery"] == "polling"


@pytest.fixture
def quiet(tmp_path, fresh_sandbox):
    """The platform with webhooks turned off."""
    app = make_app(tmp_path, fresh_sandbox.url, INSTAGRAM_WEBHOOKS=False)
    server = Live(app)
    yield server
    server.stop()


def test_with_webhooks_off_nothing_is_subscribed_and_the_callback_is_404(quiet, fresh_sandbox):
    from tests.conftest import register_and_login
    headers = register_and_login(quiet.http, quiet.url, "carol@example.com")
    from tests.conftest import authorize
    callback, _ = authorize(quiet, headers)
    assert quiet.http.get(callback, headers={"Accept": "application/json"}).status_code == 201
    desk = Desk(quiet, fresh_sandbox, headers, None)
    assert desk.control("GET", "/webhooks")["accounts"] == []
    listed = desk.get("/webhooks/subscriptions").json()
    assert listed["webhooks_enabled"] is False and listed["accounts"][0]["delivery"] == "polling"
    for response in (requests.post(quiet.api("/webhooks"), data=b"{}", timeout=10),
                     requests.get(quiet.api("/webhooks"), timeout=10, params={
                         "hub.mode": "subscribe", "hub.verify_token": "sandbox-verify-token",
                         "hub.challenge": "1"})):
        error_of(response, 404, "webhooks_disabled")
