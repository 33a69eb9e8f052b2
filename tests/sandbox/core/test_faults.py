"""Fault targeting (nth, request parameters), fault headers, replaced and patched answers."""
import json
import socket
import time
from urllib.parse import urlsplit

import pytest

from tests.sandbox.conftest import graph_error
from tests.sandbox.helpers import FB, IG, create, create_id, error_of, image, published_media


def add_fault(meta, **spec):
    response = meta.control("POST", "/faults", json=spec)
    assert response.status_code == 201, response.text
    return response.json()["added"][0]


@pytest.fixture
def token(meta):
    return meta.ig_long_token()


def test_nth_lets_matching_requests_through_then_fires_times_in_a_row(meta, token):
    fault = add_fault(meta, path="^/me$", code=2, nth=3, times=2)
    assert (fault["nth"], fault["passed"]) == (3, 0)
    assert [meta.ig("/me", token).status_code for _ in range(5)] == [200, 200, 400, 400, 200]
    assert meta.control("GET", "/faults").json()["faults"] == []


def test_nth_counts_only_matching_requests(meta, token):
    add_fault(meta, path="^/me$", method="GET", code=2, nth=2)
    meta.ig("/me/media", token)  # another path: not counted
    assert meta.ig("/me", token).status_code == 200
    assert meta.control("GET", "/faults").json()["faults"][0]["passed"] == 1
    assert graph_error(meta.ig("/me", token))["code"] == 2


def test_params_match_query_form_and_json_as_meta_reads_them(meta, token):
    add_fault(meta, path="/media$", method="POST", params={"is_carousel_item": True},
              code=9004, subcode=2207052, times=None)
    single = create(meta, token, image_url=image(meta))  # no is_carousel_item: not matched
    assert single.status_code == 200
    # A form "True", a JSON true and a query "1" are all what Meta reads as true.
    error_of(create(meta, token, image_url=image(meta), is_carousel_item="True"), 9004, 2207052)
    as_json = meta.request("POST", IG, "/me/media", params={"access_token": token},
                           json={"image_url": image(meta), "is_carousel_item": True})
    error_of(as_json, 9004, 2207052)
    in_query = meta.request("POST", IG, "/me/media",
                            params={"access_token": token, "is_carousel_item": "1",
                                    "image_url": image(meta)})
    error_of(in_query, 9004, 2207052)
    assert create(meta, token, image_url=image(meta), is_carousel_item="false").ok


def test_a_null_param_matches_its_absence_and_strings_match_exactly(meta, token):
    add_fault(meta, path="/media$", params={"media_type": None, "caption": "a b"}, code=2)
    assert create(meta, token, image_url=image(meta), caption="a b", media_type="IMAGE").ok
    assert create(meta, token, image_url=image(meta), caption="a  b").ok
    error_of(create(meta, token, image_url=image(meta), caption="a b"), 2)


def test_error_faults_carry_headers_and_usage_at_100_percent(meta, token):
    add_fault(meta, path="media_publish$", code=4, usage_exhausted=12,
              headers={"Retry-After": 30})
    response = meta.post(IG, "/v25.0/me/media_publish", token, creation_id="1")
    error = error_of(response, 4)
    assert error["is_transient"] is True
    assert response.headers["Retry-After"] == "30"
    assert json.loads(response.headers["X-App-Usage"]) == {
        "call_count": 100, "total_time": 100, "total_cputime": 100}
    buc = json.loads(response.headers["X-Business-Use-Case-Usage"])
    assert buc == {"17841400000000001": [{
        "type": "instagram", "call_count": 100, "total_cputime": 100, "total_time": 100,
        "estimated_time_to_regain_access": 12}]}
    after = meta.ig("/me", token)
    assert json.loads(after.headers["X-App-Usage"])["call_count"] < 100
    assert "Retry-After" not in after.headers


def test_usage_headers_name_the_account_of_the_path_on_facebook(meta):
    user_token = meta.fb_user_token()
    add_fault(meta, host=FB, code=80002, usage_exhausted=3, times=2)
    on_account = meta.fb("/v25.0/17841400000000001", user_token, fields="username")
    error_of(on_account, 80002)
    buc = json.loads(on_account.headers["X-Business-Use-Case-Usage"])
    assert buc["17841400000000001"][0]["estimated_time_to_regain_access"] == 3
    on_user = meta.fb("/me", user_token)  # not an Instagram account: the app header only
    assert json.loads(on_user.headers["X-App-Usage"])["call_count"] == 100
    assert "X-Business-Use-Case-Usage" not in on_user.headers


def test_a_headers_only_fault_keeps_the_real_answer(meta, token):
    add_fault(meta, path="^/me$", headers={"X-Test": "yes"}, usage_exhausted=0)
    response = meta.ig("/me", token, fields="username")
    assert response.json()["username"] == "sandbox_business"
    assert response.headers["X-Test"] == "yes"
    assert json.loads(response.headers["X-App-Usage"])["call_count"] == 100


def test_respond_replaces_the_answer_with_the_node_id_filled_in(meta, token):
    container_id = create_id(meta, token, image_url=image(meta))
    add_fault(meta, path=r"^/1789\d+$", method="GET", respond={
        "status_code": "ERROR", "id": "{id}",
        "status": "Error: Media upload has failed with error code 2207053"})
    response = meta.ig(f"/v25.0/{container_id}", token, fields="status_code,status")
    assert response.status_code == 200
    assert response.json() == {
        "status_code": "ERROR", "id": container_id,
        "status": "Error: Media upload has failed with error code 2207053"}
    assert meta.ig(f"/{container_id}", token, fields="status_code").json()["status_code"] == (
        "FINISHED")


