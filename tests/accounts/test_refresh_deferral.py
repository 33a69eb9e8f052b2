"""The refresh job while Meta cannot be reached: with the circuit breaker open, or Meta
throttling, due tokens are deferred, never counted as failed refreshes, and no user is told
that their token could not be renewed."""
from datetime import timedelta

import pytest
import time_machine

from backend.extensions import db
from backend.models import Notification, SNSAccount, utcnow
from backend.services.instagram.accounts.token_refresh import refresh_due_tokens
from backend.services.instagram.core.clients import make_client
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.graph.wire import GraphRequest
from tests.multiworker.conftest import sandbox_counter
from tests.prom import sample

pytestmark = pytest.mark.e2e
REFRESH = r"/refresh_access_token$"


@pytest.fixture
def due_accounts(app, live, live_user, connect_account):
    """Six connected accounts; the tests run the job eleven days on, when all are due."""
    headers = live_user()
    runtime(app).settings.INSTAGRAM_REFRESH_CONCURRENCY = 1  # rows in a known order
    return [connect_account(headers, username=f"due{n}")["id"] for n in range(6)]


def run_job_later(app, first=lambda: None):
    with time_machine.travel(utcnow() + timedelta(days=11), tick=False):
        first()  # the breaker's clock is the wall clock: open it at the time of the run
        with app.app_context():
            return refresh_due_tokens(app)


def failures_and_notices(app):
    with app.app_context():
        failures = sum(db.session.execute(db.select(SNSAccount.refresh_failures)).scalars())
        notices = db.session.execute(db.select(Notification.kind)).scalars().all()
    return failures, notices


def open_breaker(app):
    rt = runtime(app)
    base = make_client("instagram", app=app).api_base
    host = GraphRequest("GET", base, base).host
    for _ in range(rt.settings.INSTAGRAM_CIRCUIT_FAILURES):
        rt.breaker.record_failure(host)


def test_an_open_breaker_defers_every_due_token(app, due_accounts, fresh_sandbox):
    calls = sandbox_counter(fresh_sandbox, REFRESH)
    failed = sample("instagram_token_refresh_total", outcome="failed")
    result = run_job_later(app, first=lambda: open_breaker(app))
    assert result["outcomes"] == {"deferred": 6} and result["failed"] == 0
    assert calls() == 0
    assert failures_and_notices(app) == (0, [])
    assert sample("instagram_token_refresh_total", outcome="failed") == failed


def test_a_breaker_opening_mid_run_defers_the_rest(app, due_accounts, fresh_sandbox):
    fresh_sandbox.state.faults.add({"path": REFRESH, "code": 1, "http_status": 500,
                                    "times": None, "message": "An unknown error occurred"})
    result = run_job_later(app)
    failures, notices = failures_and_notices(app)
    # The calls that reached Meta and failed are failures (5 attempts open the breaker:
    # the first account's 3, then the second account's 2); every other token is deferred.
    assert result["outcomes"] == {"failed": 1, "deferred": 5}
    assert failures == 1 and notices == ["instagram.token_refresh_failed"]


def test_a_throttled_app_defers_without_failures(app, due_accounts, fresh_sandbox):
    fresh_sandbox.state.faults.add({"path": REFRESH, "code": 4, "times": None,
                                    "message": "Application request limit reached"})
    calls = sandbox_counter(fresh_sandbox, REFRESH)
    result = run_job_later(app)
    assert result["outcomes"] == {"deferred": 6} and result["failed"] == 0
    assert calls() == 1  # the first call learnt of the throttle; no other was sent
    assert failures_and_notices(app) == (0, [])


def test_the_refresh_button_while_the_breaker_is_open(app, live, live_user, connect_account):
    headers = live_user()
    account = connect_account(headers)
    with time_machine.travel(utcnow() + timedelta(days=2), tick=False):
        open_breaker(app)
        answer = live.http.post(live.api(f"/accounts/{account['id']}/refresh"),
                                headers=headers)
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "instagram_unavailable"
    assert failures_and_notices(app) == (0, [])
