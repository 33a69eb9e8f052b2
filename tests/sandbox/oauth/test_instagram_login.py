"""Instagram Login through the sandbox: dialog, code exchange, long-lived token, refresh."""
from tests.sandbox.conftest import (APP_SECRET, REDIRECT_URI, graph_error,
                                    redirect_params)

DAY = 24 * 3600


def test_allow_redirects_with_single_use_code_and_state(meta):
    response = meta.ig_authorize()
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?") and location.endswith("#_")
    params = redirect_params(response)
    assert params["state"] == "s1" and params["code"].startswith("AQB")

    exchange = meta.ig_exchange(params["code"])
    assert exchange.status_code == 200
    entry = exchange.json()["data"][0]
    assert entry["access_token"].startswith("IGAA")
    assert entry["user_id"] == "17841400000000001"
    assert entry["permissions"] == ("instagram_business_basic,"
                                    "instagram_business_content_publish")

    again = meta.ig_exchange(params["code"])
    assert again.status_code == 400
    assert again.json() == {"error_type": "OAuthException", "code": 400,
                            "error_message": "Matching code was not found or was already used"}


def test_exchange_accepts_multipart(meta):
    code = meta.ig_code()
    form = {"client_id": (None, "100000000000001"), "client_secret": (None, APP_SECRET),
            "grant_type": (None, "authorization_code"), "redirect_uri": (None, REDIRECT_URI),
            "code": (None, code)}
    response = meta.http.post(f"{meta.url}/api.instagram.com/oauth/access_token", files=form)
    assert response.status_code == 200, response.text


def test_deny_redirects_with_error(meta):
    response = meta.ig_authorize(sandbox_decision="deny")
    assert response.status_code == 302
    assert response.headers["Location"] == (
        REDIRECT_URI + "?error=access_denied&error_reason=user_denied"
        "&error_description=The+user+denied+your+request&state=s1")


def test_declined_scopes_are_left_out_of_the_token(meta):
    scope = ("instagram_business_basic,instagram_business_content_publish,"
             "instagram_business_manage_insights")
    code = meta.ig_code(scope=scope, sandbox_decision="allow",
                        sandbox_scopes="instagram_business_manage_insights")
    permissions = meta.ig_exchange(code).json()["data"][0]["permissions"].split(",")
    assert permissions == ["instagram_business_basic", "instagram_business_manage_insights"]


def test_space_separated_scope(meta):
    code = meta.ig_code(scope="instagram_business_basic instagram_business_manage_comments")
    permissions = meta.ig_exchange(code).json()["data"][0]["permissions"]
    assert permissions == "instagram_business_basic,instagram_business_manage_comments"


def test_wrong_client_id_or_redirect_uri_gets_an_error_page_not_a_redirect(meta):
    for params in ({"client_id": "999"}, {"redirect_uri": "ftp://x.example/cb"},
                   {"redirect_uri": None}):
        response = meta.ig_authorize(**params)
        assert response.status_code == 400
        assert "Location" not in response.headers
        assert response.headers["Content-Type"].startswith("text/html")


def test_registered_redirect_uris_are_matched_exactly(meta):
    meta.settings(redirect_uris=[REDIRECT_URI])
    assert meta.ig_authorize().status_code == 302
    assert meta.ig_authorize(redirect_uri=REDIRECT_URI + "/other").status_code == 400


def test_deprecated_and_unknown_scopes_are_rejected(meta):
    for scope in ("business_basic", "instagram_business_basic,instagram_basic", "nonsense",
                  "instagram_business_content_publish"):
        response = meta.ig_authorize(scope=scope)
        assert response.status_code == 400, scope
        assert "Location" not in response.headers


def test_browser_gets_an_escaped_consent_page(meta):
    response = meta.ig_authorize(headers={"Accept": "text/html,application/xhtml+xml"},
                                 state='"><script>alert(1)</script>')
    assert response.status_code == 200
    page = response.text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page or "&#34;&gt;&lt;script" in page
    for needle in ('name="sandbox_persona"', 'value="allow"', 'value="deny"',
                   'value="instagram_business_content_publish"'):
        assert needle in page
    action = page.split('action="', 1)[1].split('"', 1)[0]
    assert action == f"{meta.url}/www.instagram.com/oauth/authorize"


def test_ask_shows_the_consent_page_to_any_client(meta):
    response = meta.ig_authorize(sandbox_decision="ask")
    assert response.status_code == 200 and "<form" in response.text


def test_consent_form_submission_with_nothing_ticked_keeps_only_the_required_scope(meta):
    # What the form sends when the person unticks everything: the empty hidden field.
    response = meta.ig_authorize(sandbox_decision="allow", sandbox_scopes="")
    code = redirect_params(response)["code"]
    assert meta.ig_exchange(code).json()["data"][0]["permissions"] == "instagram_business_basic"


def test_code_expires_after_an_hour(meta):
    code = meta.ig_code()
    meta.advance(3601)
    response = meta.ig_exchange(code)
    assert response.status_code == 400
    assert response.json()["error_message"] == "Matching code was not found or was already used"


