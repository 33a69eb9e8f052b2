"""Usage headers, throttling at 100%, and injected faults (errors, latency, dropped sockets)."""
import json
import threading
import time
from datetime import datetime, timezone

import pytest
import requests

from tests.sandbox.conftest import graph_error


def test_usage_headers_on_graph_responses(meta):
    meta.settings(usage_calls_per_hour=10)
    token = meta.ig_short_token()
    response = meta.ig("/me", token)
    app_usage = json.loads(response.headers["X-App-Usage"])
    assert set(app_usage) == {"call_count", "total_time", "total_cputime"}
    assert app_usage["call_count"] == 10  # one call of a budget of ten
    buc = json.loads(response.headers["X-Business-Use-Case-Usage"])
    (entry,) = buc["17841400000000001"]
    assert entry["type"] == "instagram" and entry["call_count"] == 10
    assert entry["estimated_time_to_regain_access"] == 0
    error_response = meta.fb("/me")
    assert "X-App-Usage" in error_response.headers
    assert "X-Business-Use-Case-Usage" not in error_response.headers
    dialog = meta.ig_authorize()
    assert "X-App-Usage" not in dialog.headers


def test_buc_throttle_at_100_percent_and_recovery(meta):
    meta.settings(usage_calls_per_hour=5, short_lived_seconds=7200)
    token = meta.ig_short_token()
    for _ in range(5):
        assert meta.ig("/me", token).status_code == 200
    response = meta.ig("/me", token)
    error = graph_error(response)
    assert (error["code"], error["is_transient"]) == (80002, True)
    entry = json.loads(response.headers["X-Business-Use-Case-Usage"])["17841400000000001"][0]
    assert entry["call_count"] >= 100
    assert 1 <= entry["estimated_time_to_regain_access"] <= 60
    other = meta.ig_short_token(sandbox_persona="creator")
    assert meta.ig("/me", other).status_code == 200  # the budget is per account
    meta.advance(3601)
    assert meta.ig("/me", token).status_code == 200


def test_app_throttle_is_code_4(meta):
    meta.settings(usage_calls_per_hour=4)
    token = meta.fb_user_token()  # the code exchange is the first call
    for _ in range(3):
        assert meta.fb("/me", token).status_code == 200
    response = meta.fb("/me", token)
    error = graph_error(response)
    assert (error["code"], error["is_transient"]) == (4, True)
    assert json.loads(response.headers["X-App-Usage"])["call_count"] >= 100
    # Calls on an Instagram account are limited by its own (BUC) budget instead.
    ig_user = meta.fb("/17841400000000001", token, fields="username")
    assert ig_user.status_code == 200
    assert "17841400000000001" in json.loads(ig_user.headers["X-Business-Use-Case-Usage"])


def test_injected_error_fault(meta):
    token = meta.ig_short_token()
    response = meta.control("POST", "/faults", json={"path": "^/me$", "code": 4})
    assert response.status_code == 201
    error = graph_error(meta.ig("/me", token))
    assert (error["code"], error["is_transient"]) == (4, True)
    assert error["message"] == "(#4) Application request limit reached"
    assert meta.ig("/me", token).status_code == 200  # times defaults to 1


def test_injected_fault_options(meta):
    token = meta.fb_user_token()
    meta.control("POST", "/faults", json={
        "path": "accounts", "method": "GET", "code": 80002, "subcode": 2207051,
        "message": "custom", "http_status": 403, "times": 2, "host": "graph.facebook.com"})
    for _ in range(2):
        response = meta.fb("/v25.0/me/accounts", token)
        error = graph_error(response)
        assert response.status_code == 403
        assert (error["code"], error["error_subcode"], error["message"]) == (
            80002, 2207051, "custom")
        assert "is_transient" not in error
    assert meta.fb("/me/accounts", token).status_code == 200


def test_faults_for_each_standard_code(meta):
    token = meta.ig_short_token()
    for code in (1, 2, 17, 32, 613, 190):
        meta.control("POST", "/faults", json={"path": "/me", "code": code})
        assert graph_error(meta.ig("/me", token))["code"] == code


def test_fault_listing_and_clear(meta):
    meta.control("POST", "/faults", json=[{"code": 2, "times": None}, {"latency_ms": 1}])
    faults = meta.control("GET", "/faults").json()["faults"]
    assert [f["action"] for f in faults] == ["error", "latency"]
    assert meta.control("DELETE", "/faults").json() == {"faults": []}
    bad = meta.control("POST", "/faults", json={"path": "(", "code": 1})
    assert bad.status_code == 400 and "error" in bad.json()


def test_drop_connection(meta):
    token = meta.ig_short_token()
    meta.control("POST", "/faults", json={"drop_connection": True, "path": "^/me$"})
    with pytest.raises(requests.exceptions.ConnectionError):
        meta.ig("/me", token)
    assert meta.ig("/me", token).status_code == 200


def test_drop_after_the_work_is_done(meta):
    code = meta.ig_code()
    meta.control("POST", "/faults", json={"drop_connection": True, "phase": "after",
                                          "path": "^/oauth/access_token$"})
    with pytest.raises(requests.exceptions.ConnectionError):
        meta.ig_exchange(code)
    # The exchange happened although the client never saw it: the code is spent.
    assert meta.ig_exchange(code).status_code == 400
    tokens = meta.control("GET", "/tokens").json()["data"]
    assert [t["kind"] for t in tokens] == ["ig_short"]


def test_latency_fault_and_setting(meta):
    token = meta.ig_short_token()
    meta.control("POST", "/faults", json={"latency_ms": 300, "path": "/me"})
    with pytest.raises(requests.exceptions.Timeout):
        meta.http.get(f"{meta.url}/graph.instagram.com/me", params={"access_token": token},
                      timeout=0.1)
    meta.settings(latency_ms=50)
    started = time.monotonic()
    assert meta.ig("/me", token).status_code == 200
    assert time.monotonic() - started >= 0.05


def test_fault_on_the_oauth_host_uses_its_shape(meta):
    meta.control("POST", "/faults", json={"host": "api.instagram.com", "code": 2})
    body = meta.ig_exchange(meta.ig_code()).json()
    assert body["error_type"] == "OAuthException" and body["code"] == 2


def test_a_slow_request_does_not_hold_up_others(meta):
    token = meta.ig_short_token()
    meta.control("POST", "/faults", json={"latency_ms": 400, "path": "^/me$"})
    slow = threading.Thread(target=meta.ig, args=("/me", token))
    slow.start()
    time.sleep(0.05)
    started = time.monotonic()
    assert requests.get(f"{meta.url}/graph.instagram.com/me", params={"access_token": token},
                        timeout=5).status_code == 200
    assert time.monotonic() - started < 0.3
    slow.join()


def test_usage_forgets_calls_made_in_a_future_the_clock_left(meta):
    meta.settings(usage_calls_per_hour=10)
    meta.advance(7200)
    for _ in range(3):
        meta.fb("/me")
    meta.control("POST", "/clock", json={"now": datetime.now(timezone.utc).isoformat()})
    assert json.loads(meta.fb("/me").headers["X-App-Usage"])["call_count"] == 10
