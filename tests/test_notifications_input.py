"""The notification endpoints against bad input, on SQLite and PostgreSQL: 422 or 404 in the
one envelope, never a 500, and nothing that is not a list of ids ever means "mark all read"."""
import pytest

from backend.extensions import db
from backend.models import Notification, utcnow
from tests.conftest import make_app
from tests.test_postgres import URL, pg_url  # noqa: F401 (a throw-away PostgreSQL database)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path, sandbox):
    """(client, headers, ids of the user's three unread notifications) on either database."""
    overrides = {}
    if request.param == "postgresql":
        if not URL:
            pytest.skip("set DATABASE_URL_TEST=postgresql+psycopg://... (.ci/run does)")
        overrides["SQLALCHEMY_DATABASE_URI"] = request.getfixturevalue("pg_url")
    app = make_app(tmp_path, sandbox.url, **overrides)
    client = app.test_client()
    client.post("/api/auth/register", json={"email": "n@example.com",
                                            "password": "correct horse battery"})
    login = client.post("/api/auth/login", json={"email": "n@example.com",
                                                 "password": "correct horse battery"})
    headers = {"Authorization": f"Bearer {login.get_json()['access_token']}"}
    with app.app_context():
        rows = [Notification(user_id=1, kind="demo", title=f"t{n}", message="m",
                             dedupe_key=f"demo:{n}", created_at=utcnow()) for n in range(3)]
        db.session.add_all(rows)
        db.session.commit()
        ids = [row.id for row in rows]
    yield client, headers, ids
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def unread(client, headers):
    return client.get("/api/notifications", headers=headers).get_json()["unread_count"]


CODES = {400: "invalid_json", 404: "notification_not_found", 422: "validation_error"}


def refused(answer, status=422):
    assert answer.status_code == status, answer.get_data(as_text=True)
    error = answer.get_json()["error"]
    assert error["code"] == CODES[status]
    return error


@pytest.mark.parametrize("body", [
    {"ids": [True]}, {"ids": [False]}, {"ids": [2 ** 70]}, {"ids": [2 ** 31]}, {"ids": [-1]},
    {"ids": [0]},
    {"ids": [1.0]}, {"ids": ["1"]}, {"ids": 1}, {"ids": {"1": 1}},
    {"ids": list(range(1, 1002))},
    [12345], [], "all", 1, None])
def test_mark_read_refuses_what_is_not_a_list_of_ids(store, body):
    client, headers, _ids = store
    import json
    answer = client.post("/api/notifications/read", headers=headers,
                         data=json.dumps(body), content_type="application/json")
    refused(answer)
    assert unread(client, headers) == 3  # nothing was marked, least of all everything


@pytest.mark.parametrize("raw", ['{"ids": [1,', "ids=1", "\x00",
                                 "[" + ",".join(["1"] * 70_000) + "]"])
def test_a_body_that_is_not_json_is_refused(store, raw):
    # Invalid JSON, or more values than any body may hold: 400 before anything is read.
    client, headers, _ids = store
    refused(client.post("/api/notifications/read", headers=headers, data=raw,
                        content_type="application/json"), 400)
    assert unread(client, headers) == 3


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_ids_without_a_json_content_type_are_refused_not_taken_for_all(store, content_type):
    # As on every JSON endpoint: the body must say it is JSON (curl -d sends a form).
    client, headers, ids = store
    answer = client.post("/api/notifications/read", headers=headers,
                         data='{"ids": [%d]}' % ids[0], content_type=content_type)
    assert "Content-Type: application/json" in refused(answer, 400)["message"]
    assert unread(client, headers) == 3


def test_an_empty_body_or_object_marks_all(store):
    client, headers, ids = store
    assert client.post("/api/notifications/read", headers=headers,
                       json={"ids": ids[:1]}).get_json() == {"marked": 1}
    assert client.post("/api/notifications/read", headers=headers, json={}).get_json() == \
        {"marked": 2}
    assert client.post("/api/notifications/read", headers=headers).get_json() == \
        {"marked": 0}


@pytest.mark.parametrize("query", [
    "before=99999999999999999999", "before=-99999999999999999999", f"before={2 ** 31}",
    "before=1e3", "limit=x", "limit=" + "9" * 5000])
def test_listing_refuses_out_of_range_paging(store, query):
    client, headers, _ids = store
    refused(client.get(f"/api/notifications?{query}", headers=headers))


def test_listing_pages_with_large_but_valid_values(store):
    client, headers, ids = store
    body = client.get(f"/api/notifications?before={2 ** 31 - 1}&limit=100",
                      headers=headers).get_json()
    assert [n["id"] for n in body["notifications"]] == sorted(ids, reverse=True)
    # A page larger than the largest is refused, as on every list of the platform.
    error = refused(client.get("/api/notifications?limit=101", headers=headers))
    assert error["details"]["errors"][0]["field"] == "limit"


@pytest.mark.parametrize("notification_id", ["99999999999999999999", str(2 ** 31), "0"])
def test_an_impossible_id_is_not_found(store, notification_id):
    client, headers, _ids = store
    error = refused(client.post(f"/api/notifications/{notification_id}/read",
                                headers=headers), 404)
    assert error["code"] == "notification_not_found"
