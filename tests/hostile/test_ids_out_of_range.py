"""Ids outside the database's integer range: 404 or 422 like any unknown id, never a 500."""
import re

import pytest

from backend.inputs import MAX_ID
from tests.hostile.conftest import assert_envelope, fill_path, operations, resolve

HUGE = (MAX_ID + 1, 2**63, -(2**63) - 1, 10**30)


def _base_body(operation_id, account_id):
    body = {"account_id": account_id, "upload_token": "A" * 32}
    return {**body, "type": "feed"} if "preview" in operation_id else body


def integer_inputs(document, account_id):
    """(method, url, json body or None, name, query or None) with one integer input set out of
    range, for every integer path parameter, query parameter and top-level body field."""
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
                if resolve(document, prop).get("type") == "integer":
                    for value in HUGE:
                        body = {**_base_body(op["operationId"], account_id), name: value}
                        yield method, fill_path(path), body, name, None


def test_every_integer_input_out_of_range_is_404_or_422(client, auth_headers, openapi):
    headers = auth_headers()
    tried = set()
    for method, url, body, name, query in integer_inputs(openapi, account_id=1):
        response = client.open(url, method=method, json=body, query_string=query,
                               headers=headers)
        assert_envelope(response, 404, 422)
        tried.add((method, re.sub(r"-?\d{10,}", "N", url), name))
    # Path ids, account_id in bodies and queries, the `before` cursor: all were tried.
    names = {name for _m, _u, name in tried}
    assert {"post_id", "account_id", "before", "thumb_offset", "limit"} <= names
    assert len(tried) >= 14


@pytest.mark.parametrize("url", ["/posts/9223372036854775808/status",
                                 "/accounts/2147483648/status", "/9223372036854775808/insights"])
def test_issue_examples(client, auth_headers, url):
    response = client.get("/api/sns/instagram" + url, headers=auth_headers())
    assert_envelope(response, 404)


def test_largest_id_is_still_an_ordinary_unknown_id(client, auth_headers):
    response = client.get(f"/api/sns/instagram/posts/{MAX_ID}/status", headers=auth_headers())
    assert assert_envelope(response, 404)["code"] == "post_not_found"
    listed = client.get("/api/sns/instagram/posts", query_string={"before": MAX_ID},
                        headers=auth_headers())
    assert listed.status_code == 200 and listed.get_json()["posts"] == []
