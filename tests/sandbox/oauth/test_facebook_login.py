"""Facebook Login through the sandbox: dialog, code exchange and long-lived user tokens."""
from urllib.parse import parse_qs, urlsplit

from tests.sandbox.conftest import (APP_ID, APP_SECRET, REDIRECT_URI,
                                    graph_error, redirect_params)

DAY = 24 * 3600


def test_dialog_with_version_redirects_with_code(meta):
    response = meta.fb_authorize()
    assert response.status_code == 302
    assert response.headers["Location"].endswith("#_=_")
    params = redirect_params(response)
    assert params["state"] == "s2" and params["code"]


def test_dialog_without_version(meta):
    response = meta.get("www.facebook.com", "/dialog/oauth", allow_redirects=False,
                        params={"client_id": APP_ID, "redirect_uri": REDIRECT_URI,
                                "scope": "instagram_basic"})
    assert response.status_code == 302


def test_code_exchange_gives_short_lived_user_token(meta):
    response = meta.fb_exchange(meta.fb_code())
    assert response.status_code == 200
    body = response.json()
    assert body["access_token"].startswith("EAA") and body["token_type"] == "bearer"
    assert 5300 <= body["expires_in"] <= 5400


def test_code_exchange_errors(meta):
    code = meta.fb_code()
    cases = (
        ({"client_secret": "bad"}, 1, None),
        ({"client_id": "123"}, 101, None),
        ({"redirect_uri": REDIRECT_URI + "/x"}, 100, 36008),
    )
    for overrides, code_number, subcode in cases:
        error = graph_error(meta.fb_exchange(code, **overrides))
        assert error["type"] == "OAuthException"
        assert (error["code"], error.get("error_subcode")) == (code_number, subcode), overrides
    assert graph_error(meta.fb_exchange("AQBnonsense"))["code"] == 100
    assert meta.fb_exchange(code).status_code == 200
    used = graph_error(meta.fb_exchange(code))
    assert (used["code"], used["error_subcode"]) == (100, 36009)


def test_expired_code(meta):
    code = meta.fb_code()
    meta.advance(3601)
    error = graph_error(meta.fb_exchange(code))
    assert (error["code"], error["error_subcode"]) == (100, 36007)


def test_instagram_code_does_not_work_on_facebook(meta):
    error = graph_error(meta.fb_exchange(meta.ig_code()))
    assert error["code"] == 100


def test_long_lived_user_token(meta):
    short = meta.fb_user_token()
    response = meta.fb("/v25.0/oauth/access_token", grant_type="fb_exchange_token",
                       client_id=APP_ID, client_secret=APP_SECRET, fb_exchange_token=short)
    assert response.status_code == 200
    body = response.json()
    assert 5183900 <= body["expires_in"] <= 5184000
    meta.advance(2 * 3600)
    assert meta.fb("/me", short).status_code == 400
    assert meta.fb("/me", body["access_token"]).status_code == 200


def test_expired_token_cannot_be_exchanged(meta):
    short = meta.fb_user_token()
    meta.advance(5401)
    response = meta.fb("/v25.0/oauth/access_token", grant_type="fb_exchange_token",
                       client_id=APP_ID, client_secret=APP_SECRET, fb_exchange_token=short)
    error = graph_error(response)
    assert (error["code"], error["error_subcode"]) == (190, 463)


def test_config_id_grants_the_default_set(meta):
    token = meta.fb_user_token(scope=None, config_id="1234567890")
    permissions = meta.fb("/me/permissions", token).json()["data"]
    granted = {p["permission"] for p in permissions if p["status"] == "granted"}
    assert {"public_profile", "instagram_basic", "instagram_content_publish",
            "pages_show_list", "business_management"} <= granted


def test_declined_then_rerequested(meta):
    token = meta.fb_user_token(sandbox_scopes="instagram_basic,pages_show_list")
    statuses = {p["permission"]: p["status"]
                for p in meta.fb("/me/permissions", token).json()["data"]}
    assert statuses["instagram_content_publish"] == "declined"
    assert statuses["instagram_basic"] == "granted"
    token = meta.fb_user_token(auth_type="rerequest", scope="instagram_content_publish")
    statuses = {p["permission"]: p["status"]
                for p in meta.fb("/me/permissions", token).json()["data"]}
    assert statuses["instagram_content_publish"] == "granted"
    assert statuses["pages_show_list"] == "granted"


def test_deny_and_invalid_scope(meta):
    response = meta.fb_authorize(sandbox_decision="deny")
    params = redirect_params(response)
    assert params["error"] == "access_denied" and params["error_reason"] == "user_denied"
    assert meta.fb_authorize(scope="manage_pages").status_code == 400
    assert meta.fb_authorize(client_id="1").status_code == 400


def test_implicit_flow_returns_tokens_in_fragment(meta):
    response = meta.fb_authorize(response_type="token")
    fragment = parse_qs(urlsplit(response.headers["Location"]).fragment)
    assert fragment["state"] == ["s2"]
    long = fragment["long_lived_token"][0]
    assert meta.fb("/me", fragment["access_token"][0]).status_code == 200
    meta.advance(3 * 3600)
    assert meta.fb("/me", long).status_code == 200


def test_app_token_from_client_credentials(meta):
    response = meta.fb("/oauth/access_token", grant_type="client_credentials",
                       client_id=APP_ID, client_secret=APP_SECRET)
    assert response.json() == {"access_token": f"{APP_ID}|{APP_SECRET}", "token_type": "bearer"}


def test_separate_facebook_app_credentials(meta):
    meta.settings(facebook_app_id="200000000000002", facebook_app_secret="fb-secret")
    assert meta.fb_authorize().status_code == 400
    code = meta.fb_code(client_id="200000000000002")
    response = meta.fb_exchange(code, client_id="200000000000002", client_secret="fb-secret")
    assert response.status_code == 200
    assert meta.ig_authorize().status_code == 302
