"""The refresh job at scale (several in flight, once per token across workers) and what the
user is told when a token cannot be refreshed, is about to expire, or a post failed."""
import threading
from datetime import timedelta

import pytest
import time_machine

from backend.extensions import db
from backend.models import SNSAccount, SNSPost, utcnow
from backend.notifications import notification_created
from backend.services.instagram.accounts.token_refresh import refresh_due_tokens
from backend.services.instagram.core import signals
from tests.prom import total

pytestmark = pytest.mark.e2e
REFRESH = "/refresh_access_token"


def run_job(app):
    """One run of the job as the scheduler makes it: in an app context of its own."""
    with app.app_context():
        return refresh_due_tokens(app)


def versions(app):
    with app.app_context():
        return {a.id: a.token_version for a in db.session.execute(
            db.select(SNSAccount)).scalars()}


def test_two_workers_refresh_each_due_token_exactly_once(app, live, live_user,
                                                         connect_account):
    headers = live_user()
    ids = [connect_account(headers, username=f"shop{n}")["id"] for n in range(6)]
    before = versions(app)
    calls = total("instagram_graph_calls_total", endpoint=REFRESH)
    refreshed = total("instagram_token_refresh_total", outcome="refreshed")
    results = []
    # Eleven days on, every 60-day token has fewer than 50 days left: all are due.
    with time_machine.travel(utcnow() + timedelta(days=11), tick=False):
        workers = [threading.Thread(target=lambda: results.append(run_job(app)))
                   for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert total("instagram_graph_calls_total", endpoint=REFRESH) - calls == len(ids)
        assert sum(r["refreshed"] for r in results) == len(ids)
        assert total("instagram_token_refresh_total", outcome="refreshed") - refreshed == 6
        after = versions(app)
        assert all(after[i] == before[i] + 1 for i in ids)
        # A later run of the same cycle finds nothing due.
        assert run_job(app)["refreshed"] == 0


def test_the_job_runs_refreshes_side_by_side(app, live, live_user, connect_account,
                                             fresh_sandbox):
    headers = live_user()
    for n in range(8):
        connect_account(headers, username=f"side{n}")
    fresh_sandbox.state.faults.add({"path": REFRESH, "latency_ms": 200, "times": 8})
    import time
    with time_machine.travel(utcnow() + timedelta(days=11), tick=False):
        started = time.monotonic()
        assert run_job(app)["refreshed"] == 8
        elapsed = time.monotonic() - started
    # 8 calls of 200 ms one after another take 1.6 s; in flight together, about 0.2 s.
    assert elapsed < 1.2


def test_a_failed_refresh_and_an_expiring_token_are_told_once(app, live, live_user,
                                                              connect_account, fresh_sandbox):
    headers = live_user()
    account = connect_account(headers)
    fresh_sandbox.state.faults.add({"path": REFRESH, "code": 100, "times": None,
                                    "message": "Unsupported request"})
    with time_machine.travel(utcnow() + timedelta(days=11), tick=False):
        for _ in range(3):  # hourly runs: each fails, one notice
            assert run_job(app)["failed"] == 1
        status = live.http.get(live.api(f"/accounts/{account['id']}/status"),
                               headers=headers).json()
        assert status["last_error"]["code"] == "100"
        assert "could not be refreshed" in status["action"]
    with time_machine.travel(utcnow() + timedelta(days=59, hours=12), tick=False):
        run_job(app)
        run_job(app)
        listing = live.http.get(f"{live.url}/api/notifications", headers=headers).json()
    kinds = [n["kind"] for n in listing["notifications"]]
    assert kinds == ["instagram.token_expiring", "instagram.token_refresh_failed"]
    assert listing["unread_count"] == 2
    expiring = listing["notifications"][0]
    assert expiring["data"]["account_id"] == account["id"] and "Connect" in expiring["action"]


def test_a_failed_post_is_stored_once_and_marked_read(app, live, live_user, connect_account):
    headers = live_user()
    account = connect_account(headers)
    created = []

    def host_mailer(_app, notification):
        created.append(notification.id)

    with app.app_context(), notification_created.connected_to(host_mailer):
        post = SNSPost(user_id=1, account_id=account["id"],
                       post_type="feed", status="failed", error_code="9004",
                       error_category="media", error_message="Meta could not fetch the image.")
        db.session.add(post)
        db.session.commit()
        # Two workers noticing the same failure: one notification, one host signal.
        signals.post_failed.send(app, post=post)
        signals.post_failed.send(app, post=post)
    listing = live.http.get(f"{live.url}/api/notifications?unread=true", headers=headers).json()
    [notice] = listing["notifications"]
    assert len(created) == 1 and created[0] == notice["id"]
    assert notice["message"] == "Meta could not fetch the image."
    assert notice["action"].startswith("Check the media")
    other = live_user("mallory@example.com")
    assert live.http.post(f"{live.url}/api/notifications/{notice['id']}/read",
                          headers=other).status_code == 404
    read = live.http.post(f"{live.url}/api/notifications/{notice['id']}/read", headers=headers)
    assert read.json()["notification"]["read"] is True
    again = live.http.get(f"{live.url}/api/notifications", headers=headers).json()
    assert again["unread_count"] == 0
    assert live.http.get(f"{live.url}/api/notifications").status_code == 401
