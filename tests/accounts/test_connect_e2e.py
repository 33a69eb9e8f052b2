"""End-to-end: connecting accounts through the real OAuth redirect flow (platform + sandbox)."""
from datetime import timedelta

import pytest
import requests
import time_machine

from backend.models import utcnow
from tests.conftest import authorize, query_of

pytestmark = pytest.mark.e2e


def test_instagram_login_connects_business_account(live, live_user, connect_account):
    headers = live_user()
    account = connect_account(headers)
    assert account["platform"] == "instagram"
    assert account["login_type"] == "instagram"
    assert account["account_type"] == "business"
    assert account["username"] == "sandbox_business"
    assert account["status"] == "active"
    assert "instagram_business_content_publish" in account["permissions"]
    assert account["missing_permissions"] == []
    assert account["token_expires_at"] is not None
    assert "token" not in " ".join(account.keys()).replace("token_expires_at", "")

    listed = live.http.get(live.api("/accounts"), headers=headers).json()["accounts"]
    assert [a["id"] for a in listed] == [account["id"]]


def test_curl_style_follow_redirects_connects(live, live_user):
    """What docs/curl does: `curl -L` with a cookie jar from the connect link to the callback."""
    headers = live_user()
    url = live.http.post(live.api("/oauth/authorize"), json={},
                         headers=headers).json()["start_url"]
    with requests.Session() as jar:
        response = jar.get(url, headers={"Accept": "*/*"})
    assert response.status_code == 201
    body = response.json()
    assert body["account"]["username"] == "sandbox_business"
    assert body["connected_to"]["email"] == "alice@example.com"


