"""A Meta that trickles its answer, or sends an enormous one, through real HTTP (the sandbox's
`stream` fault): every request ends within its budget, and nothing is published twice."""
from datetime import timedelta

import pytest
import requests
import time_machine

from backend.extensions import db
from backend.models import SNSAccount, utcnow
from backend.services.instagram.accounts.token_refresh import refresh_due_tokens
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.publishing.jobs import process_due_posts
from tests.conftest import authorize, make_app
from tests.hostile.conftest import control, timed
from tests.multiworker.conftest import sandbox_counter

pytestmark = pytest.mark.e2e

BUDGET = 1.5      # INSTAGRAM_REQUEST_BUDGET_SECONDS for these tests
TRICKLE_MS = 300  # a byte every 0.3 s: each socket read is far within the 20 s read timeout
SLACK = 0.75      # the platform's own work around the Graph calls
OVERSIZED = 5 * 1024 * 1024  # past the 4 MiB default of INSTAGRAM_GRAPH_MAX_RESPONSE_BYTES


@pytest.fixture
def app(tmp_path, fresh_sandbox):
    yield make_app(tmp_path, fresh_sandbox.url, INSTAGRAM_REQUEST_BUDGET_SECONDS=BUDGET)


@pytest.fixture
def connected(live, live_user, connect_account, sandbox):
    headers = live_user()
    account = connect_account(headers)
    yield headers, account
    requests.delete(f"{sandbox.url}/_sandbox/faults")


def media_count(sandbox, account):
    """Media the account really has at Meta (the sandbox's own view, seeded ones aside)."""
    media = requests.get(f"{sandbox.url}/_sandbox/accounts/{account['username']}/media").json()
    items = media["data"] if isinstance(media, dict) else media
    return sum(1 for m in items if not m.get("seeded"))


# What trickles: the body after quick headers, or the status line and headers themselves
# (which requests' per-read timeout alone never ends: 67.9 s for a budget of 1.5 s before).
TRICKLED = pytest.mark.parametrize("trickle_headers", [False, True], ids=["body", "headers"])


@TRICKLED
@pytest.mark.parametrize("path", ["/account/info", "/media"])
def test_reads_end_within_their_budget_while_meta_trickles(live, connected, sandbox, path,
                                                           trickle_headers):
    headers, account = connected
    control(sandbox.url, "faults", path="", method="GET", trickle_ms=TRICKLE_MS, times=None,
            trickle_headers=trickle_headers)
    response, took = timed(live.http.get, live.api(path), headers=headers,
                           params={"account_id": account["id"]})
    what = "headers" if trickle_headers else "body"
    print(f"GET {path} with a trickling Meta ({what}): {response.status_code} in {took:.2f} s")
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "instagram_unavailable"
    assert took < BUDGET + SLACK


@TRICKLED
def test_a_trickled_publish_answers_202_and_is_published_once(app, live, connected, sandbox,
                                                              trickle_headers):
    headers, account = connected
    before = media_count(sandbox, account)
    image = f"{sandbox.url}/_sandbox/samples/image.jpg?w=1080&h=1350"
    # media_publish does its work, then its answer trickles past the budget.
    control(sandbox.url, "faults", path="media_publish$", method="POST", trickle_ms=TRICKLE_MS,
            trickle_headers=trickle_headers)
    response, took = timed(live.http.post, live.api("/posts"), headers=headers,
                           json={"account_id": account["id"], "image_url": image})
    what = "headers" if trickle_headers else "body"
    print(f"publish with a trickling media_publish ({what}): {response.status_code} in "
          f"{took:.2f} s")
    assert took < BUDGET + SLACK
    assert response.status_code == 202, response.text
    post = response.json()["post"]
    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        with app.app_context():
            process_due_posts(app)
    status = live.http.get(live.api(f"/posts/{post['id']}/status"), headers=headers).json()
    assert status["post"]["status"] == "published"
    assert media_count(sandbox, account) == before + 1


