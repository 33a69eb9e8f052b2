"""Host routing, the version prefix, base URLs, the index page and the control endpoints."""
import subprocess
import sys
import time

import requests

from backend.sandbox.core.hosts import base_urls
from tests.sandbox.conftest import graph_error


def test_base_urls():
    urls = base_urls("http://127.0.0.1:8001/")
    assert urls == {
        "INSTAGRAM_GRAPH_URL": "http://127.0.0.1:8001/graph.instagram.com",
        "FACEBOOK_GRAPH_URL": "http://127.0.0.1:8001/graph.facebook.com",
        "INSTAGRAM_OAUTH_URL": "http://127.0.0.1:8001/api.instagram.com",
        "INSTAGRAM_DIALOG_URL": "http://127.0.0.1:8001/www.instagram.com",
        "FACEBOOK_DIALOG_URL": "http://127.0.0.1:8001/www.facebook.com",
        "INSTAGRAM_RUPLOAD_URL": "http://127.0.0.1:8001/rupload.facebook.com",
    }


def test_host_header_selects_the_host(meta):
    token = meta.ig_short_token()
    response = requests.get(f"{meta.url}/v24.0/me", params={"access_token": token},
                            headers={"Host": "graph.instagram.com"}, timeout=5)
    assert response.status_code == 200
    assert response.headers["facebook-api-version"] == "v24.0"
    assert response.json()["username"] == "sandbox_business"


def test_version_prefix_is_optional(meta):
    token = meta.ig_short_token()
    for path in ("/me", "/v21.0/me", "/v26.0/me"):
        assert meta.ig(path, token).status_code == 200, path
    assert meta.ig("/me", token).headers["facebook-api-version"] == "v25.0"


def test_error_envelope_per_host(meta):
    ig_error = graph_error(meta.ig("/me"))
    fb_error = graph_error(meta.fb("/me"))
    assert (ig_error["type"], fb_error["type"]) == ("IGApiException", "OAuthException")
    assert graph_error(meta.fb("/"))["message"].startswith("Unknown path components")
    oauth = meta.request("GET", "api.instagram.com", "/oauth/access_token")
    assert oauth.status_code == 400 and oauth.json()["error_type"] == "OAuthException"
    dialog = meta.get("www.instagram.com", "/nowhere")
    assert dialog.status_code == 404 and dialog.headers["Content-Type"].startswith("text/html")


def test_index_page_and_info(meta):
    page = requests.get(meta.url + "/", timeout=5)
    assert page.status_code == 200 and "graph.instagram.com" in page.text
    info = meta.control("GET", "").json()
    assert info["base_urls"]["INSTAGRAM_GRAPH_URL"] == f"{meta.url}/graph.instagram.com"
    assert info["settings"]["app_id"] == "100000000000001"


def test_accounts_listing(meta):
    data = meta.control("GET", "/accounts").json()["data"]
    by_name = {row["username"]: row for row in data}
    assert set(by_name) == {"sandbox_business", "sandbox_creator", "sandbox_personal"}
    assert by_name["sandbox_business"]["professional_id"] == "17841400000000001"
    assert by_name["sandbox_personal"]["pages"][0]["instagram_business_account"] is None


def test_settings_validation(meta):
    assert meta.control("POST", "/settings", json={"nope": 1}).status_code == 400
    assert meta.control("POST", "/settings", json={"latency_ms": "x"}).status_code == 400
    assert meta.control("POST", "/settings", json=[1]).status_code == 400
    changed = meta.control("POST", "/settings", json={"usage_calls_per_hour": 50}).json()
    assert changed["usage_calls_per_hour"] == 50
    meta.control("POST", "/reset")
    assert meta.control("GET", "/settings").json()["usage_calls_per_hour"] == 200


def test_clock(meta):
    before = meta.control("GET", "/clock").json()
    moved = meta.control("POST", "/clock", json={"advance_seconds": 86400}).json()
    assert moved["offset_seconds"] - before["offset_seconds"] >= 86399
    fixed = meta.control("POST", "/clock", json={"now": "2030-01-01T00:00:00+00:00"}).json()
    assert fixed["now"].startswith("2030-01-01T00:00:0")
    assert meta.control("POST", "/clock", json={"now": "soon"}).status_code == 400
    assert meta.control("POST", "/clock", json={}).status_code == 400


def test_in_process_state_access(sandbox, meta):
    token = meta.ig_short_token()
    with sandbox.state.lock:
        sandbox.state.clock.advance(7200)
    assert graph_error(meta.ig("/me", token))["error_subcode"] == 463


def test_command_line_runs_a_server(tmp_path):
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "backend.sandbox", "--port", str(port), "--app-id", "42"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = [process.stdout.readline() for _ in range(3)]
        assert f"INSTAGRAM_GRAPH_URL=http://127.0.0.1:{port}/graph.instagram.com" in lines[2]
        deadline = time.monotonic() + 5
        while True:
            try:
                info = requests.get(f"http://127.0.0.1:{port}/_sandbox", timeout=1).json()
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert info["settings"]["app_id"] == "42"
    finally:
        process.terminate()
        process.wait(timeout=5)
