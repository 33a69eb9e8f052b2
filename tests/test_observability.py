"""What an operator sees: /metrics for scrapers, JSON log lines with request ids, health probes."""
import io
import json
import logging

import pytest
from prometheus_client.openmetrics.parser import \
    text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families

from backend.app import create_app, start_background_jobs, upgrade_database
from backend.extensions import scheduler
from backend.logging_setup import (TEXT_FORMAT, RedactingJsonFormatter, RequestContextFilter,
                                   TextFormatter, configure_logging)
from tests.prom import sample

REMOTE = {"REMOTE_ADDR": "203.0.113.9"}


def families(text):
    return {f.name: f for f in text_string_to_metric_families(text)}


def test_metrics_are_prometheus_text_with_types_for_loopback_scrapers(client, auth_headers):
    headers = auth_headers()
    client.get("/api/sns/instagram/accounts", headers=headers)
    client.get("/api/sns/instagram/accounts")  # 401
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=0.0.4")
    found = families(response.get_data(as_text=True))
    assert found["http_requests"].type == "counter"
    assert found["http_request_duration_seconds"].type == "histogram"
    assert found["instagram_circuit_breaker_state"].type == "gauge"
    assert all(f.type != "unknown" for f in found.values())
    routes = {(s.labels["route"], s.labels["status"]) for s in found["http_requests"].samples
              if s.name == "http_requests_total"}
    assert {("/api/sns/instagram/accounts", "200"),
            ("/api/sns/instagram/accounts", "401")} <= routes
    states = {(s.labels["state"], s.value) for s in
              found["instagram_circuit_breaker_state"].samples
              if s.labels["host"].endswith("graph.instagram.com")}
    assert states == {("closed", 1.0), ("half_open", 0.0), ("open", 0.0)}


def test_openmetrics_is_served_to_scrapers_that_ask_for_it(client):
    response = client.get("/metrics", headers={
        "Accept": "application/openmetrics-text; version=1.0.0; charset=utf-8"})
    assert response.content_type.startswith("application/openmetrics-text")
    parsed = list(parse_openmetrics(response.get_data(as_text=True)))
    assert any(f.name == "http_requests" for f in parsed)


def test_metrics_are_refused_to_users_and_strangers(client, auth_headers):
    user = auth_headers()
    assert client.get("/metrics", environ_base=REMOTE, headers=user).status_code == 403
    forwarded = client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.1"})
    assert forwarded.status_code == 403  # a proxy on loopback does not make a request local
    body = client.get("/metrics", environ_base=REMOTE).get_json()
    assert body["error"]["code"] == "forbidden"
    assert client.get("/api/sns/instagram/metrics", headers=user).status_code == 404


def test_a_scrape_token_or_an_allow_list_opens_metrics(tmp_path, sandbox):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k" * 40,
                      "INSTAGRAM_SANDBOX_URL": sandbox.url, "METRICS_TOKEN": "scrape-me",
                      "METRICS_ALLOW_FROM": "10.0.0.0/8, 2001:db8::/32"})
    client = app.test_client()
    token = {"Authorization": "Bearer scrape-me"}
    assert client.get("/metrics", environ_base=REMOTE, headers=token).status_code == 200
    bad = {"Authorization": "Bearer scrape-you"}
    assert client.get("/metrics", environ_base=REMOTE, headers=bad).status_code == 403
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.get("/metrics").status_code == 403  # loopback is not in this allow-list


def test_a_bad_allow_list_fails_start_up_naming_it(tmp_path):
    with pytest.raises(ValueError, match="METRICS_ALLOW_FROM"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k" * 40,
                    "METRICS_ALLOW_FROM": "localhost"})


