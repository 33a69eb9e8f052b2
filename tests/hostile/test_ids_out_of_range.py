"""Ids outside the database's integer range: 404 or 422 like any unknown id, never a 500."""
import json
import re

import pytest
import requests

from backend.extensions import db
from backend.inputs import MAX_ID
from backend.models import SNSAccount, User
from backend.services.instagram.comments import moderation
from backend.services.instagram.graph.error_codes import DEFAULT_RATE_LIMIT_WAIT, retry_after_from
from backend.services.instagram.webhooks import processing, receiver
from tests.hostile.conftest import assert_envelope, fill_path, operations, resolve

HUGE = (MAX_ID + 1, 2**63, -(2**63) - 1, 10**30)


def _base_body(operation_id, account_id):
    body = {"account_id": account_id, "upload_token": "A" * 32}
    return {**body, "type": "feed"} if "preview" in operation_id else body


def integer_inputs(document, account_id):
    """(method, url, json body or None, name, query or None) with one integer input set out of
    range, for every integer path parameter, query parameter and top-level body field (or
    list of integers)."""
    for method, path, op in operations(document):
        params = op.get("parameters", [])
        ints = {p["name"]: p["in"] for p in params
                if resolve(document, p["schema"]).get("type") == "integer"}
        queries = {p["name"] for p in params if p["in"] == "query"}
        query = {"account_id": account_id} if "account_id" in queries else {}
        for name, where in ints.items():
            for value in HUGE:
                if where == "path":
                    yield method, fill_path(path, **{name: value}), None, name, query
                else:
                    yield method, fill_path(path), None, name, {**query, name: value}
        content = op.get("requestBody", {}).get("content", {}).get("application/json")
        if content:
            schema = resolve(document, content["schema"])
            for name, prop in schema["properties"].items():
                kind = resolve(document, prop)
                items = resolve(document, kind.get("items", {})) if kind.get("type") == "array" \
                    else {}
                if "integer" not in (kind.get("type"), items.get("type")):
                    continue
                base = {k: v for k, v in _base_body(op["operationId"], account_id).items()
                        if k in schema["properties"]}
                # Without an optional account_id too: views then look rows up by ids alone.
                bases = [base] + ([] if "account_id" in schema.get("required", ()) else
                                  [{k: v for k, v in base.items() if k != "account_id"}])
                for value in HUGE:  # a list of ids gets the value among valid ones
                    for body in bases:
                        body = {**body, name: [1, value] if items else value}
                        yield method, fill_path(path), body, name, None


def allowed(name):
    """Statuses an out-of-range value may get: an id names no row (404, or 422 in a body or
    query); another number (thumb_offset, limit) may also be reported in a 200 preview."""
    is_id = name.endswith(("_id", "_ids")) or name == "before"
    return (404, 422) if is_id else (200, 404, 422)


def owned_account(app, email):
    """An account row of the user (no token): enough for the views to get past ownership."""
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one()
        account = SNSAccount(user_id=user.id, platform_user_id="17841400000000001",
                             username="owned")
        db.session.add(account)
        db.session.commit()
        return account.id


def test_every_integer_input_out_of_range_is_404_or_422(app, client, auth_headers, openapi):
    headers = auth_headers()
    account_id = owned_account(app, "alice@example.com")
    tried = set()
    for method, url, body, name, query in integer_inputs(openapi, account_id=account_id):
        response = client.open(url, method=method, json=body, query_string=query,
                               headers=headers)
        assert response.status_code in allowed(name), (method, url, name, response.text)
        tried.add((method, re.sub(r"-?\d{10,}", "N", url), name))
    # Path ids, account_id in bodies and queries, the `before` cursor: all were tried.
    names = {name for _m, _u, name in tried}
    assert {"post_id", "account_id", "before", "thumb_offset", "limit", "mention_ids"} <= names
    assert len(tried) >= 14


@pytest.mark.parametrize("url,code", [("/posts/9223372036854775808/status", "post_not_found"),
                                      ("/accounts/2147483648/status", "account_not_found"),
                                      ("/9223372036854775808/insights", "post_not_found")])
def test_issue_examples(client, auth_headers, url, code):
    # Past the range is answered as an unknown id in range is: same status, same code.
    response = client.get("/api/sns/instagram" + url, headers=auth_headers())
    assert assert_envelope(response, 404)["code"] == code


def test_largest_id_is_still_an_ordinary_unknown_id(client, auth_headers):
    response = client.get(f"/api/sns/instagram/posts/{MAX_ID}/status", headers=auth_headers())
    assert assert_envelope(response, 404)["code"] == "post_not_found"
    listed = client.get("/api/sns/instagram/posts", query_string={"before": MAX_ID},
                        headers=auth_headers())
    assert listed.status_code == 200 and listed.get_json()["posts"] == []


NOT_GRAPH_IDS = ("abc", "\u00b2", "\u0661\u0662", "1" * 33, "-1", "1.5")


def test_every_media_path_answers_404_for_what_is_not_a_media_id(app, client, auth_headers,
                                                                 openapi):
    # /media/{id}/insights answered 422 while the other media paths answered 404.
    headers = auth_headers()
    account_id = owned_account(app, "alice@example.com")
    tried = 0
    for method, path, _op in operations(openapi):
        if "{media_id}" not in path:
            continue
        for media_id in NOT_GRAPH_IDS:
            response = client.open(fill_path(path, media_id=media_id), method=method,
                                   headers=headers, query_string={"account_id": account_id},
                                   json={"account_id": account_id, "message": "hi"}
                                   if method == "POST" else None)
            error = assert_envelope(response, 404)
            assert error["code"] == "media_not_found", (method, path, media_id, error)
            tried += 1
    assert tried >= 4 * len(NOT_GRAPH_IDS)


@pytest.mark.parametrize("odd", ["\u00b2", "\u0661\u0662", "\uff11"])  # ², Arabic 12, fullwidth 1
def test_numbers_from_outside_are_ascii_digits_only(odd):
    # str.isdigit() takes these; int() then fails on some ("²") and reads others ("١٢" is 12).
    delivery = {"object": "instagram", "entry": [{"id": odd, "time": 1760000000, "changes": [
        {"field": "comments", "value": {"id": "1", "text": "hi"}}]}]}
    assert receiver.parse(json.dumps(delivery).encode()) == ([], 1)
    assert processing._id(odd) is None and moderation._id_in(odd) is None
    response = requests.Response()
    response.headers["Retry-After"] = odd
    assert retry_after_from(response) == DEFAULT_RATE_LIMIT_WAIT


@pytest.mark.parametrize("digits", [str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"),
                                    str.maketrans("0123456789", "０１２３４５６７８９")])
def test_path_ids_in_other_scripts_digits_name_no_row(app, client, auth_headers, openapi,
                                                      digits):
    # werkzeug's int converter reads '١' as 1: the caller's own account, spelled so, is
    # still an unknown id on every path that takes an integer id.
    headers = auth_headers()
    account_id = owned_account(app, "alice@example.com")
    odd = str(account_id).translate(digits)
    tried = 0
    for method, path, operation in operations(openapi):
        ints = [p["name"] for p in operation.get("parameters", ())
                if p["in"] == "path" and p["schema"].get("type") == "integer"]
        if not ints:
            continue
        url = fill_path(path, **{name: odd for name in ints})
        response = client.open(url, method=method, json={}, headers=headers)
        error = assert_envelope(response, 404)
        assert error["code"].endswith("not_found"), (method, url, error)
        tried += 1
    assert tried >= 15
