"""OAuth calls: request shapes on each host, both response shapes, and no retry of codes."""
import pytest
import requests
import responses

from backend.services.instagram.graph.errors import AuthError, NetworkError
from tests.graph.fakes import (APP_ID, APP_SECRET, CODE, FB, IG, OAUTH, SHORT_TOKEN, TOKEN, V,
                               form_body, path, query)

REDIRECT = "https://app.example.com/oauth/callback"


@pytest.mark.parametrize("body", [
    {"data": [{"access_token": SHORT_TOKEN, "user_id": "1020",
               "permissions": "instagram_business_basic,instagram_business_content_publish"}]},
    {"access_token": SHORT_TOKEN, "user_id": 1020,
     "permissions": ["instagram_business_basic", "instagram_business_content_publish"]},
], ids=["documented-data-list", "flat"])
def test_instagram_code_exchange_accepts_both_shapes(rsps, make_client, body):
    rsps.add(responses.POST, f"{OAUTH}/oauth/access_token", json=body)
    result = make_client("instagram", token=None).exchange_code(CODE, REDIRECT)
    assert result == {"access_token": SHORT_TOKEN, "user_id": "1020",
                      "permissions": ["instagram_business_basic",
                                      "instagram_business_content_publish"]}
    call = rsps.calls[0]
    assert form_body(call) == {"client_id": APP_ID, "client_secret": APP_SECRET,
                               "grant_type": "authorization_code", "redirect_uri": REDIRECT,
                               "code": CODE}
    assert "Authorization" not in call.request.headers
    assert CODE not in call.request.url


def test_facebook_code_exchange_is_a_versioned_get(rsps, make_client):
    rsps.add(responses.GET, f"{FB}/{V}/oauth/access_token",
             json={"access_token": SHORT_TOKEN, "token_type": "bearer", "expires_in": 5400})
    result = make_client("facebook", token=None).exchange_code(CODE, REDIRECT)
    assert result == {"access_token": SHORT_TOKEN, "expires_in": 5400, "token_type": "bearer"}
    assert query(rsps.calls[0]) == {"client_id": APP_ID, "client_secret": APP_SECRET,
                                    "redirect_uri": REDIRECT, "code": CODE}


@pytest.mark.parametrize("login_type,method,url", [
    ("instagram", responses.POST, f"{OAUTH}/oauth/access_token"),
    ("facebook", responses.GET, f"{FB}/{V}/oauth/access_token"),
])
def test_code_exchange_is_not_retried_after_sending(rsps, make_client, login_type, method, url):
    rsps.add(method, url, body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(NetworkError) as info:
        make_client(login_type, token=None).exchange_code(CODE, REDIRECT)
    assert info.value.ambiguous is True
    assert len(rsps.calls) == 1


def test_code_exchange_is_retried_when_nothing_was_sent(rsps, make_client):
    url = f"{OAUTH}/oauth/access_token"
    rsps.add(responses.POST, url, body=requests.exceptions.ConnectTimeout("connect timed out"))
    rsps.add(responses.POST, url, json={"access_token": SHORT_TOKEN, "user_id": "1"})
    assert make_client(token=None).exchange_code(CODE, REDIRECT)["access_token"] == SHORT_TOKEN
    assert len(rsps.calls) == 2


def test_instagram_oauth_error_shape_is_an_auth_error(rsps, make_client):
    rsps.add(responses.POST, f"{OAUTH}/oauth/access_token", status=400, json={
        "error_type": "OAuthException", "code": 400,
        "error_message": "Matching code was not found or was already used"})
    with pytest.raises(AuthError) as info:
        make_client(token=None).exchange_code(CODE, REDIRECT)
    assert info.value.message == "Matching code was not found or was already used"
    assert info.value.code == 400 and info.value.http_status == 400
    assert info.value.error_type == "OAuthException"
    assert len(rsps.calls) == 1


def test_instagram_long_lived_exchange_uses_the_unversioned_path(rsps, ig):
    rsps.add(responses.GET, f"{IG}/access_token",
             json={"access_token": TOKEN, "token_type": "bearer", "expires_in": 5183944})
    assert ig.exchange_long_lived_token(SHORT_TOKEN) == {
        "access_token": TOKEN, "expires_in": 5183944, "token_type": "bearer"}
    call = rsps.calls[0]
    assert path(call) == "/access_token"
    assert query(call) == {"grant_type": "ig_exchange_token", "client_secret": APP_SECRET,
                           "access_token": SHORT_TOKEN}


def test_facebook_long_lived_exchange(rsps, fb):
    rsps.add(responses.GET, f"{FB}/{V}/oauth/access_token",
             json={"access_token": TOKEN, "token_type": "bearer", "expires_in": "5183944"})
    assert fb.exchange_long_lived_token(SHORT_TOKEN)["expires_in"] == 5183944
    assert query(rsps.calls[0]) == {"grant_type": "fb_exchange_token", "client_id": APP_ID,
                                    "client_secret": APP_SECRET,
                                    "fb_exchange_token": SHORT_TOKEN}


def test_long_lived_exchange_is_retried_like_a_read(rsps, ig):
    rsps.add(responses.GET, f"{IG}/access_token", status=503, body="unavailable")
    rsps.add(responses.GET, f"{IG}/access_token", json={"access_token": TOKEN})
    assert ig.exchange_long_lived_token(SHORT_TOKEN)["access_token"] == TOKEN
    assert len(rsps.calls) == 2


def test_refresh_uses_the_unversioned_path_and_the_clients_token(rsps, ig):
    rsps.add(responses.GET, f"{IG}/refresh_access_token",
             json={"access_token": "IGQVJrefreshed000000000000", "token_type": "bearer",
                   "expires_in": 5184000})
    assert ig.refresh_access_token()["access_token"] == "IGQVJrefreshed000000000000"
    assert path(rsps.calls[0]) == "/refresh_access_token"
    assert query(rsps.calls[0]) == {"grant_type": "ig_refresh_token", "access_token": TOKEN}


def test_refresh_is_instagram_login_only(fb):
    with pytest.raises(ValueError):
        fb.refresh_access_token()


def test_debug_token_uses_the_app_token(rsps, ig):
    rsps.add(responses.GET, f"{FB}/{V}/debug_token",
             json={"data": {"is_valid": True, "scopes": ["instagram_basic"],
                            "data_access_expires_at": 1754846089}})
    assert ig.debug_token()["data_access_expires_at"] == 1754846089
    call = rsps.calls[0]
    assert query(call) == {"input_token": TOKEN, "access_token": f"{APP_ID}|{APP_SECRET}"}
    assert "appsecret_proof" not in query(call)


def test_calls_needing_the_app_credentials_say_so(make_client):
    client = make_client(app_id=None, app_secret=None)
    with pytest.raises(ValueError, match="app_id and app_secret"):
        client.exchange_long_lived_token(SHORT_TOKEN)