def test_browser_gets_html_page(live, live_user):
    headers = live_user()
    callback, _ = authorize(live, headers, sandbox_persona="creator")
    page = live.http.get(callback, headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 201
    assert "text/html" in page.headers["Content-Type"]
    # The page names the platform user the account now belongs to (issue 11, item 8).
    assert "Connected @sandbox_creator to the platform account alice@example.com." in page.text


def test_browser_error_page_shows_meta_reason_as_text(live, live_user):
    """Meta's error_description is whatever the redirect URL says: it must stay text."""
    _callback, state = authorize(live, live_user())
    hostile = "<script>alert(1)</script>"
    page = live.http.get(live.api("/callback"), headers={"Accept": "text/html"}, params={
        "state": state, "error": "server_error", "error_description": hostile})
    assert page.status_code == 400 and "text/html" in page.headers["Content-Type"]
    assert "<title>Instagram not connected</title>" in page.text
    assert "<script" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_creator_account_is_accepted(live_user, connect_account):
    assert connect_account(live_user(), persona="creator")["account_type"] == "creator"


def test_personal_account_is_rejected_and_nothing_stored(live, live_user):
    headers = live_user()
    callback, _ = authorize(live, headers, sandbox_persona="personal")
    response = live.http.get(callback)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "personal_account_not_supported"
    assert "professional" in response.json()["error"]["message"]
    assert live.http.get(live.api("/accounts"), headers=headers).json()["accounts"] == []


def test_access_denied_connects_nothing(live, live_user):
    headers = live_user()
    callback, _ = authorize(live, headers, sandbox_decision="deny")
    assert query_of(callback)["error"] == "access_denied"
    response = live.http.get(callback)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "access_denied"
    assert live.http.get(live.api("/accounts"), headers=headers).json()["accounts"] == []


def test_declined_scopes_are_stored_and_shown(live, live_user):
    headers = live_user()
    callback, _ = authorize(live, headers, sandbox_scopes="instagram_business_basic")
    account = live.http.get(callback).json()["account"]
    assert account["status"] == "missing_permissions"
    perms = live.http.get(live.api(f"/accounts/{account['id']}/permissions"),
                          headers=headers).json()
    assert perms["can_publish"] is False and perms["can_read_insights"] is False
    assert "instagram_business_content_publish" in perms["missing"]
    assert "instagram_business_content_publish" in perms["declined"]
    status = live.http.get(live.api(f"/accounts/{account['id']}/status"),
                           headers=headers).json()
    assert "instagram_business_content_publish" in status["action"]


def test_declining_basic_scope_connects_nothing(live, live_user):
    """Instagram's dialog always grants instagram_business_basic; Facebook's lets a user
    decline instagram_basic, without which nothing can be read."""
    headers = live_user()
    callback, _ = authorize(live, headers, login="facebook",
                            sandbox_scopes="pages_show_list,pages_read_engagement")
    response = live.http.get(callback)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "required_permission_declined"


@pytest.mark.parametrize("granted,blamed", [
    ("instagram_basic,instagram_content_publish,instagram_manage_insights",
     ["pages_show_list", "pages_read_engagement", "business_management"]),
    ("instagram_basic,instagram_content_publish,pages_read_engagement",
     ["pages_show_list", "business_management"]),
])
def test_declined_page_access_is_named_not_blamed_on_the_account(
        live, live_user, granted, blamed):
    """Without Page access Meta shows no Page, so no Instagram account is found: the answer
    says which permission was declined, not that the account is not linked (lessons 18)."""
    headers = live_user()
    callback, _ = authorize(live, headers, login="facebook", sandbox_scopes=granted)
    response = live.http.get(callback)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "pages_permission_declined"
    assert error["details"]["declined"] == blamed
    assert "pages_show_list" in error["message"] and "Connect again" in error["message"]
    assert "None of your Facebook Pages" not in error["message"]
    assert live.http.get(live.api("/accounts"), headers=headers).json()["accounts"] == []


def test_forged_state_is_refused(live, live_user):
    headers = live_user()
    callback, state = authorize(live, headers)
    forged = callback.replace(state, "forged-" + state[7:])
    response = live.http.get(forged)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_state"
    assert live.http.get(live.api("/accounts"), headers=headers).json()["accounts"] == []


def test_replayed_state_is_refused(live, live_user):
    headers = live_user()
    callback, _ = authorize(live, headers)
    assert live.http.get(callback).status_code == 201
    again = live.http.get(callback)
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "state_already_used"


def test_expired_state_is_refused(live, live_user):
    headers = live_user()
    callback, _ = authorize(live, headers)
    with time_machine.travel(utcnow() + timedelta(minutes=11)):
        response = live.http.get(callback)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "state_expired"


def test_state_without_code_or_missing_state(live, live_user):
    response = live.http.get(live.api("/callback"), params={"code": "x"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_state"


def test_second_account_and_reconnect_do_not_duplicate(live, live_user, connect_account):
    headers = live_user()
    first = connect_account(headers)
    second = connect_account(headers, username="second_brand")
    assert second["username"] == "second_brand" and second["id"] != first["id"]
    again = connect_account(headers)
    assert again["id"] == first["id"]
    listed = live.http.get(live.api("/accounts"), headers=headers).json()["accounts"]
    assert sorted(a["id"] for a in listed) == sorted([first["id"], second["id"]])


def test_disconnect_forgets_token_and_reconnect_restores(live, live_user, connect_account, app):
    from backend.extensions import db
    from backend.models import SNSAccount
    headers = live_user()
    account = connect_account(headers)
    response = live.http.delete(live.api(f"/accounts/{account['id']}"), headers=headers)
    assert response.status_code == 200
    assert response.json() == {"disconnected": True, "account_id": account["id"],
                               "posts_kept": 0}
    with app.app_context():
        row = db.session.get(SNSAccount, account["id"])
        assert row.access_token_encrypted is None and row.status == "disconnected"
    assert live.http.get(live.api("/accounts"), headers=headers).json()["accounts"] == []
    assert live.http.get(live.api(f"/accounts/{account['id']}/status"),
                         headers=headers).status_code == 404
    assert connect_account(headers)["id"] == account["id"]


def test_other_users_accounts_are_invisible(live, live_user, connect_account):
    alice = live_user("alice@example.com")
    bob = live_user("bob@example.com")
    account = connect_account(alice)
    assert live.http.get(live.api("/accounts"), headers=bob).json()["accounts"] == []
    for method, path in (("GET", f"/accounts/{account['id']}/status"),
                         ("GET", f"/accounts/{account['id']}/permissions"),
                         ("GET", f"/account/info?account_id={account['id']}"),
                         ("POST", f"/accounts/{account['id']}/refresh"),
                         ("DELETE", f"/accounts/{account['id']}")):
        response = live.http.request(method, live.api(path), headers=bob)
        assert response.status_code == 404, (method, path)
        assert response.json()["error"]["code"] == "account_not_found"
    assert live.http.get(live.api(f"/accounts/{account['id']}/status"),
                         headers=alice).status_code == 200


def test_facebook_login_connects_page_instagram_account(live, live_user, connect_account):
    headers = live_user()
    account = connect_account(headers, login="facebook")
    assert account["login_type"] == "facebook"
    assert account["account_type"] == "professional"
    assert account["page_id"] and account["username"] == "sandbox_business"
    assert account["token_expires_at"] is None  # Page tokens do not expire
    status = live.http.get(live.api(f"/accounts/{account['id']}/status"),
                           headers=headers).json()
    assert status["status"] == "active" and status["days_left"] is None
    info = live.http.get(live.api("/account/info"), params={"account_id": account["id"]},
                         headers=headers)
    assert info.status_code == 200 and info.json()["username"] == "sandbox_business"


def test_facebook_login_without_linked_instagram_account(live, live_user):
    headers = live_user()
    callback, _ = authorize(live, headers, login="facebook", sandbox_persona="personal")
    response = live.http.get(callback)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "no_instagram_business_account"


def test_account_info_reads_and_saves_profile(live, live_user, connect_account):
    headers = live_user()
    account = connect_account(headers)
    info = live.http.get(live.api("/account/info"), params={"account_id": account["id"]},
                         headers=headers)
    assert info.status_code == 200
    body = info.json()
    assert body["username"] == "sandbox_business"
    assert isinstance(body["followers_count"], int) and isinstance(body["media_count"], int)
    assert body["ig_user_id"] == account["ig_user_id"]


def test_account_info_validates_query(live, live_user):
    response = live.http.get(live.api("/account/info"), params={"account_id": "abc"},
                             headers=live_user())
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
