"""Secrets at rest and in logs, key handling, and the one error envelope everywhere."""
import logging

import pytest
import requests
from cryptography.fernet import Fernet

from backend.services.instagram.accounts.crypto import TokenKeyError, load_cipher
from tests.conftest import make_app


def issued_tokens(sandbox):
    return [t["access_token"]
            for t in requests.get(f"{sandbox.url}/_sandbox/tokens").json()["data"]]


@pytest.mark.e2e
def test_database_holds_no_clear_token(app, live, live_user, connect_account, sandbox,
                                       tmp_path):
    headers = live_user()
    connect_account(headers)
    connect_account(headers, login="facebook", username="fb_brand")
    tokens = issued_tokens(sandbox)
    assert tokens
    raw = (tmp_path / "test.sqlite3").read_bytes()
    for token in tokens:
        assert token.encode() not in raw


@pytest.mark.e2e
def test_logs_of_a_full_flow_hold_no_token(live, live_user, connect_account, sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    headers = live_user()
    account = connect_account(headers)
    live.http.get(live.api("/account/info"), params={"account_id": account["id"]},
                  headers=headers)
    connect_account(headers, login="facebook")
    text = caplog.text
    assert "GET" in text or caplog.records  # something was logged
    for token in issued_tokens(sandbox):
        assert token not in text
    assert "sandbox-app-secret" not in text


@pytest.mark.e2e
def test_connect_links_stay_out_of_the_access_log(live, live_user, caplog):
    # werkzeug's access line held /oauth/start?ticket=... in clear: a working connect link.
    caplog.set_level(logging.INFO)
    headers = live_user()
    start = live.http.post(live.api("/oauth/authorize"), headers=headers, json={}).json()
    ticket = start["start_url"].split("ticket=", 1)[1]
    live.http.get(start["start_url"], allow_redirects=False)
    assert "/oauth/start?ticket=[REDACTED]" in caplog.text
    assert ticket not in caplog.text


def test_tokens_are_encrypted_with_the_first_key_and_readable_with_older(tmp_path):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    before = load_cipher(old, sandbox=False, instance_path=str(tmp_path))
    stored = before.encrypt("IGAAsecret")
    rotated = load_cipher(f"{new},{old}", sandbox=False, instance_path=str(tmp_path))
    assert rotated.decrypt(stored) == "IGAAsecret"
    moved = rotated.rotate(stored)
    assert load_cipher(new, sandbox=False, instance_path=str(tmp_path)).decrypt(moved) \
        == "IGAAsecret"


def test_missing_key_outside_sandbox_refuses_to_start(tmp_path, sandbox):
    with pytest.raises(TokenKeyError):
        make_app(tmp_path, sandbox.url, INSTAGRAM_SANDBOX=False, INSTAGRAM_TOKEN_KEYS=None,
                 INSTAGRAM_APP_ID="123", INSTAGRAM_APP_SECRET="s")


def test_sandbox_mode_generates_a_development_key(tmp_path, sandbox, caplog):
    app = make_app(tmp_path, sandbox.url, INSTAGRAM_TOKEN_KEYS=None)
    assert (tmp_path / "instance" / "instagram_token.key").exists()
    assert app.extensions["instagram"].cipher.decrypt(
        app.extensions["instagram"].cipher.encrypt("x")) == "x"
    assert "development key" in caplog.text


def test_rotate_keys_cli_reencrypts_every_token(app, live, live_user, connect_account):
    from backend.extensions import db
    from backend.models import SNSAccount
    from backend.services.instagram.accounts.crypto import TokenCipher
    connect_account(live_user())
    new = Fernet.generate_key().decode()
    old = app.extensions["instagram"].settings.INSTAGRAM_TOKEN_KEYS
    app.extensions["instagram"].cipher = TokenCipher([new, old])
    result = app.test_cli_runner().invoke(args=["instagram", "rotate-keys"])
    assert "re-encrypted 1 token(s)" in result.output
    with app.app_context():
        row = db.session.execute(db.select(SNSAccount)).scalar_one()
        assert TokenCipher([new]).decrypt(row.access_token_encrypted).startswith("IG")


def test_redirect_uri_must_be_https_outside_sandbox(tmp_path, sandbox):
    app = make_app(tmp_path, sandbox.url, INSTAGRAM_SANDBOX=False, INSTAGRAM_APP_ID="1",
                   INSTAGRAM_APP_SECRET="s", INSTAGRAM_REDIRECT_URI="http://example.com/cb")
    client = app.test_client()
    client.post("/api/auth/register", json={"email": "a@b.co", "password": "longenough1"})
    token = client.post("/api/auth/login", json={"email": "a@b.co", "password": "longenough1"}
                        ).get_json()["access_token"]
    response = client.post("/api/sns/instagram/oauth/authorize", json={},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.get_json()["error"]["code"] == "redirect_uri_not_https"


@pytest.mark.parametrize("method,path,status,code", [
    ("GET", "/api/sns/instagram/accounts", 401, "authorization_required"),
    ("GET", "/api/sns/instagram/nope", 404, "not_found"),
    ("GET", "/nope", 404, "not_found"),
    ("PUT", "/api/sns/instagram/accounts", 405, "method_not_allowed"),
    ("POST", "/api/auth/login", 422, "validation_error"),
    # Authentication comes before validation: bad parameters without a JWT are still 401.
    ("GET", "/api/sns/instagram/media?limit=0", 401, "authorization_required"),
    ("GET", "/api/sns/instagram/accounts/1/insights?since=never", 401,
     "authorization_required"),
    ("POST", "/api/sns/instagram/posts", 401, "authorization_required"),
])
def test_every_error_uses_the_envelope(client, method, path, status, code):
    response = client.open(path, method=method)
    assert response.status_code == status
    body = response.get_json()
    assert body["error"]["code"] == code and body["error"]["message"]


def test_invalid_jwt_is_an_envelope(client):
    response = client.get("/api/sns/instagram/accounts",
                          headers={"Authorization": "Bearer not.a.jwt"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_token"


def test_oversized_body_is_413_envelope(tmp_path, sandbox):
    app = make_app(tmp_path, sandbox.url, MAX_CONTENT_LENGTH=1000)
    response = app.test_client().post("/api/auth/login", data="x" * 5000,
                                      content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_per_user_rate_limit_answers_429_envelope(tmp_path, sandbox, auth_headers):
    app = make_app(tmp_path, sandbox.url, INSTAGRAM_RATE_LIMIT="2/minute")
    client = app.test_client()
    client.post("/api/auth/register", json={"email": "r@b.co", "password": "longenough1"})
    token = client.post("/api/auth/login", json={"email": "r@b.co", "password": "longenough1"}
                        ).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    codes = [client.get("/api/sns/instagram/accounts", headers=headers).status_code
             for _ in range(3)]
    assert codes == [200, 200, 429]
    last = client.get("/api/sns/instagram/accounts", headers=headers)
    assert last.get_json()["error"]["code"] == "rate_limited"
    assert last.headers.get("Retry-After")