def json_lines(app_client_call):
    """Run a call with the platform's JSON handler writing to a buffer; the parsed lines."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(RedactingJsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s",
        rename_fields={"levelname": "level", "name": "logger"}))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        app_client_call()
    finally:
        root.removeHandler(handler)
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_one_json_line_per_request_with_its_id(client, auth_headers):
    headers = auth_headers()
    responses = []
    lines = json_lines(lambda: responses.append(client.get(
        "/api/sns/instagram/accounts/999/status",
        headers={**headers, "X-Request-ID": "trace-from-proxy-1"})))
    response = responses[0]
    assert response.headers["X-Request-ID"] == "trace-from-proxy-1"
    assert response.get_json()["error"]["request_id"] == "trace-from-proxy-1"
    [line] = [x for x in lines if x["logger"] == "backend.request"]
    assert line["request_id"] == "trace-from-proxy-1" and line["status"] == 404
    assert line["route"] == "/api/sns/instagram/accounts/<int:account_id>/status"
    assert line["user_id"] == "1" and line["duration_ms"] >= 0 and line["level"] == "INFO"


def test_a_request_id_is_made_when_the_client_sends_none_or_junk(client):
    first = client.get("/health/live")
    junk = client.get("/health/live", headers={"X-Request-ID": "<script>" * 20})
    assert len(first.headers["X-Request-ID"]) == 32
    assert junk.headers["X-Request-ID"] != "<script>" * 20


def test_graph_calls_are_logged_with_codes_and_no_secrets(live, live_user, connect_account,
                                                          fresh_sandbox):
    headers = live_user()
    account = connect_account(headers)
    fresh_sandbox.state.faults.add({"path": "/me$", "code": 190, "subcode": 463,
                                    "message": "Error validating access token"})
    lines = json_lines(lambda: live.http.get(live.api("/account/info"), headers=headers,
                                             params={"account_id": account["id"]}))
    [call] = [x for x in lines if x.get("graph_endpoint") == "/v25.0/me"]
    assert call["graph_method"] == "GET" and call["graph_status"] == 400
    assert call["code"] == 190 and call["subcode"] == 463 and call["attempt"] == 1
    assert "fbtrace_id" in call and call["duration_ms"] >= 0
    text = json.dumps(lines)
    assert "IGAA" not in text and "access_token=" not in text


def test_text_logs_stay_available_for_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True
    from backend.logging_setup import choose_format
    assert choose_format("auto", Terminal()) == "text"
    assert choose_format("auto", io.StringIO()) == "json"
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        choose_format("xml")


def test_migrations_leave_the_logging_configuration_alone(tmp_path, sandbox, caplog):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k" * 40,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.sqlite3'}",
                      "INSTAGRAM_SANDBOX_URL": sandbox.url, "LOG_LEVEL": "DEBUG"})
    upgrade_database(app)
    assert logging.getLogger().level == logging.DEBUG
    configure_logging("INFO")
    with caplog.at_level(logging.INFO):
        logging.getLogger("backend.app").info("still heard")
    assert "still heard" in caplog.text


def test_health_live_ready_and_the_old_alias(tmp_path, sandbox):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k" * 40,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'h.sqlite3'}",
                      "INSTAGRAM_SANDBOX_URL": sandbox.url, "SCHEDULER_ENABLED": False})
    client = app.test_client()
    assert client.get("/health/live").get_json() == {"status": "ok"}
    assert client.get("/health").get_json() == {"status": "ok"}
    before = client.get("/health/ready")
    assert before.status_code == 503
    checks = before.get_json()["checks"]
    assert checks["database"] == "ok" and "not at head" in checks["migrations"]
    upgrade_database(app)
    after = client.get("/health/ready")
    assert after.status_code == 200, after.get_json()
    assert after.get_json()["checks"] == {"database": "ok", "migrations": "ok",
                                          "scheduler": "disabled", "redis": "not_configured"}


def test_readiness_wants_the_scheduler_running_in_this_process(tmp_path, sandbox):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k" * 40,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 's.sqlite3'}",
                      "INSTAGRAM_SANDBOX_URL": sandbox.url, "SCHEDULER_ENABLED": True})
    upgrade_database(app)
    client = app.test_client()
    assert client.get("/health/ready").get_json()["checks"]["scheduler"] == "stopped"
    assert client.get("/health/ready").status_code == 503
    start_background_jobs(app)
    try:
        assert client.get("/health/ready").status_code == 200
        jobs = {job.id: job.name for job in scheduler.scheduler.get_jobs()}
        assert jobs["instagram_refresh_tokens"] == "instagram_refresh_tokens"
        assert all(job.func.__name__ == job.id for job in scheduler.scheduler.get_jobs())
    finally:
        scheduler.shutdown()


def test_publish_outcomes_and_time_are_measured(live, live_user, connect_account,
                                                fresh_sandbox):
    headers = live_user()
    account = connect_account(headers)
    before = sample("instagram_posts_finished_total", post_type="feed", outcome="published")
    timed = sample("instagram_post_publish_duration_seconds_count", post_type="feed")
    image = f"{fresh_sandbox.url}/_sandbox/samples/image.jpg?w=1080&h=1350"
    post = live.http.post(live.api("/posts"), headers=headers,
                          json={"account_id": account["id"], "image_url": image}).json()["post"]
    assert post["status"] == "published"
    assert sample("instagram_posts_finished_total", post_type="feed",
                  outcome="published") == before + 1
    assert sample("instagram_post_publish_duration_seconds_count", post_type="feed") == timed + 1
    text = live.http.get(f"{live.url}/metrics").text
    assert 'instagram_graph_calls_total{endpoint="/v25.0/{id}/media_publish"' in text
    usage = {s.labels["account"] for f in text_string_to_metric_families(text)
             for s in f.samples if s.name == "instagram_graph_usage_percent"}
    # Meta's usage headers, by app ("app") or Instagram account id.
    assert "app" in usage or any(a.isdigit() for a in usage)


def test_scheduled_jobs_are_named_timed_counted_and_quiet(app, caplog):
    from backend.scheduler import Scheduler
    jobs = Scheduler()
    jobs.init_app(app)
    seen = []
    jobs.add_job("demo_job", lambda a: seen.append(a) or {"done": 1}, minutes=5)
    jobs.add_job("broken_job", lambda a: 1 / 0, minutes=5)
    runs = {job.id: job for job in jobs.scheduler.get_jobs()}
    assert runs["demo_job"].name == "demo_job" and runs["demo_job"].func.__name__ == "demo_job"
    ok_before = sample("background_job_runs_total", job="demo_job", outcome="ok")
    with caplog.at_level(logging.DEBUG, logger="backend.scheduler"):
        runs["demo_job"].func()
        runs["broken_job"].func()  # logged and counted, never raised into APScheduler
    assert seen == [app]
    assert sample("background_job_runs_total", job="demo_job", outcome="ok") == ok_before + 1
    assert sample("background_job_runs_total", job="broken_job", outcome="error") >= 1
    assert sample("background_job_duration_seconds_count", job="demo_job") >= 1
    levels = {r.getMessage().split(" ")[1]: r.levelname for r in caplog.records}
    assert levels == {"demo_job": "DEBUG", "broken_job": "ERROR"}


def test_a_text_handler_before_the_json_one_leaves_it_the_request_id(client, auth_headers):
    # Two handlers (a text console, then a JSON file): the text formatter used to leave
    # request_id=None on the shared record, and every JSON line after it had none.
    text = logging.StreamHandler(io.StringIO())
    text.setFormatter(TextFormatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.addHandler(text)
    try:
        lines = json_lines(lambda: client.get(
            "/api/sns/instagram/accounts", headers={"X-Request-ID": "trace-from-proxy-2"}))
    finally:
        root.removeHandler(text)
    [line] = [x for x in lines if x["logger"] == "backend.request"]
    assert line["request_id"] == "trace-from-proxy-2"
    assert "[trace-from-proxy-2]" in text.stream.getvalue()
