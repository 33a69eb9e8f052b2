"""A slow Meta: every request of the integration ends within its time budget (the sandbox's
`latency_ms`), answering 503, or 202 with the post left to the background job."""
import threading
from datetime import timedelta

import pytest
import time_machine

from backend.models import utcnow
from backend.services.instagram.publishing.jobs import process_due_posts
from tests.conftest import authorize, make_app
from tests.hostile.conftest import control, timed
from tests.preflight.conftest import MediaServer

pytestmark = pytest.mark.e2e

BUDGET = 1.5       # INSTAGRAM_REQUEST_BUDGET_SECONDS for these tests
LATENCY_MS = 4000  # Meta answers after this; the read timeout (20 s) alone would wait for it
SLACK = 0.75       # the platform's own work around the Graph calls


@pytest.fixture
def app(tmp_path, fresh_sandbox):
    # Retries without backoff, as in every test: the budget, not the backoff, is under test.
    app = make_app(tmp_path, fresh_sandbox.url, INSTAGRAM_REQUEST_BUDGET_SECONDS=BUDGET)
    yield app


@pytest.fixture
def slow_meta(live, live_user, connect_account, sandbox):
    headers = live_user()
    account = connect_account(headers)
    sandbox_url = sandbox.url
    control(sandbox_url, "settings", latency_ms=LATENCY_MS)
    yield headers, account
    control(sandbox_url, "settings", latency_ms=0)


def test_every_request_that_calls_meta_ends_within_its_budget(live, slow_meta):
    headers, account = slow_meta
    aid = account["id"]
    calls = [("GET", "/account/info", {"account_id": aid}),
             ("GET", "/media", {"account_id": aid}),
             ("GET", "/media/stories", {"account_id": aid}),
             ("GET", "/media/17900000000000001", {"account_id": aid}),
             ("GET", "/media/17900000000000001/insights", {"account_id": aid}),
             ("GET", f"/accounts/{aid}/insights", {})]
    report = []
    for method, path, params in calls:
        response, took = timed(live.http.request, method, live.api(path), params=params,
                               headers=headers)
        report.append((path, response.status_code, round(took, 2)))
        assert response.status_code == 503, (path, response.text)
        error = response.json()["error"]
        assert error["code"] == "instagram_unavailable"
        assert took < BUDGET + SLACK, report
    print("latencies with Meta answering after 4 s, budget 1.5 s:", report)


def test_the_oauth_callback_ends_within_its_budget(live, live_user, sandbox):
    headers = live_user()
    callback, _state = authorize(live, headers)  # the dialog itself is not the platform's
    control(sandbox.url, "settings", latency_ms=LATENCY_MS)
    try:
        response, took = timed(live.http.get, callback, headers={"Accept": "application/json"})
    finally:
        control(sandbox.url, "settings", latency_ms=0)
    assert response.status_code == 503 and took < BUDGET + SLACK
    assert response.json()["error"]["code"] == "instagram_unavailable"


def test_a_slow_publish_answers_202_and_the_job_finishes_it(app, live, live_user,
                                                            connect_account, sandbox):
    headers = live_user()
    account = connect_account(headers)
    image = f"{sandbox.url}/_sandbox/samples/image.jpg?w=1080&h=1350"
    # The quota is read at Meta's normal speed; creating the container is slow.
    control(sandbox.url, "faults", path="/media$", method="POST", latency_ms=LATENCY_MS)
    response, took = timed(live.http.post, live.api("/posts"), headers=headers,
                           json={"account_id": account["id"], "image_url": image})
    assert took < BUDGET + SLACK
    assert response.status_code == 202, response.text
    post = response.json()["post"]
    assert post["status"] in ("pending", "container_created")
    assert response.headers["Location"].endswith(f"/posts/{post['id']}/status")
    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        with app.app_context():
            process_due_posts(app)
    status = live.http.get(live.api(f"/posts/{post['id']}/status"), headers=headers).json()
    assert status["post"]["status"] == "published"


def test_slow_media_hosts_count_against_the_budget_too(live, live_user, connect_account,
                                                       media_server_stall):
    headers = live_user()
    account = connect_account(headers)
    body = {"type": "feed", "account_id": account["id"],
            "items": [{"image_url": media_server_stall}] * 4}
    response, took = timed(live.http.post, live.api("/preview"), headers=headers, json=body)
    assert took < BUDGET + SLACK
    codes = {e["code"] for e in response.json()["errors"]}
    assert "url_timeout" in codes


@pytest.fixture
def media_server_stall():
    server = MediaServer()
    threading.Thread(target=server.httpd.serve_forever, daemon=True).start()
    yield server.url("/drip")  # 2 s of one byte at a time
    server.httpd.shutdown()
    server.httpd.server_close()
