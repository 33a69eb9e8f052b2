"""What a body may cost: a small cap on JSON (large bodies only as uploads to the routes that
take files), at most 10,000 values, only finite numbers, and the first validation errors."""
import hashlib
import hmac
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from backend.inputs import DEFAULT_MAX_JSON_BODY_BYTES, MAX_JSON_VALUES, MAX_REPORTED_ERRORS
from backend.services.instagram.core.runtime import runtime
from tests.hostile.conftest import PREFIX, assert_envelope
from tests.hostile.test_json_and_text import json_endpoints

ROOT = Path(__file__).resolve().parents[2]
HOST_ENDPOINTS = (("POST", "/api/auth/login"), ("POST", "/api/auth/register"),
                  ("POST", "/api/notifications/read"))
NOT_FINITE = ("NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1.5e999")


def body_of(size, prefix='{"email": "a@example.com", "x": "'):
    """A JSON object of exactly `size` bytes."""
    return (prefix + "a" * (size - len(prefix) - 2) + '"}').encode()


def every_json_endpoint(openapi):
    targets = list(json_endpoints(openapi)) + list(HOST_ENDPOINTS)
    assert len(targets) >= 15
    return targets


def test_json_bodies_over_the_cap_are_413_on_every_route(client, auth_headers, openapi):
    headers = auth_headers()
    body = body_of(DEFAULT_MAX_JSON_BODY_BYTES + 1)
    for method, path in every_json_endpoint(openapi):
        # Without a JWT too: login's limiter reads the body before the view. (Without one,
        # the integration answers 401 before it reads anything.)
        for extra in (headers, {}):
            response = client.open(path, method=method, data=body, headers=extra,
                                   content_type="application/json")
            unread = 413 if extra or (method, path) in HOST_ENDPOINTS[:2] else 401
            assert_envelope(response, 413, unread)


def test_the_cap_is_a_setting(tmp_path, fresh_sandbox):
    from tests.conftest import make_app
    small = make_app(tmp_path / "small", fresh_sandbox.url, MAX_JSON_BODY_BYTES=2000)
    prefix = '{"email": "a@example.com", "password": "'
    response = small.test_client().post("/api/auth/login", data=body_of(2001, prefix),
                                        content_type="application/json")
    assert_envelope(response, 413)
    response = small.test_client().post("/api/auth/login", data=body_of(2000, prefix),
                                        content_type="application/json")
    # Under the cap the body is read and validated: its 1,960-character password is too long.
    error = assert_envelope(response, 422)
    assert error["details"]["errors"][0]["field"] == "password"


def test_only_multipart_uploads_to_routes_taking_files_pass_the_cap(client, auth_headers):
    headers = auth_headers()
    out = io.BytesIO()
    Image.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3)).save(out, "PNG")
    photo = out.getvalue()
    assert len(photo) > DEFAULT_MAX_JSON_BODY_BYTES
    response = client.post(f"{PREFIX}/uploads", headers=headers,
                           content_type="multipart/form-data",
                           data={"file": (io.BytesIO(photo), "big.png")})
    assert response.status_code == 201, response.get_json()
    # A route that takes files takes JSON too, capped as JSON.
    response = client.post(f"{PREFIX}/posts", headers=headers, content_type="application/json",
                           data=body_of(DEFAULT_MAX_JSON_BODY_BYTES + 1, '{"caption": "'))
    assert_envelope(response, 413)
    # Routes without files get nothing larger as multipart either (login never reads it).
    for path in (f"{PREFIX}/drafts", f"{PREFIX}/oauth/authorize"):
        response = client.post(path, headers=headers, content_type="multipart/form-data",
                               data={"file": (io.BytesIO(photo), "big.png")})
        assert_envelope(response, 413)


def test_webhook_deliveries_keep_their_own_limit(app, client):
    with app.app_context():
        secret = runtime().settings.INSTAGRAM_APP_SECRET
    body = json.dumps({"object": "instagram", "entry": [],
                       "pad": "a" * (2 * DEFAULT_MAX_JSON_BODY_BYTES)}).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    response = client.post(f"{PREFIX}/webhooks", data=body, content_type="application/json",
                           headers={"X-Hub-Signature-256": signature})
    assert response.status_code == 200, response.get_data()[:300]


def test_more_than_ten_thousand_values_are_invalid_json(client, auth_headers, openapi):
    headers = auth_headers()
    body = '{"type": "feed", "hashtags": [%s]}' % ",".join(["0"] * MAX_JSON_VALUES)
    assert len(body) < DEFAULT_MAX_JSON_BODY_BYTES
    for method, path in json_endpoints(openapi):
        response = client.open(path, method=method, data=body, headers=headers,
                               content_type="application/json")
        error = assert_envelope(response, 400)
        assert error["code"] == "invalid_json" and "10,000 values" in error["message"]
    for _method, path in HOST_ENDPOINTS[:2]:
        response = client.post(path, data=body, content_type="application/json")
        assert_envelope(response, 400)


