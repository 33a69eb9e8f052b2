"""Login and register limits that no JWT lifts, and JWTs that login would never issue."""
import threading
from datetime import timedelta

import pytest
from flask_jwt_extended import create_access_token

from tests.hostile.conftest import PREFIX, assert_envelope
from tests.hostile.test_json_and_text import UNSTORABLE

HOST_ENDPOINTS = ("/api/auth/login", "/api/auth/register")
PASSWORD = "correct horse battery"


def jwt_for(app, identity, **options):
    with app.app_context():
        return {"Authorization": f"Bearer {create_access_token(identity=identity, **options)}"}


def login(client, email, password="wrong password", address="127.0.0.1", headers=None):
    return client.post("/api/auth/login", json={"email": email, "password": password},
                       headers=headers or {}, environ_base={"REMOTE_ADDR": address})


def test_a_jwt_does_not_give_login_a_fresh_allowance(app, client):
    # Each request carries another valid JWT: before, each one counted as its own user.
    answers = [login(client, f"user{i}@example.com", headers=jwt_for(app, str(i + 1))).status_code
               for i in range(21)]
    assert answers[:20] == [401] * 20
    assert_envelope(login(client, "other@example.com", headers=jwt_for(app, "99")), 429)
    # Another address still logs in: the limit is per address, not global.
    assert login(client, "other@example.com", address="192.0.2.7").status_code == 401


def test_failed_logins_are_limited_per_email_from_any_address(app, client):
    client.post("/api/auth/register", json={"email": "victim@example.com", "password": PASSWORD})
    for i in range(10):
        assert login(client, "victim@example.com", address=f"192.0.2.{i}",
                     headers=jwt_for(app, str(i + 1))).status_code == 401
    # The 11th guess, from a fresh address, with the email spelled differently: refused,
    # even with the right password.
    refused = login(client, " Victim@Example.COM", PASSWORD, address="198.51.100.1")
    error = assert_envelope(refused, 429)
    assert error["code"] == "rate_limited" and refused.headers.get("Retry-After")
    # Other accounts are unaffected.
    assert login(client, "someone@example.com", address="198.51.100.1").status_code == 401


def test_successful_logins_do_not_count_against_the_email(client):
    client.post("/api/auth/register", json={"email": "often@example.com", "password": PASSWORD})
    for i in range(15):
        assert login(client, "often@example.com", PASSWORD,
                     address=f"203.0.113.{i}").status_code == 200


def test_the_email_limit_lifts_after_a_minute(client, time_machine):
    client.post("/api/auth/register", json={"email": "wait@example.com", "password": PASSWORD})
    time_machine.move_to("2030-01-01 00:00:00", tick=False)
    for i in range(10):
        login(client, "wait@example.com", address=f"192.0.2.{i}")
    assert login(client, "wait@example.com", PASSWORD, address="192.0.2.99").status_code == 429
    time_machine.shift(timedelta(seconds=61))
    assert login(client, "wait@example.com", PASSWORD, address="192.0.2.99").status_code == 200


def test_register_is_limited_per_address_and_per_email(app, client):
    for i in range(10):
        response = client.post("/api/auth/register", headers=jwt_for(app, str(i + 1)),
                               json={"email": f"new{i}@example.com", "password": PASSWORD})
        assert response.status_code == 201
    assert_envelope(client.post("/api/auth/register", headers=jwt_for(app, "50"),
                                json={"email": "new99@example.com", "password": PASSWORD}), 429)
    answers = [client.post("/api/auth/register", environ_base={"REMOTE_ADDR": f"192.0.2.{i}"},
                           json={"email": "taken@example.com", "password": PASSWORD}).status_code
               for i in range(6)]
    assert answers == [201, 409, 409, 409, 409, 429]


@pytest.mark.parametrize("identity, options", [
    ("1", {"expires_delta": False}),  # no exp: valid forever
    ("abc", {}), ("", {}), ("0", {}), ("-1", {}), ("1.5", {}), ("\uff11", {}),  # fullwidth 1
    ("2147483648", {}), ("99999999999999999999", {})])
def test_tokens_login_would_never_issue_are_401(app, client, identity, options):
    headers = jwt_for(app, identity, **options)
    for path in ("/accounts", "/posts", "/comments"):
        response = client.get(PREFIX + path, headers=headers)
        assert assert_envelope(response, 401)["code"] == "invalid_token"


def test_a_token_as_login_issues_it_still_works(app, client):
    assert client.get(f"{PREFIX}/accounts", headers=jwt_for(app, "1")).status_code == 200


@pytest.mark.parametrize("field", ["email", "password"])
@pytest.mark.parametrize("text", UNSTORABLE.values(), ids=UNSTORABLE.keys())
def test_login_and_register_refuse_unstorable_credentials(client, field, text):
    values = {"email": '"ann@example.com"', "password": '"long enough"'}
    values[field] = text[:-1] + '@example.com"' if field == "email" else text
    body = '{"email": %(email)s, "password": %(password)s}' % values
    for path in HOST_ENDPOINTS:
        response = client.post(path, data=body, content_type="application/json")
        assert assert_envelope(response, 422)["code"] == "validation_error"


@pytest.mark.parametrize("guesses", [40, 80])
def test_concurrent_guesses_for_one_email_are_held_to_the_limit(app, client, guesses):
    # The count came after the answer: every guess that arrived before the tenth answered
    # passed the check (20 of 40 got to try a password).
    client.post("/api/auth/register", json={"email": "burst@example.com", "password": PASSWORD})
    start, answers = threading.Barrier(guesses), []

    def guess(i):
        start.wait()
        answers.append(login(app.test_client(), "burst@example.com",
                             address=f"10.{i // 250}.{i % 250}.1").status_code)
    threads = [threading.Thread(target=guess, args=(i,)) for i in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [401] * 10 + [429] * (guesses - 10)


def test_refused_logins_do_not_count_against_the_hour(client, time_machine):
    # Only wrong passwords count: 10 of them, then 45 refusals within the minute, leave the
    # hour's 50 far from spent.
    client.post("/api/auth/register", json={"email": "hour@example.com", "password": PASSWORD})
    time_machine.move_to("2030-01-01 00:00:00", tick=False)
    answers = [login(client, "hour@example.com", address=f"192.0.2.{i}").status_code
               for i in range(55)]
    assert answers == [401] * 10 + [429] * 45
    time_machine.shift(timedelta(seconds=61))
    answers = [login(client, "hour@example.com", address=f"198.51.100.{i}").status_code
               for i in range(10)]
    assert answers == [401] * 10
    assert login(client, "hour@example.com", PASSWORD, address="203.0.113.1").status_code == 429
