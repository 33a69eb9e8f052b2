"""Connecting someone else's account: the flow is bound to the browser that opened the
single-use connect link; a dialog URL approved elsewhere connects nothing."""
from datetime import timedelta

import pytest
import requests
import time_machine

from backend.models import utcnow
from tests.conftest import authorize, query_of

pytestmark = pytest.mark.e2e


def start(live, headers, login="instagram"):
    body = live.http.post(live.api("/oauth/authorize"), json={"login": login},
                          headers=headers).json()
    return body["start_url"]


def accounts(live, headers):
    return live.http.get(live.api("/accounts"), headers=headers).json()["accounts"]


def test_a_dialog_url_approved_in_another_browser_connects_nothing(live, live_user):
    alice = live_user("alice@example.com")
    callback, _state = authorize(live, alice)  # alice's browser opened the link...
    with requests.Session() as victim:  # ...but sends Meta's dialog URL on; it is approved
        response = victim.get(callback, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "browser_mismatch"
    assert accounts(live, alice) == []
    # The redirect is spent: alice's own browser cannot reuse it either.
    again = live.http.get(callback)
    assert again.json()["error"]["code"] == "state_already_used"


@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_a_connect_link_works_once(live, live_user, accept):
    url = start(live, live_user())
    assert live.http.get(url, allow_redirects=False).status_code == 302
    with requests.Session() as other:
        second = other.get(url, allow_redirects=False, headers={"Accept": accept})
    assert second.status_code == 400
    if accept == "text/html":
        assert "already opened" in second.text and "<script" not in second.text
    else:
        assert second.json()["error"]["code"] == "connect_link_used"


def test_a_connect_link_expires_quickly(live, live_user):
    url = start(live, live_user())
    with time_machine.travel(utcnow() + timedelta(seconds=121)):
        response = live.http.get(url, allow_redirects=False)
    assert response.json()["error"]["code"] == "connect_link_expired"


def test_tickets_and_states_are_not_interchangeable(live, live_user):
    headers = live_user()
    ticket = query_of(start(live, headers))["ticket"]
    as_state = live.http.get(live.api("/callback"), params={"code": "x", "state": ticket})
    assert as_state.json()["error"]["code"] == "invalid_state"
    _callback, state = authorize(live, headers)
    as_ticket = live.http.get(live.api("/oauth/start"), params={"ticket": state},
                              allow_redirects=False)
    assert as_ticket.json()["error"]["code"] == "connect_link_invalid"


def test_the_cookie_is_scoped_and_cleared(live, live_user):
    started = live.http.get(start(live, live_user()), allow_redirects=False)
    cookie = started.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Path=/api/sns/instagram/callback" in cookie
    assert "Secure" not in cookie  # plain http on loopback; https redirect URIs get Secure
    name = cookie.split("=", 1)[0]
    dialog = requests.get(started.headers["Location"], allow_redirects=False)
    done = live.http.get(dialog.headers["Location"], headers={"Accept": "application/json"})
    assert done.status_code == 201
    assert name not in live.http.cookies.get_dict()


def test_two_connects_started_in_one_browser_both_complete(live, live_user):
    headers = live_user()
    first, _ = authorize(live, headers)
    second, _ = authorize(live, headers, sandbox_username="second_brand")
    assert live.http.get(second).status_code == 201
    assert live.http.get(first).status_code == 201
    assert len(accounts(live, headers)) == 2


def test_the_callback_names_who_the_account_is_connected_to(live, live_user):
    bob = live_user("bob@example.com")
    callback, _ = authorize(live, bob)
    page = live.http.get(callback, headers={"Accept": "text/html"})
    assert "to the platform account bob@example.com" in page.text
