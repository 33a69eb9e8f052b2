"""What every endpoint promises: enumerated parameters refuse unknown values, times are
ISO 8601, and Retry-After comes only where waiting helps."""
import re
from datetime import datetime, timezone

import pytest
from flask import Flask

from backend.errors import error_response
from backend.inputs import SafeJSONProvider
from tests.hostile.conftest import fill_path, operations, resolve

# Query strings that are text by nature, each with why a fixed set of values would be wrong.
FREE_TEXT = {
    ("/api/sns/instagram/oauth/start", "ticket"): "the connect link's own ticket",
    ("/api/sns/instagram/callback", "code"): "Meta's authorisation code",
    ("/api/sns/instagram/callback", "state"): "the OAuth state this platform issued",
    ("/api/sns/instagram/callback", "error"): "Meta's error, told back in words",
    ("/api/sns/instagram/callback", "error_reason"): "Meta's",
    ("/api/sns/instagram/callback", "error_description"): "Meta's",
    ("/api/v1/auth/instagram/callback", "code"): "as above",
    ("/api/v1/auth/instagram/callback", "state"): "as above",
    ("/api/v1/auth/instagram/callback", "error"): "as above",
    ("/api/v1/auth/instagram/callback", "error_reason"): "as above",
    ("/api/v1/auth/instagram/callback", "error_description"): "as above",
    ("/api/sns/instagram/webhooks", "hub.mode"): "Meta's; anything but subscribe is a 403",
    ("/api/sns/instagram/webhooks", "hub.verify_token"): "a secret, compared",
    ("/api/sns/instagram/calendar", "state"): "comma-separated states, each checked (422)",
}
DATES = ("since", "until")  # ISO 8601 dates or times, parsed and checked (422)
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
HTTP_DATE = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d [A-Z][a-z]{2} \d{4} ")
TIME_KEYS = re.compile(r"(_at|_after|_until|^timestamp|^since|^until|^from|^to)$")


def query_parameters(document):
    for method, path, operation in operations(document):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query":
                yield method, path, parameter["name"], resolve(document, parameter["schema"])


def test_every_text_query_parameter_is_an_enumeration_or_said_to_be_free(client):
    document = client.get("/openapi.json").get_json()
    free = set()
    for _method, path, name, schema in query_parameters(document):
        if schema.get("type") == "string" and not ({"enum", "const", "pattern", "format"}
                                                   & set(schema)) and name not in DATES:
            free.add((path, name))
    assert free - set(FREE_TEXT) == set(), "give these a fixed set of values, or add why not"


def test_unknown_values_of_enumerated_parameters_are_refused(client, auth_headers):
    headers = auth_headers()
    document = client.get("/openapi.json").get_json()
    checked = 0
    for method, path, name, schema in query_parameters(document):
        enumerated = "enum" in schema or "const" in schema or schema.get("type") == "boolean"
        if not enumerated and (path, name) != ("/api/sns/instagram/calendar", "state"):
            continue
        response = client.open(fill_path(path), method=method, headers=headers,
                               query_string={name: "bogus"})
        assert response.status_code == 422, (method, path, name, response.get_json())
        fields = [e["field"] for e in response.get_json()["error"]["details"]["errors"]]
        assert any(name in field for field in fields), (path, name, fields)
        checked += 1
    assert checked >= 12


def test_status_bogus_is_refused_naming_the_values(client, auth_headers):
    response = client.get("/api/sns/instagram/posts?status=bogus", headers=auth_headers())
    assert response.status_code == 422
    error = response.get_json()["error"]["details"]["errors"][0]
    assert error["field"] == "status" and "'published'" in error["message"]


def times_in(value, key=""):
    """(key, value) of every string under a time-like key, anywhere in a JSON answer."""
    if isinstance(value, dict):
        for child_key, child in value.items():
            yield from times_in(child, child_key)
    elif isinstance(value, list):
        for child in value:
            yield from times_in(child, key)
    elif isinstance(value, str) and (TIME_KEYS.search(key) or HTTP_DATE.match(value)):
        yield key, value


@pytest.mark.e2e
def test_every_time_in_answers_is_iso_8601(live, live_user, connect_account, fresh_sandbox):
    headers = live_user()
    account = connect_account(headers)
    image = f"{fresh_sandbox.url}/_sandbox/samples/image.jpg?w=1080&h=1350"
    post = live.http.post(live.api("/posts"), headers=headers,
                          json={"account_id": account["id"], "image_url": image}).json()["post"]
    # Meta refreshes tokens only once they are a day old: the refusal says from when.
    too_young = live.http.post(live.api(f"/accounts/{account['id']}/refresh"), headers=headers)
    assert too_young.json()["error"]["code"] == "token_too_young"
    refresh_after = too_young.json()["error"]["details"]["refresh_after"]
    assert ISO.match(refresh_after), refresh_after
    answers = [too_young.json()]
    for path in ("/accounts", f"/accounts/{account['id']}/status", "/posts",
                 f"/posts/{post['id']}/status", f"/account/info?account_id={account['id']}",
                 f"/media?account_id={account['id']}", "/comments", "/webhooks/subscriptions",
                 "/calendar?from=2020-01-01T00:00:00Z&to=2020-03-01T00:00:00Z"):
        response = live.http.get(live.api(path), headers=headers)
        assert response.status_code == 200, (path, response.text)
        answers.append(response.json())
    answers.append(live.http.get(f"{live.url}/api/notifications", headers=headers).json())
    found = [pair for answer in answers for pair in times_in(answer)]
    assert len(found) > 20
    for key, value in found:
        assert ISO.match(value), (key, value)


def test_error_details_are_iso_8601_in_any_host():
    when = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)
    foreign = Flask("foreign")  # Flask's own JSON provider writes HTTP dates
    with foreign.test_request_context():
        body = error_response("token_too_young", "Later.", 409, {"refresh_after": when})
    assert body.get_json()["error"]["details"]["refresh_after"] == "2026-11-22T10:00:00Z"
    platform = Flask("platform")
    platform.json = SafeJSONProvider(platform)
    assert platform.json.dumps({"at": when}) == '{"at": "2026-11-22T10:00:00Z"}'


@pytest.mark.parametrize("status, kept", [(409, False), (403, False), (200, False),
                                          (429, True), (503, True)])
def test_retry_after_only_on_429_and_503(status, kept):
    with Flask("host").test_request_context():
        response = error_response("x", "y", status, headers={"Retry-After": "30"})
    assert ("Retry-After" in response.headers) is kept


def test_successes_carry_rate_limit_headers_but_no_retry_after(client, auth_headers):
    headers = auth_headers()
    for response in (client.get("/api/sns/instagram/accounts", headers=headers),
                     client.post("/api/auth/login", json={"email": "alice@example.com",
                                                          "password": "correct horse battery"})):
        assert response.status_code == 200
        assert "X-RateLimit-Limit" in response.headers
        assert "Retry-After" not in response.headers


def test_a_limited_request_says_when_to_retry(tmp_path, sandbox):
    from tests.conftest import make_app
    app = make_app(tmp_path, sandbox.url, INSTAGRAM_RATE_LIMIT="1/minute")
    client = app.test_client()
    assert client.get("/api/sns/instagram/openapi.json").status_code == 200
    limited = client.get("/api/sns/instagram/openapi.json")
    assert limited.status_code == 429 and limited.get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(limited.headers["Retry-After"]) <= 60
