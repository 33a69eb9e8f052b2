"""GET /metrics as an operator runs it: its size stays bounded whatever clients send, and the
scraper is recognised on a dual-stack bind, with any case of "Bearer", behind no proxy."""
import logging
import random
import string

import pytest
from prometheus_client.parser import text_string_to_metric_families

from backend.app import create_app
from backend.metrics import FORWARDED
from backend.request_log import METHODS

REMOTE = {"REMOTE_ADDR": "203.0.113.9"}


def series(client, name):
    text = client.get("/metrics").get_data(as_text=True)
    return [s for f in text_string_to_metric_families(text) for s in f.samples
            if s.name == name]


def test_random_methods_paths_and_statuses_do_not_grow_the_metrics(client, auth_headers):
    headers = auth_headers()
    client.get("/api/sns/instagram/accounts", headers=headers)
    before = len(client.get("/metrics").get_data())
    # The app is shared with other tests, whose 404s on real routes (an unknown post) are
    # labelled with their route: only what these requests add is looked at.
    routes_before = {s.labels["route"] for s in series(client, "http_requests_total")
                     if s.labels["status"] == "404"}
    rng = random.Random(7)
    for n in range(300):
        method = "".join(rng.choice(string.ascii_uppercase) for _ in range(8))
        path = f"/{rng.randrange(10 ** 9)}/{n}"
        assert client.open(path, method=method).status_code in (404, 405)
        client.open("/api/sns/instagram/accounts", method=method, headers=headers)
    after = len(client.get("/metrics").get_data())
    samples = series(client, "http_requests_total")
    assert {s.labels["method"] for s in samples} <= METHODS | {"other"}
    assert "other" in {s.labels["method"] for s in samples}
    assert {s.labels["route"] for s in samples if s.labels["status"] == "404"} \
        - routes_before <= {"<unmatched>"}
    assert "<unmatched>" in {s.labels["route"] for s in samples}
    # A handful of new series ("other" per route and status: about 3 KB), not a few per
    # request (before the fix: hundreds of KB for these 600 requests).
    assert after - before < 6000, (before, after)


def scrape_app(tmp_path, sandbox, **config):
    return create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k" * 40,
                       "INSTAGRAM_SANDBOX_URL": sandbox.url, **config}).test_client()


@pytest.mark.parametrize("address, allowed", [
    ("::ffff:127.0.0.1", True),       # loopback through a dual-stack ([::]) bind
    ("::1", True), ("127.0.0.1", True),
    ("::ffff:203.0.113.9", False), ("203.0.113.9", False), ("2001:db8::1", False)])
def test_loopback_is_recognised_in_either_form(tmp_path, sandbox, address, allowed):
    client = scrape_app(tmp_path, sandbox)
    answer = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
    assert answer.status_code == (200 if allowed else 403)


def test_an_allow_list_matches_mapped_addresses_in_either_form(tmp_path, sandbox):
    client = scrape_app(tmp_path, sandbox, METRICS_ALLOW_FROM="10.0.0.0/8, ::ffff:192.0.2.0/120")
    for address in ("::ffff:10.1.2.3", "10.1.2.3", "::ffff:192.0.2.7"):
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": address}).status_code == 200


@pytest.mark.parametrize("header, allowed", [
    ("Bearer scrape-me", True), ("bearer scrape-me", True), ("BEARER  scrape-me ", True),
    ("Basic scrape-me", False), ("Bearer scrape-you", False), ("scrape-me", False),
    ("Bearer", False)])
def test_the_scrape_token_in_any_case_of_bearer(tmp_path, sandbox, header, allowed):
    client = scrape_app(tmp_path, sandbox, METRICS_TOKEN="scrape-me")
    answer = client.get("/metrics", environ_base=REMOTE, headers={"Authorization": header})
    assert answer.status_code == (200 if allowed else 403)


@pytest.mark.parametrize("header", FORWARDED)
def test_a_request_a_proxy_forwarded_is_not_local(client, header):
    answer = client.get("/metrics", headers={header: "198.51.100.1"})
    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "forbidden"


def test_refused_scrapes_are_logged_once_per_address(client, caplog):
    with caplog.at_level(logging.INFO, logger="backend.metrics"):
        for _ in range(5):
            client.get("/metrics", environ_base={"REMOTE_ADDR": "198.51.100.77"})
        client.get("/metrics", environ_base={"REMOTE_ADDR": "198.51.100.78"})
    lines = [r.getMessage() for r in caplog.records if r.name == "backend.metrics"]
    assert len(lines) == 2 and "198.51.100.77" in lines[0] and "198.51.100.78" in lines[1]