def test_code_is_bound_to_secret_and_redirect_uri(meta):
    code = meta.ig_code()
    for overrides in ({"client_secret": "wrong"}, {"redirect_uri": REDIRECT_URI + "x"}):
        response = meta.ig_exchange(code, **overrides)
        assert response.status_code == 400
        assert response.json()["error_type"] == "OAuthException"
    assert meta.ig_exchange(code).status_code == 200  # failed attempts do not burn the code


def test_exchange_missing_field_and_wrong_client(meta):
    response = meta.ig_exchange(meta.ig_code(), client_id="42")
    assert response.json()["error_message"] == "Invalid platform app"
    response = meta.ig_exchange("")
    assert response.json()["error_message"] == "You must provide a code"


def test_flat_token_response_setting(meta):
    meta.settings(flat_token_response=True)
    body = meta.ig_exchange(meta.ig_code()).json()
    assert "data" not in body
    assert body["user_id"] == 17841400000000001
    assert body["access_token"].startswith("IGAA")


def test_long_lived_exchange(meta):
    short = meta.ig_short_token()
    response = meta.ig("/access_token", short, grant_type="ig_exchange_token",
                       client_secret=APP_SECRET)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert 5183900 <= body["expires_in"] <= 5184000
    assert meta.ig("/me", body["access_token"]).status_code == 200


def test_long_lived_exchange_checks_secret_and_short_token(meta):
    short = meta.ig_short_token()
    wrong = meta.ig("/access_token", short, grant_type="ig_exchange_token",
                    client_secret="nope")
    assert wrong.status_code == 400 and graph_error(wrong)["type"] == "IGApiException"
    meta.advance(3601)
    expired = meta.ig("/access_token", short, grant_type="ig_exchange_token",
                      client_secret=APP_SECRET)
    error = graph_error(expired)
    assert (error["code"], error["error_subcode"]) == (190, 463)


def test_refresh_allowed_after_24_hours(meta):
    long = meta.ig_long_token()
    meta.advance(DAY)
    response = meta.ig("/refresh_access_token", long, grant_type="ig_refresh_token")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["access_token"] != long
    assert 5183900 <= body["expires_in"] <= 5184000
    # The refreshed token lives 60 days from the refresh, beyond the old token's end.
    meta.advance(60 * DAY - DAY + 10)
    assert meta.ig("/me", long).status_code == 400
    assert meta.ig("/me", body["access_token"]).status_code == 200


def test_refresh_refused_for_a_young_token(meta):
    long = meta.ig_long_token()
    meta.advance(DAY - 60)
    response = meta.ig("/refresh_access_token", long, grant_type="ig_refresh_token")
    assert response.status_code == 400
    assert graph_error(response)["code"] == 100
    meta.settings(refresh_too_young_code=190)
    response = meta.ig("/refresh_access_token", long, grant_type="ig_refresh_token")
    assert graph_error(response)["code"] == 190


def test_refresh_refused_when_expired_or_short_lived(meta):
    short = meta.ig_short_token()
    response = meta.ig("/refresh_access_token", short, grant_type="ig_refresh_token")
    assert graph_error(response)["code"] == 100
    long = meta.ig_long_token()
    meta.advance(60 * DAY + 1)
    response = meta.ig("/refresh_access_token", long, grant_type="ig_refresh_token")
    error = graph_error(response)
    assert (error["code"], error["error_subcode"]) == (190, 463)
    assert error["message"].startswith("Error validating access token: Session has expired on ")


def test_second_account_via_sandbox_username_is_stable(meta):
    first = meta.ig("/me", meta.ig_short_token(sandbox_username="shop.two",
                                               sandbox_persona="creator"),
                    fields="user_id,username,account_type").json()
    assert first["username"] == "shop.two" and first["account_type"] == "MEDIA_CREATOR"
    assert first["user_id"] != "17841400000000002"
    again = meta.ig("/me", meta.ig_short_token(sandbox_username="shop.two"),
                    fields="user_id").json()
    assert again == {"user_id": first["user_id"], "id": first["id"]}
    meta.control("POST", "/reset")
    after_reset = meta.ig("/me", meta.ig_short_token(sandbox_username="shop.two",
                                                     sandbox_persona="creator"),
                          fields="user_id").json()
    assert after_reset["user_id"] == first["user_id"]


def test_personas(meta):
    for persona, account_type in (("business", "BUSINESS"), ("creator", "MEDIA_CREATOR"),
                                  ("personal", "PERSONAL")):
        token = meta.ig_short_token(sandbox_persona=persona)
        body = meta.ig("/me", token, fields="username,account_type").json()
        assert body["username"] == f"sandbox_{persona}"
        assert body["account_type"] == account_type


def test_dialog_rejects_unknown_persona(meta):
    assert meta.ig_authorize(sandbox_persona="robot").status_code == 400
    assert meta.ig_authorize(sandbox_username="Not Valid!").status_code == 400