def test_respond_with_a_status_and_any_json(meta, token):
    add_fault(meta, path="^/me$", respond=True, http_status=202)
    response = meta.ig("/me", token)
    assert (response.status_code, response.json()) == (202, True)


def test_respond_after_the_work_is_done(meta, token):
    container_id = create_id(meta, token, image_url=image(meta))
    add_fault(meta, path="media_publish$", phase="after", respond={"id": "17800000000000000"})
    response = meta.post(IG, "/me/media_publish", token, creation_id=container_id)
    assert response.json() == {"id": "17800000000000000"}
    (media,) = published_media(meta)  # published all the same, under its real id
    assert media["container_id"] == container_id and media["id"] != "17800000000000000"


def test_patch_merges_into_the_real_answer(meta, token):
    media_id = meta.ig("/me/media", token, limit=1).json()["data"][0]["id"]
    fault = add_fault(meta, path=f"^/{media_id}$", patch={"media_url": None, "caption": "x"})
    assert fault["phase"] == "after"
    body = meta.ig(f"/{media_id}", token, fields="media_url,caption,media_type").json()
    assert body == {"caption": "x", "media_type": body["media_type"], "id": media_id}
    assert "media_url" in meta.ig(f"/{media_id}", token, fields="media_url").json()


def test_patch_leaves_error_answers_alone_and_runs_only_after(meta, token):
    add_fault(meta, path="^/me$", patch={"username": "x"})
    assert graph_error(meta.ig("/me", "IGAAbogus"))["code"] == 190
    refused = meta.control("POST", "/faults", json={"patch": {}, "phase": "before"})
    assert refused.status_code == 400 and "after" in refused.json()["error"]["message"]


def test_100_33_on_container_reads_as_written(meta):
    user_token = meta.fb_user_token()
    container_id = create_id(meta, user_token, FB, "17841400000000001", image_url=image(meta))
    fault = {"path": "^/1789\\d+$", "method": "GET", "code": 100, "subcode": 33, "times": 6}
    add_fault(meta, **fault)
    for _ in range(6):
        error = error_of(meta.fb(f"/v25.0/{container_id}", user_token, fields="status_code"),
                         100, 33)
        assert error["type"] == "GraphMethodException"
        assert error["message"].startswith(f"Unsupported get request. Object with ID "
                                           f"'{container_id}' does not exist")
    assert meta.fb(f"/{container_id}", user_token, fields="status_code").ok
    # Account reads (1784...) and the container's creation were never matched.
    assert meta.fb("/17841400000000001", user_token, fields="username").ok


def test_error_faults_borrow_metas_texts_for_known_codes(meta, token):
    add_fault(meta, path="/media$", method="POST", code=9007, subcode=2207027)
    error = error_of(create(meta, token, image_url=image(meta)), 9007, 2207027)
    assert error["message"] == "Media ID is not available"
    assert error["error_user_msg"] == (
        "The media is not ready for publishing, please wait for a moment")
    add_fault(meta, path="media_publish", code=4, subcode=2207051)
    spam = error_of(meta.post(IG, "/me/media_publish", token, creation_id="1"), 4, 2207051)
    assert spam["is_transient"] is False  # a spam block, not a rate limit
    add_fault(meta, path="media_publish", code=4, subcode=2207051, message="m",
              is_transient=True)
    given = error_of(meta.post(IG, "/me/media_publish", token, creation_id="1"), 4, 2207051)
    assert (given["message"], given["is_transient"]) == ("m", True)


def test_after_faults_skip_requests_a_before_fault_answered(meta, token):
    add_fault(meta, path="^/me$", code=2)
    add_fault(meta, path="^/me$", phase="after", respond={"late": True})
    assert graph_error(meta.ig("/me", token))["code"] == 2
    assert meta.ig("/me", token).json() == {"late": True}


@pytest.mark.parametrize("spec", [
    {"code": 1, "nth": 0}, {"code": 1, "params": ["a"]}, {"code": 1, "params": []},
    {"code": 1, "headers": {"a": [1]}},
    {"code": 1, "usage_exhausted": -1}, {"respond": {}, "http_status": 99},
    {"trickle_headers": True, "pad_bytes": 10}, {"trickle_ms": 5, "trickle_headers": "yes"},
])
def test_bad_fault_specs_are_refused(meta, spec):
    response = meta.control("POST", "/faults", json=spec)
    assert response.status_code == 400, response.text


def raw_get(url, path, timeout=10):
    """(seconds until the status line and headers were whole, the whole answer): a client
    that reads whatever arrives, as a socket does."""
    parts = urlsplit(url)
    started = time.monotonic()
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode())
        data, head_at = b"", None
        while chunk := sock.recv(65536):
            data += chunk
            if head_at is None and b"\r\n\r\n" in data:
                head_at = time.monotonic() - started
    return head_at, data


def test_trickled_headers_arrive_a_chunk_at_a_time_then_the_real_answer(meta, token):
    add_fault(meta, path="^/me$", trickle_ms=10, chunk_bytes=4, trickle_headers=True)
    head_at, data = raw_get(meta.url, f"/graph.instagram.com/v25.0/me?access_token={token}")
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0] == "HTTP/1.1 200 OK" and "Connection: close" in lines
    assert not any(line.lower().startswith("content-length") for line in lines)
    assert any(line.startswith("X-App-Usage:") for line in lines)  # the usual headers too
    assert head_at >= (len(head) // 4 - 1) * 0.010 * 0.9  # a chunk of 4 bytes every 10 ms
    assert json.loads(body)["username"] == "sandbox_business"
    assert raw_get(meta.url, f"/graph.instagram.com/v25.0/me?access_token={token}")[0] < 0.5
