"""End-to-end: token refresh (on demand and by the job), expiry and revoked tokens."""
from datetime import timedelta

import pytest
import time_machine

from backend.extensions import db
from backend.models import SNSAccount, utcnow
from backend.services.instagram.accounts.token_refresh import refresh_due_tokens
from backend.services.instagram.accounts.token_store import client_for
from backend.services.instagram.graph import errors as graph

pytestmark = pytest.mark.e2e


def _row(app, account_id):
    with app.app_context():
        row = db.session.get(SNSAccount, account_id)
        db.session.expunge(row)
        return row


def test_young_token_refresh_is_refused_without_calling_meta(
        live, live_user, connect_account):
    headers = live_user()
    account = connect_account(headers)
    response = live.http.post(live.api(f"/accounts/{account['id']}/refresh"), headers=headers)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "token_too_young"
    assert "refresh_after" in response.json()["error"]["details"]


def test_meta_refuses_refreshing_a_young_token(app, live, live_user, connect_account):
    """The sandbox, like Meta, refuses ig_refresh_token for a token under 24 hours old."""
    account = connect_account(live_user())
    with app.app_context():
        client = client_for(db.session.get(SNSAccount, account["id"]))
        with pytest.raises(graph.InstagramAPIError) as refused:
            client.refresh_access_token(client.access_token)
    assert refused.value.code in (100, 190)


def test_token_older_than_a_day_is_refreshed(app, live, live_user, connect_account):
    headers = live_user()
    account = connect_account(headers)
    before = _row(app, account["id"])
    with time_machine.travel(utcnow() + timedelta(hours=25)):
        response = live.http.post(live.api(f"/accounts/{account['id']}/refresh"),
                                  headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["refreshed"] is True
        after = _row(app, account["id"])
        assert after.access_token_encrypted != before.access_token_encrypted
        assert after.token_expires_at > before.token_expires_at + timedelta(hours=24)
        assert after.token_refreshed_at is not None
        # The new token works.
        info = live.http.get(live.api("/account/info"), params={"account_id": account["id"]},
                             headers=headers)
        assert info.status_code == 200


def test_refresh_job_refreshes_due_tokens_only(app, live, live_user, connect_account):
    headers = live_user()
    due = connect_account(headers)
    with app.app_context():
        # A token due for refresh: 15 days old in the platform's records.
        row = db.session.get(SNSAccount, due["id"])
        row.token_issued_at = utcnow() - timedelta(days=15)
        row.token_expires_at = utcnow() + timedelta(days=45)
        db.session.commit()
    with time_machine.travel(utcnow() + timedelta(hours=25)):
        with app.app_context():
            assert refresh_due_tokens(app)["outcomes"] == {"refreshed": 1}
            # Just refreshed: nothing due on the next run.
            assert refresh_due_tokens(app)["outcomes"] == {}
    after = _row(app, due["id"])
    assert after.token_refreshed_at is not None and after.refresh_failures == 0
    assert after.lease_owner is None


def test_expired_token_marks_account_needs_reauth(app, live, live_user, connect_account):
    headers = live_user()
    account = connect_account(headers)
    with time_machine.travel(utcnow() + timedelta(days=61)):
        status = live.http.get(live.api(f"/accounts/{account['id']}/status"),
                               headers=headers).json()
        assert status["status"] == "needs_reauth"
        assert "Connect the account again" in status["action"]


def test_revoked_token_marks_account_needs_reauth(app, live, live_user, connect_account,
                                                  sandbox):
    headers = live_user()
    account = connect_account(headers)
    sandbox_url = sandbox.url
    import requests
    response = requests.post(f"{sandbox_url}/_sandbox/accounts/sandbox_business/invalidate",
                             json={"subcode": 460})
    assert response.status_code == 200
    info = live.http.get(live.api("/account/info"), params={"account_id": account["id"]},
                         headers=headers)
    assert info.status_code == 403
    error = info.json()["error"]
    assert error["code"] == "instagram_reauth_required"
    assert error["details"]["meta_code"] == 190 and error["details"]["meta_subcode"] == 460
    status = live.http.get(live.api(f"/accounts/{account['id']}/status"),
                           headers=headers).json()
    assert status["status"] == "needs_reauth"
    assert status["last_error"]["code"] == "190"
    listed = live.http.get(live.api("/accounts"), headers=headers).json()["accounts"]
    assert listed[0]["status"] == "needs_reauth"
