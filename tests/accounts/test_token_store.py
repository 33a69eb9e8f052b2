"""The token store's promises: a stale writer changes nothing; an unreadable token marks only
its own account and every job goes on with the others."""
from datetime import timedelta

import pytest
import time_machine
from cryptography.fernet import Fernet

from backend.extensions import db
from backend.models import SNSAccount, SNSPost, utcnow
from backend.services.instagram.accounts import token_store
from backend.services.instagram.accounts.crypto import TokenCipher
from backend.services.instagram.accounts.token_refresh import refresh_due_tokens
from backend.services.instagram.core.leases import claim
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.graph import errors as graph
from backend.services.instagram.graph.client import InstagramAPI
from backend.services.instagram.insights.jobs import sync_insights
from backend.services.instagram.publishing.jobs import process_due_posts
from tests.rows import user_and_account

pytestmark = pytest.mark.e2e
DAY = timedelta(hours=25)


def _row(app, account_id):
    with app.app_context():
        row = db.session.get(SNSAccount, account_id)
        db.session.expunge(row)
        return row


def _token(app, account_id):
    row = _row(app, account_id)
    if row.access_token_encrypted is None:
        return None
    return runtime(app).cipher.decrypt(row.access_token_encrypted)


def _during_refresh(monkeypatch, action):
    """Run `action` after Meta answered the refresh but before the platform stores it."""
    real = InstagramAPI.refresh_access_token

    def refresh(self, token):
        answer = real(self, token)
        action()
        return answer
    monkeypatch.setattr(InstagramAPI, "refresh_access_token", refresh)


def test_disconnect_during_an_in_flight_refresh_leaves_no_token_at_rest(
        app, live, live_user, connect_account, monkeypatch):
    headers = live_user()
    account = connect_account(headers)
    path = live.api(f"/accounts/{account['id']}")
    _during_refresh(monkeypatch, lambda: live.http.delete(path, headers=headers))
    with time_machine.travel(utcnow() + DAY):
        response = live.http.post(live.api(f"/accounts/{account['id']}/refresh"),
                                  headers=headers)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "token_changed"
    row = _row(app, account["id"])
    assert row.access_token_encrypted is None and row.status == "disconnected"


def test_reconnect_during_a_refresh_keeps_the_new_token_and_permissions(
        app, live, live_user, connect_account, monkeypatch):
    headers = live_user()
    account = connect_account(headers)
    reconnected = {}

    def reconnect():
        from tests.conftest import authorize
        callback, _ = authorize(live, headers, sandbox_scopes="instagram_business_basic,"
                                "instagram_business_content_publish")
        assert live.http.get(callback, headers={"Accept": "application/json"}).ok
        reconnected["token"] = _token(app, account["id"])

    _during_refresh(monkeypatch, reconnect)
    with time_machine.travel(utcnow() + DAY):
        response = live.http.post(live.api(f"/accounts/{account['id']}/refresh"),
                                  headers=headers)
    assert response.status_code == 409
    assert _token(app, account["id"]) == reconnected["token"]
    row = _row(app, account["id"])
    assert row.permissions == ["instagram_business_basic",
                               "instagram_business_content_publish"]
    assert row.status == "active" and row.token_refreshed_at is None


def test_a_job_with_an_old_token_does_not_flag_a_reconnected_account(
        app, live, live_user, connect_account, monkeypatch):
    headers = live_user()
    account = connect_account(headers)
    real = InstagramAPI.get_account_info
    state = {"reconnecting": False}

    def info(self, *args, **kwargs):
        if state["reconnecting"] or state.get("done"):
            return real(self, *args, **kwargs)
        state["reconnecting"] = True
        connect_account(headers)  # the user reconnects while this call is with Meta
        state.update(reconnecting=False, done=True)
        raise graph.AuthError("Error validating access token", code=190, subcode=460)

    monkeypatch.setattr(InstagramAPI, "get_account_info", info)
    response = live.http.get(live.api("/account/info"), params={"account_id": account["id"]},
                             headers=headers)
    assert response.status_code == 403  # that request's token was refused
    row = _row(app, account["id"])
    assert row.status == "active" and row.last_error is None
    status = live.http.get(live.api(f"/accounts/{account['id']}/status"), headers=headers)
    assert status.json()["status"] == "active"


@pytest.fixture
def two_accounts(app, live, live_user, connect_account):
    """Account `bad` holds a token encrypted with a key the platform no longer has."""
    good = connect_account(live_user("good@example.com"), username="good_shop")
    bad = connect_account(live_user("bad@example.com"), username="bad_shop")
    return good, bad