def test_an_oversized_answer_is_a_clear_502(live, connected, sandbox):
    headers, account = connected
    control(sandbox.url, "faults", path="/media$", method="GET", pad_bytes=OVERSIZED, times=None)
    response, took = timed(live.http.get, live.api("/media"), headers=headers,
                           params={"account_id": account["id"]})
    assert response.status_code == 502, response.text
    error = response.json()["error"]
    assert error["code"] == "instagram_response_too_large"
    assert error["details"]["category"] == "response_too_large"
    assert took < BUDGET + SLACK


def test_an_oversized_publish_answer_publishes_once(live, connected, sandbox):
    headers, account = connected
    before = media_count(sandbox, account)
    image = f"{sandbox.url}/_sandbox/samples/image.jpg?w=1080&h=1350"
    control(sandbox.url, "faults", path="media_publish$", method="POST", pad_bytes=OVERSIZED)
    response = live.http.post(live.api("/posts"), headers=headers,
                              json={"account_id": account["id"], "image_url": image})
    assert response.status_code in (201, 202, 502), response.text
    assert media_count(sandbox, account) == before + 1


def test_an_oversized_token_exchange_says_so_at_the_callback(live, live_user, sandbox):
    headers = live_user()
    callback, _state = authorize(live, headers)
    control(sandbox.url, "faults", path="^/oauth/access_token$", pad_bytes=OVERSIZED)
    try:
        response, took = timed(live.http.get, callback, headers={"Accept": "application/json"})
    finally:
        requests.delete(f"{sandbox.url}/_sandbox/faults")
    assert response.status_code == 502, response.text
    error = response.json()["error"]
    assert error["code"] == "instagram_response_too_large"
    assert "too large" in error["message"] and "in time" not in error["message"]
    assert "nothing was connected" in error["message"]
    assert error["details"]["category"] == "response_too_large"
    assert took < BUDGET + SLACK
    accounts = live.http.get(live.api("/accounts"), headers=headers).json()["accounts"]
    assert accounts == []


def test_a_callback_whose_token_exchange_trickles_its_headers_ends_in_time(live, live_user,
                                                                           sandbox):
    headers = live_user()
    callback, _state = authorize(live, headers)
    control(sandbox.url, "faults", path="^/oauth/access_token$", trickle_ms=TRICKLE_MS,
            trickle_headers=True)
    try:
        response, took = timed(live.http.get, callback, headers={"Accept": "application/json"})
    finally:
        requests.delete(f"{sandbox.url}/_sandbox/faults")
    assert response.status_code == 503, response.text
    error = response.json()["error"]
    assert error["code"] == "instagram_unavailable"
    assert "did not answer in time" in error["message"]
    assert took < BUDGET + SLACK


def test_the_refresh_job_ends_each_attempt_at_its_limit(app, connected, sandbox):
    """A background job has no request budget: each attempt is bounded by the connect and
    read timeouts (here 0.25 + 0.5 s), in every phase, however slowly Meta trickles."""
    _headers, account = connected
    settings = runtime(app).settings
    settings.INSTAGRAM_HTTP_CONNECT_TIMEOUT, settings.INSTAGRAM_HTTP_READ_TIMEOUT = 0.25, 0.5
    settings.INSTAGRAM_MAX_RETRIES = 2  # attempts in all: a refresh is safe to repeat
    calls = sandbox_counter(sandbox, "/refresh_access_token$")
    control(sandbox.url, "faults", path="/refresh_access_token$", trickle_ms=TRICKLE_MS,
            trickle_headers=True, times=None)
    with time_machine.travel(utcnow() + timedelta(days=11), tick=False):
        with app.app_context():
            result, took = timed(refresh_due_tokens, app)
    print(f"refresh job, 2 attempts of 0.75 s with trickled headers: {took:.2f} s")
    assert result["outcomes"] == {"failed": 1}
    assert calls() == 2
    assert took < 2 * 0.75 + SLACK
    with app.app_context():
        row = db.session.get(SNSAccount, account["id"])
        assert row.refresh_failures == 1 and row.status == "active"
