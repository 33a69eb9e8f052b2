"""Registering instagram_bp in a foreign host changes nothing outside the blueprint, and
INSTAGRAM_ENABLED=false turns the integration off without removing the registration.

The host runs in a fresh interpreter (tests/core/bare_host.py): in this one, other tests'
platforms have already configured process-wide things (JWT callbacks, log redaction).
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_host(tmp_path, mode, *options):
    done = subprocess.run([sys.executable, "-m", "tests.core.bare_host", str(tmp_path), mode,
                           *options],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def enabled(tmp_path_factory):
    return run_host(tmp_path_factory.mktemp("enabled"), "enabled")


def envelope(answer, status, code):
    assert answer["status"] == status, answer
    assert answer["json"]["error"]["code"] == code, answer
    return answer["json"]["error"]


def test_the_host_keeps_its_own_error_pages(enabled):
    assert enabled["host_404"]["status"] == 404
    assert enabled["host_404"]["text"] == "<h1>Host page not found</h1>"
    assert enabled["host_405"]["text"] == "<h1>Host method not allowed</h1>"
    # The integration installed no error handler on the app itself; the hooks it added
    # (tested above and below) act on its own paths only.
    before, after = enabled["hooks_before"], enabled["hooks_after"]
    assert after["handlers"] == before["handlers"]
    added = after["before"][len(before["before"]):] + after["after"][len(before["after"]):]
    # Its 404/405 answer, its limiter (check, headers), Retry-After, and the hook that
    # has a host limiter set up later skip its routes.
    assert len(added) == 5, added
    assert {"backend.errors.scope_to_blueprint.<locals>.routing_error",
            "backend.services.instagram.core.limits._meaningful_retry_after",
            "backend.services.instagram.core.limits._host_limiters_skip_the_blueprint",
            } < set(added)


def test_the_blueprint_answers_its_own_errors_in_its_envelope(enabled):
    envelope(enabled["ig_404"], 404, "not_found")
    envelope(enabled["ig_v1_404"], 404, "not_found")
    envelope(enabled["ig_405"], 405, "method_not_allowed")
    assert enabled["ig_405"]["headers"]["Allow"]
    # JWT failures too, although the host's JWTManager answers {"msg": ...} by default.
    envelope(enabled["ig_401"], 401, "authorization_required")
    envelope(enabled["ig_bad_jwt"], 401, "invalid_token")


@pytest.fixture(scope="module")
def late_limiter(tmp_path_factory):
    return run_host(tmp_path_factory.mktemp("late"), "enabled", "late-limiter")


@pytest.fixture(scope="module")
def nested(tmp_path_factory):
    """Registered inside a blueprint of the host's (its requests say "host_api.instagram")."""
    return run_host(tmp_path_factory.mktemp("nested"), "enabled", "/ig", "nested")


@pytest.mark.parametrize("report", ("enabled", "late_limiter", "nested", "mounted_elsewhere"))
def test_limits_stay_where_they_belong(request, report):
    enabled = request.getfixturevalue(report)
    hello = enabled["host_hello"]
    # The host's own default (1/minute) counts each request once; the integration's limiter
    # neither counts host requests nor adds its headers to them.
    assert [a["status"] for a in hello] == [200] + [429] * 5
    assert not hello[0]["headers"]
    assert hello[1]["json"] is None  # the host's own 429 page, not the envelope
    # The integration's per-user limit (2/minute) on its routes, in its envelope; the host's
    # lower default does not count them, whether its limiter came before or after.
    documents = enabled["ig_document"]
    assert [a["status"] for a in documents[:2]] == [200, 200]
    assert documents[0]["headers"]["X-RateLimit-Limit"] == "2"
    assert "Retry-After" not in documents[0]["headers"]  # only where it means something
    error = envelope(documents[2], 429, "rate_limited")
    assert error["message"] and int(documents[2]["headers"]["Retry-After"]) > 0