def _lose_key(app, account_id):
    with app.app_context():
        row = db.session.get(SNSAccount, account_id)
        row.access_token_encrypted = TokenCipher([Fernet.generate_key()]).encrypt("IGAAlost")
        db.session.commit()


def _make_due(app, *account_ids):
    with app.app_context():
        for account_id in account_ids:
            row = db.session.get(SNSAccount, account_id)
            row.token_issued_at = utcnow() - timedelta(days=15)
            row.token_expires_at = utcnow() + timedelta(days=45)
        db.session.commit()


def _assert_marked(app, account_id):
    row = _row(app, account_id)
    assert row.status == "needs_reauth"
    assert "cannot be decrypted" in row.last_error["message"]
    assert row.lease_owner is None


def test_an_unreadable_token_marks_its_account_and_the_refresh_job_goes_on(
        app, two_accounts):
    good, bad = two_accounts
    _make_due(app, bad["id"], good["id"])
    _lose_key(app, bad["id"])
    with time_machine.travel(utcnow() + DAY), app.app_context():
        result = refresh_due_tokens(app)
    assert result["outcomes"] == {"refreshed": 1, "needs_reauth": 1}
    _assert_marked(app, bad["id"])
    assert _row(app, good["id"]).token_refreshed_at is not None


def test_an_unreadable_token_marks_its_account_and_the_insights_sync_goes_on(
        app, two_accounts):
    good, bad = two_accounts
    _lose_key(app, bad["id"])
    with app.app_context():
        stats = sync_insights(app)
    assert stats == {"accounts_synced": 1, "accounts_need_reauth": 1}
    _assert_marked(app, bad["id"])
    assert _row(app, good["id"]).insights_synced_at is not None


def test_an_unreadable_token_fails_its_post_and_the_publishing_job_goes_on(
        app, live, sandbox, two_accounts, live_user):
    good, bad = two_accounts
    runtime(app).settings.INSTAGRAM_SYNC_PUBLISH_TIMEOUT = 0  # leave both to the job
    image = f"{sandbox.url}/_sandbox/samples/image.jpg?w=1080&h=1350"
    ids = {}
    for email, account in (("bad@example.com", bad), ("good@example.com", good)):
        headers = live_user(email)
        response = live.http.post(live.api("/posts"), headers=headers, json={
            "account_id": account["id"], "image_url": image, "caption": email})
        assert response.status_code == 202, response.text
        ids[email] = response.json()["post"]["id"]
    _lose_key(app, bad["id"])
    with app.app_context():
        process_due_posts(app)
        bad_post = db.session.get(SNSPost, ids["bad@example.com"])
        good_post = db.session.get(SNSPost, ids["good@example.com"])
        assert good_post.status == "published" and good_post.platform_post_id
        assert bad_post.status == "failed" and bad_post.error_category == "auth"
        assert "cannot be decrypted" in bad_post.error_message
        assert bad_post.lease_owner is None
    _assert_marked(app, bad["id"])


def test_key_rotation_reports_tokens_it_cannot_read_and_goes_on(app, two_accounts):
    good, bad = two_accounts
    _lose_key(app, bad["id"])
    result = app.test_cli_runner().invoke(args=["instagram", "rotate-keys"])
    assert result.exit_code == 0, result.output
    assert "re-encrypted 1 token(s)" in result.output
    assert "1 token(s) not re-encrypted" in result.output
    assert _token(app, good["id"]).startswith("IG")


def test_a_refresh_stored_under_the_lease_frees_it_and_a_stale_one_changes_nothing(app):
    with app.app_context():
        _, account = user_and_account("lease@example.com")
        token_store.connect(account, "IGold", 3600)
        db.session.commit()
        lease = claim(SNSAccount, account.id, 60)
        held = token_store.load(account)
        assert token_store.save_refreshed(held, account, "IGnew", None, lease)
        assert (account.lease_owner, account.token_version) == (None, held.version + 1)
        assert token_store.load(account).value == "IGnew" and account.token_expires_at
        stale = claim(SNSAccount, account.id, 60)
        assert not token_store.save_refreshed(held, account, "IGstale", 60, stale)
        assert account.lease_owner == stale.owner  # not released by a write that did nothing
        assert token_store.load(account).value == "IGnew"
        stale.release()
        db.session.expire(account)
        assert account.lease_owner is None
