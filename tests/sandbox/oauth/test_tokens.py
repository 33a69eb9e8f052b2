"""Token handling: where tokens go, host binding, expiry, invalidation, proofs, debug_token."""
import hashlib
import hmac
import re

from tests.sandbox.conftest import APP_ID, APP_SECRET, graph_error


def test_token_in_query_form_json_bearer_and_oauth_header(meta):
    token = meta.ig_short_token()
    ways = (
        {"params": {"access_token": token}},
        {"headers": {"Authorization": f"Bearer {token}"}},
        {"headers": {"Authorization": f"OAuth {token}"}},
    )
    for way in ways:
        response = meta.request("GET", "graph.instagram.com", "/me", **way)
        assert response.status_code == 200, way
    fb_token = meta.fb_user_token()
    response = meta.request("GET", "graph.facebook.com", "/me/permissions",
                            data={"access_token": fb_token})
    assert response.status_code == 200
    response = meta.request("DELETE", "graph.facebook.com", "/me/permissions/pages_show_list",
                            json={"access_token": fb_token})
    assert response.status_code == 200 and response.json() is True


def test_missing_token(meta):
    response = meta.ig("/me")
    error = graph_error(response)
    assert (response.status_code, error["code"]) == (400, 104)
    assert error["message"] == "An access token is required to request this resource."
    assert graph_error(meta.fb("/me"))["type"] == "OAuthException"


def test_tokens_are_host_specific(meta):
    ig_token, fb_token = meta.ig_short_token(), meta.fb_user_token()
    for response in (meta.fb("/me", ig_token), meta.ig("/me", fb_token)):
        error = graph_error(response)
        assert error["code"] == 190
        assert error["message"] == "Invalid OAuth access token - Cannot parse access token"
    assert graph_error(meta.fb("/me", ig_token))["type"] == "OAuthException"
    assert graph_error(meta.ig("/me", fb_token))["type"] == "IGApiException"


def test_unknown_tokens(meta):
    assert graph_error(meta.ig("/me", "IGAAnotissuedbythissandbox"))["code"] == 190
    assert graph_error(meta.fb("/me", "EAAnotissued"))["code"] == 190
    response = meta.fb("/me", "garbage")
    assert response.status_code == 400
    assert 'OAuth "Facebook Platform" "invalid_token"' in response.headers["WWW-Authenticate"]


def test_expired_token_message(meta):
    token = meta.ig_short_token()
    meta.advance(3600)
    error = graph_error(meta.ig("/me", token))
    assert (error["code"], error["error_subcode"]) == (190, 463)
    assert re.fullmatch(r"Error validating access token: Session has expired on \w+, "
                        r"\d\d-\w{3}-\d\d \d\d:\d\d:\d\d PDT\. The current time is \w+, "
                        r"\d\d-\w{3}-\d\d \d\d:\d\d:\d\d PDT\.", error["message"])


def test_invalidate_account(meta):
    ig_token, fb_token = meta.ig_short_token(), meta.fb_user_token()
    creator = meta.ig_short_token(sandbox_persona="creator")
    response = meta.control("POST", "/accounts/sandbox_business/invalidate",
                            json={"subcode": 460})
    assert response.ok
    for result in (meta.ig("/me", ig_token), meta.fb("/me", fb_token)):
        error = graph_error(result)
        assert (error["code"], error["error_subcode"]) == (190, 460)
    assert meta.ig("/me", creator).status_code == 200
    assert meta.ig("/me", meta.ig_short_token()).status_code == 200  # a new login works
    assert meta.control("POST", "/accounts/nobody/invalidate").status_code == 404


def test_appsecret_proof(meta):
    token = meta.fb_user_token()
    proof = hmac.new(APP_SECRET.encode(), token.encode(), hashlib.sha256).hexdigest()
    assert meta.fb("/me", token, appsecret_proof=proof).status_code == 200
    error = graph_error(meta.fb("/me", token, appsecret_proof="0" * 64))
    assert (error["code"], error["message"]) == (
        100, "Invalid appsecret_proof provided in the API argument")
    meta.settings(require_appsecret_proof=True)
    assert graph_error(meta.fb("/me", token))["code"] == 100
    assert meta.fb("/me", token, appsecret_proof=proof).status_code == 200


def test_debug_token_user_and_page(meta):
    app_token = f"{APP_ID}|{APP_SECRET}"
    user = meta.fb_user_token(long_lived=True)
    data = meta.fb("/v25.0/debug_token", app_token, input_token=user).json()["data"]
    assert data["is_valid"] is True and data["type"] == "USER" and data["app_id"] == APP_ID
    assert data["expires_at"] > data["issued_at"]
    assert "instagram_basic" in data["scopes"] and data["user_id"].isdigit()
    granular = {g["scope"]: g.get("target_ids") for g in data["granular_scopes"]}
    assert granular["instagram_basic"] == ["17841400000000001"]
    page = meta.fb("/debug_token", app_token, input_token=meta.page_token(user)).json()["data"]
    assert page["type"] == "PAGE" and page["expires_at"] == 0 and page["is_valid"] is True


def test_debug_token_invalid_inputs(meta):
    app_token = f"{APP_ID}|{APP_SECRET}"
    data = meta.fb("/debug_token", app_token, input_token="nonsense").json()["data"]
    assert data["is_valid"] is False and data["error"]["code"] == 190
    user = meta.fb_user_token()
    meta.advance(6000)
    data = meta.fb("/debug_token", app_token, input_token=user).json()["data"]
    assert data["is_valid"] is False and data["error"]["subcode"] == 463
    wrong = graph_error(meta.fb("/debug_token", f"{APP_ID}|wrong", input_token=user))
    assert wrong["code"] == 190
    assert graph_error(meta.fb("/debug_token", app_token))["code"] == 100


def test_app_token_cannot_read_me(meta):
    assert graph_error(meta.fb("/me", f"{APP_ID}|{APP_SECRET}"))["code"] == 2500


def test_permissions_revoke_and_deauthorize(meta):
    token = meta.fb_user_token(sandbox_scopes="instagram_basic,pages_show_list")
    data = meta.fb("/me/permissions", token).json()["data"]
    assert {"permission": "pages_show_list", "status": "granted"} in data
    assert {"permission": "instagram_content_publish", "status": "declined"} in data
    one = meta.fb("/me/permissions/instagram_basic", token).json()["data"]
    assert one == [{"permission": "instagram_basic", "status": "granted"}]

    response = meta.request("DELETE", "graph.facebook.com", "/me/permissions/pages_show_list",
                            params={"access_token": token})
    assert response.json() is True
    assert meta.fb("/me/accounts", token).json()["data"] == []
    page_token = meta.page_token(meta.fb_user_token())
    response = meta.request("DELETE", "graph.facebook.com", "/v25.0/me/permissions",
                            params={"access_token": token})
    assert response.json() is True
    for dead in (token, page_token):
        error = graph_error(meta.fb("/me", dead))
        assert (error["code"], error["error_subcode"]) == (190, 458)


def test_token_listing_shows_kind_owner_and_expiry(meta):
    ig_token = meta.ig_long_token()
    fb_token = meta.fb_user_token()
    rows = {row["access_token"]: row for row in meta.control("GET", "/tokens").json()["data"]}
    assert rows[ig_token]["kind"] == "ig_long" and rows[ig_token]["owner"] == "sandbox_business"
    assert rows[fb_token]["kind"] == "fb_user_short" and rows[fb_token]["expires"]
    assert {row["kind"] for row in rows.values()} == {"ig_short", "ig_long", "fb_user_short"}