@pytest.mark.parametrize("number", NOT_FINITE)
def test_non_finite_numbers_are_invalid_json_everywhere(client, auth_headers, openapi, number):
    headers = auth_headers()
    for body in ('{"account_id": 1, "user_tags": [{"username": "a", "x": %s, "y": 0}]}',
                 '{"x": [%s]}', '%s'):
        body = body % number
        for method, path in json_endpoints(openapi):
            response = client.open(path, method=method, data=body, headers=headers,
                                   content_type="application/json")
            error = assert_envelope(response, 400)
            assert error["code"] == "invalid_json", (path, body)
            assert "not finite" in error["message"]
        for _method, path in HOST_ENDPOINTS[:2]:
            response = client.post(path, data=body, content_type="application/json")
            assert_envelope(response, 400)


@pytest.mark.parametrize("text", ["NaN", "inf", "-Infinity", "1e400"])
def test_non_finite_numbers_as_strings_are_422(client, auth_headers, text):
    # pydantic reads these strings as floats: the field refuses them.
    body = {"type": "feed", "account_id": 1,
            "user_tags": [{"username": "ann", "x": text, "y": 0.5}]}
    for path in ("/preview", "/drafts", "/posts"):
        response = client.post(PREFIX + path, json=body, headers=auth_headers())
        error = assert_envelope(response, 422)
        assert error["details"]["errors"][0]["field"] == "user_tags.0.x", path


def test_only_the_first_validation_errors_are_reported(client, auth_headers):
    headers = auth_headers()
    unknown = {f"field{i}": 0 for i in range(500)}
    response = client.post(f"{PREFIX}/preview", json={"type": "feed", **unknown},
                           headers=headers)
    error = assert_envelope(response, 422)
    assert len(error["details"]["errors"]) == MAX_REPORTED_ERRORS
    assert error["details"]["truncated"] is True
    response = client.post(f"{PREFIX}/preview", headers=headers,
                           json={"type": "feed", "hashtags": ["a\x00"] * 100})
    error = assert_envelope(response, 422)
    assert len(error["details"]["errors"]) == MAX_REPORTED_ERRORS
    assert error["details"]["errors"][0]["field"] == "hashtags.0"
    assert error["details"]["truncated"] is True
    # A few mistakes are all listed.
    response = client.post(f"{PREFIX}/preview", json={"type": "feed", "a": 1, "b": 2},
                           headers=headers)
    error = assert_envelope(response, 422)
    assert len(error["details"]["errors"]) == 2 and "truncated" not in error["details"]


def write_body(path, prefix, unit, suffix, size=DEFAULT_MAX_JSON_BODY_BYTES):
    count = (size - len(prefix) - len(suffix)) // len(unit)
    path.write_text(prefix + (unit * count).rstrip(",") + suffix)
    return path


def test_peak_memory_of_the_costliest_json_bodies(tmp_path):
    # [{}, {}, ...] is the most objects per byte. Before the cap, 10.5 MB of it to login
    # raised the peak by 477 MB, and 15 MB of hashtags to /preview by 7.8 GB.
    bodies = {
        "/api/auth/login": write_body(tmp_path / "login.json", '{"email": "a@b.co", "x": [',
                                      "{},", "]}"),
        f"{PREFIX}/preview": write_body(tmp_path / "hashtags.json",
                                        '{"type": "feed", "hashtags": [', "{},", "]}"),
    }
    errors = tmp_path / "errors.json"
    errors.write_text(json.dumps({"type": "feed", **{f"f{i}": 0 for i in range(9990)}}))
    run = subprocess.run([sys.executable, "-m", "tests.hostile.memory_probe", "--json",
                          str(tmp_path / "app"), *(f"{p}={b}" for p, b in bodies.items()),
                          f"{PREFIX}/preview={errors}"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["answers"] == {"login.json": [[400, "invalid_json"]] * 3,
                                 "hashtags.json": [[400, "invalid_json"]] * 3,
                                 "errors.json": [[422, "validation_error"]] * 3}
    rise = report["peak_mb"] - report["baseline_mb"]
    print(f"peak memory rise, three of each 1 MB body at once: {rise:.0f} MB")
    assert rise < 100  # measured: 29 to 53 MB


def chunked(client, path, data):
    """POST `data` without Content-Length, as a chunked upload arrives (wsgi.input_terminated)."""
    return client.post(path, input_stream=io.BytesIO(data), content_type="application/json",
                       headers={"Transfer-Encoding": "chunked"},
                       environ_overrides={"wsgi.input_terminated": True})


@pytest.mark.parametrize("path", ["/api/auth/login", f"{PREFIX}/webhooks"])
def test_a_chunked_body_over_the_cap_is_413_not_cut_and_misread(app, client, path):
    cap = DEFAULT_MAX_JSON_BODY_BYTES if "auth" in path else \
        runtime(app).settings.INSTAGRAM_WEBHOOK_MAX_BYTES
    error = assert_envelope(chunked(client, path, body_of(cap + 80)), 413)
    assert error["code"] == "payload_too_large"
    # At the cap, it is read whole: a login with an unknown field, a delivery unsigned.
    assert chunked(client, path, body_of(cap)).status_code in (403, 422)