@pytest.mark.parametrize("report", ("enabled", "mounted_elsewhere"))
def test_its_answers_carry_a_request_id_the_hosts_do_not_get_one(request, report):
    report = request.getfixturevalue(report)
    for name in ("ig_404", "ig_v1_404", "ig_405", "ig_401", "ig_bad_jwt"):
        error = report[name]["json"]["error"]
        assert error["request_id"], name
        assert report[name]["headers"]["X-Request-ID"] == error["request_id"], name
    given = report["ig_401_given_id"]
    assert given["json"]["error"]["request_id"] == "client-trace-1234"
    assert given["headers"]["X-Request-ID"] == "client-trace-1234"
    assert report["ig_document"][0]["headers"]["X-Request-ID"]
    # The host has no request ids of its own, and gets none from the integration.
    assert "X-Request-ID" not in report["host_404"]["headers"]
    assert all("X-Request-ID" not in a["headers"] for a in report["host_hello"])


@pytest.fixture(scope="module")
def mounted_elsewhere(tmp_path_factory):
    return run_host(tmp_path_factory.mktemp("prefixed"), "enabled", "/ig")


@pytest.mark.parametrize("report,prefix", (("enabled", "/api/sns/instagram"),
                                           ("mounted_elsewhere", "/ig"), ("nested", "/api/ig")))
def test_its_document_names_the_paths_it_is_served_at(request, report, prefix):
    paths = request.getfixturevalue(report)["document_paths"]
    ours = [p for p in paths if not p.startswith("/api/v1/")]
    assert len(ours) > 40 and all(p.startswith(prefix + "/") for p in ours), ours[:3]
    assert "/api/v1/instagram/preview" in paths  # the Sprint 2 paths stay where they are


def test_mounted_under_another_prefix_its_envelope_follows(mounted_elsewhere):
    report = mounted_elsewhere
    envelope(report["ig_404"], 404, "not_found")  # GET /ig/nope
    envelope(report["ig_405"], 405, "method_not_allowed")
    envelope(report["ig_401"], 401, "authorization_required")
    assert report["ig_document"][0]["status"] == 200
    # The /api/v1 paths stay where they are; its default prefix is the host's again.
    envelope(report["ig_v1_404"], 404, "not_found")
    assert report["host_404_at_default_prefix"]["text"] == "<h1>Host page not found</h1>"


def test_redaction_covers_the_integration_logs_only(enabled):
    assert "EAAsecret123456789" not in enabled["logs"]["backend.services.instagram.example"]
    assert "EAAsecret123456789" in enabled["logs"]["foreign_host.views"]


def test_it_adds_its_jobs_cli_and_document(enabled):
    assert "instagram_publish_posts" in enabled["jobs"] and enabled["cli"]
    assert enabled["documented"] == 1


def test_instagram_enabled_false_turns_it_off_but_keeps_the_registration(tmp_path):
    report = run_host(tmp_path, "disabled")
    error = envelope(report["ig_401"], 404, "instagram_disabled")
    assert "INSTAGRAM_ENABLED=false" in error["message"]
    envelope(report["ig_document"][0], 404, "instagram_disabled")
    envelope(report["ig_404"], 404, "not_found")
    assert report["jobs"] == [] and not report["cli"] and report["documented"] == 0
    assert report["host_404"]["text"] == "<h1>Host page not found</h1>"


def test_the_platform_runs_with_the_integration_turned_off(tmp_path, sandbox):
    from tests.conftest import make_app
    app = make_app(tmp_path, sandbox.url, INSTAGRAM_ENABLED=False)
    client = app.test_client()
    credentials = {"email": "off@example.com", "password": "long enough"}
    assert client.post("/api/auth/register", json=credentials).status_code == 201
    token = client.post("/api/auth/login", json=credentials).get_json()["access_token"]
    response = client.get("/api/sns/instagram/accounts",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "instagram_disabled"
    paths = client.get("/openapi.json").get_json()["paths"]
    assert "/api/auth/login" in paths
    assert not [p for p in paths if "instagram" in p]
    assert "instagram" not in app.extensions
