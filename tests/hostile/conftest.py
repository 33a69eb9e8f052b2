"""Helpers for hostile-input tests: the OpenAPI operations, and what every error must be."""
import re
import time

import pytest
import requests

PREFIX = "/api/sns/instagram"


def assert_envelope(response, *statuses):
    """The answer is one of `statuses` and the one JSON error envelope, never a 500."""
    assert response.status_code in statuses, (response.status_code, response.get_data()[:300])
    error = response.get_json()["error"]
    assert {"code", "message", "details"} <= set(error) and error["message"]
    return error


@pytest.fixture
def openapi(client, auth_headers):
    return client.get(f"{PREFIX}/openapi.json", headers=auth_headers("doc@example.com")) \
        .get_json()


def resolve(document, schema):
    """A schema with $ref followed and `anyOf: [X, null]` reduced to X."""
    while True:
        if "$ref" in schema:
            node = document
            for part in schema["$ref"].lstrip("#/").split("/"):
                node = node[part]
            schema = node
        elif "anyOf" in schema:
            schema = next(s for s in schema["anyOf"] if s.get("type") != "null")
        else:
            return schema


def operations(document):
    """(method, path template, operation) of every documented operation."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def fill_path(path, **values):
    """The path with each {param} replaced by values[param], else by "1" (a valid id)."""
    return re.sub(r"\{([a-zA-Z_]+)\}", lambda m: str(values.get(m.group(1), 1)), path)


def control(sandbox_url, what, **body):
    """POST to the sandbox's control surface (/_sandbox/faults, /_sandbox/settings...)."""
    assert requests.post(f"{sandbox_url}/_sandbox/{what}", json=body).ok


def timed(call, *args, **kwargs):
    """(what call(...) answers, the seconds it took)."""
    started = time.monotonic()
    response = call(*args, **kwargs)
    return response, time.monotonic() - started
