"""The hostile inputs on PostgreSQL, where ids overflow from 2^31 and text cannot hold NUL."""
import pytest

from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.graph.webhooks import signature_of
from tests.conftest import authorize, register_and_login
from tests.hostile.test_ids_out_of_range import allowed, integer_inputs
from tests.test_postgres import URL, pg_app, pg_url  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(
    not URL, reason="set DATABASE_URL_TEST=postgresql+psycopg://... (.ci/run does)")]


def test_ids_nul_and_surrogates_on_postgresql(pg_app):  # noqa: F811
    _app, live = pg_app
    headers = register_and_login(live.http, live.url, "pg@example.com")
    callback, _ = authorize(live, headers)
    account = live.http.get(callback, headers={"Accept": "application/json"}).json()["account"]
    document = live.http.get(live.api("/openapi.json"), headers=headers).json()
    statuses = set()
    for method, url, body, name, query in integer_inputs(document, account["id"]):
        response = live.http.request(method, live.url + url, json=body, params=query,
                                     headers=headers)
        assert response.status_code in allowed(name), (method, url, name, response.text)
        statuses.add(response.status_code)
    assert {404, 422} <= statuses
    for caption in ('"a\\u0000b"', '"\\ud800"'):
        body = '{"account_id": %d, "upload_token": "%s", "caption": %s}' % (
            account["id"], "A" * 32, caption)
        response = live.http.post(live.api("/posts"), data=body, headers={
            **headers, "Content-Type": "application/json"})
        assert response.status_code == 422, response.text
    login = live.http.post(f"{live.url}/api/auth/login",
                           data='{"email": "a\\u0000@example.com", "password": "x"}',
                           headers={"Content-Type": "application/json"})
    assert login.status_code == 422
    listed = live.http.get(live.api("/posts"), params={"status": "a\x00"}, headers=headers)
    assert listed.status_code == 422


def test_non_finite_numbers_never_reach_postgresql(pg_app):  # noqa: F811
    # PostgreSQL's JSON columns refuse NaN and Infinity: once stored by a draft or a webhook
    # delivery they were a 500.
    app, live = pg_app
    headers = register_and_login(live.http, live.url, "nan@example.com")
    callback, _ = authorize(live, headers)
    account = live.http.get(callback, headers={"Accept": "application/json"}).json()["account"]
    for x, status in (("NaN", 400), ("1e400", 400), ("-Infinity", 400), ('"NaN"', 422),
                      ('"inf"', 422)):
        body = ('{"type": "feed", "account_id": %d, "upload_token": "%s", '
                '"user_tags": [{"username": "ann", "x": %s, "y": 0.5}]}') % (
                    account["id"], "A" * 32, x)
        response = live.http.post(live.api("/drafts"), data=body, headers={
            **headers, "Content-Type": "application/json"})
        assert response.status_code == status, (x, response.text)
    with app.app_context():
        secret = runtime().settings.INSTAGRAM_APP_SECRET
    for number in ("1e400", "NaN", "-Infinity"):
        body = ('{"object": "instagram", "entry": [{"id": "17841400000000001", "time": '
                '1760000000, "changes": [{"field": "story_insights", "value": {"media_id": '
                '"1", "reach": %s}}]}]}' % number).encode()
        response = live.http.post(live.api("/webhooks"), data=body, headers={
            "Content-Type": "application/json", "X-Hub-Signature-256": signature_of(body,
                                                                                    secret)})
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "webhook_payload_invalid"
