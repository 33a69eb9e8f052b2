"""Every time a request can name, at datetime's edges: a 422, never an OverflowError's 500."""
import json
from datetime import timedelta

import pytest

from backend.extensions import db
from backend.models import SNSPost, User, utcnow
from tests.conftest import connect_with_test_client
from tests.hostile.conftest import assert_envelope, fill_path, operations, resolve

EXTREMES = ("0001-01-01", "0001-01-01T00:00:00+14:00", "9999-12-31",
            "9999-12-31T23:59:59-23:59", "9999-12-31T23:59:59.999999+00:00",
            "99999999999999999999", "9" * 30, "253402300800")  # the last: year 10000
# Each time field, the codes its extremes get: insights ranges say so, publish_at has its own.
PUBLISH_AT = ("invalid_publish_at", "publish_at_without_offset", "publish_at_in_past",
              "publish_at_too_far")
EXPECTED = {"since": ("invalid_range",), "until": ("invalid_range",),
            # pydantic reads large numbers as milliseconds: 253402300800 is in 1978.
            "from": ("validation_error", "invalid_range"), "to": ("validation_error",
                                                                  "invalid_range"),
            "publish_at": PUBLISH_AT}
VALID = {"from": "2026-11-01T00:00:00+00:00", "to": "2026-11-02T00:00:00+00:00"}


def time_fields(document):
    """(method, path, "query" or "body", name) of every time a request can carry."""
    for method, path, op in operations(document):
        for param in op.get("parameters", []):
            text = json.dumps(resolve(document, param["schema"])) + param.get("description", "")
            if "8601" in text or "date-time" in text:
                yield method, path, "query", param["name"]
        content = op.get("requestBody", {}).get("content", {}).get("application/json")
        if content:
            for name, prop in resolve(document, content["schema"])["properties"].items():
                if "8601" in json.dumps(resolve(document, prop)) + json.dumps(prop):
                    yield method, path, "body", name


@pytest.fixture
def setting(app, client, auth_headers, sandbox):
    """A connected account, its published post, draft and scheduled post, and media."""
    headers = auth_headers()
    account_id = connect_with_test_client(client, headers)["account"]["id"]
    samples = f"{sandbox.url}/_sandbox/samples"
    media = {"/posts": {"image_url": f"{samples}/image.jpg?w=1080&h=1350"},
             "/stories": {"image_url": f"{samples}/image.jpg?w=1080&h=1920"},
             "/reels": {"video_url": f"{samples}/video.mp4?duration=8&w=1080&h=1920"}}
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(email="alice@example.com")) \
            .scalar_one()
        rows = [SNSPost(user_id=user.id, account_id=account_id, platform="instagram",
                        post_type="feed", status=status, platform_post_id=media_id,
                        publish_at=when, request={"account_id": account_id, **media["/posts"]},
                        items=[])
                for status, media_id, when in (
                    ("published", "17900000000000001", None), ("draft", None, None),
                    ("scheduled", None, utcnow() + timedelta(days=1)))]
        db.session.add_all(rows)
        db.session.commit()
        ids = {row.status: row.id for row in rows}
    return headers, account_id, ids, media


def test_times_at_datetimes_edges_are_422_everywhere(client, openapi, setting):
    headers, account_id, ids, media = setting
    fields = list(time_fields(openapi))
    assert {name for *_rest, name in fields} == set(EXPECTED) and len(fields) >= 13
    for method, path, where, name in fields:
        post_id = ids["scheduled"] if path.endswith("/schedule") else \
            ids["draft"] if path.endswith("/publish") else ids["published"]
        url = fill_path(path, account_id=account_id, post_id=post_id)
        for value in EXTREMES:
            if where == "query":
                declared = {param["name"] for _m, other, op in operations(openapi)
                            if other == path for param in op.get("parameters", ())
                            if param["in"] == "query"}
                query = {k: v for k, v in {**VALID, "account_id": account_id}.items()
                         if k in declared}
                query[name] = value
                response = client.get(url, headers=headers, query_string=query)
            else:
                body = {name: value}
                if path.endswith(("/posts", "/stories", "/reels")):
                    body.update(account_id=account_id, **media["/" + path.rsplit("/", 1)[1]])
                response = client.open(url, method=method, headers=headers, json=body)
            error = assert_envelope(response, 422)
            assert error["code"] in EXPECTED[name], (method, url, name, value, error)
