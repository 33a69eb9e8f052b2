"""Three gunicorn workers, one PostgreSQL, one Redis: limits, throttles and the breaker hold
for every worker; posts are published and tokens refreshed once while every worker runs the
scheduler; /metrics sums the workers; --preload hands the scheduler to the workers."""
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.multiworker.conftest import sandbox_counter

pytestmark = pytest.mark.multiworker


def fetch_all(cluster, urls, headers):
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda url: cluster.http.get(url, headers=headers), urls))


def test_the_per_user_limit_is_exact_across_workers(start_cluster):
    cluster = start_cluster(INSTAGRAM_RATE_LIMIT="20/minute")
    assert len(cluster.pids) == 3
    headers = cluster.user("limit@example.com")
    answers = fetch_all(cluster, [cluster.api("/accounts")] * 45, headers)
    statuses = [a.status_code for a in answers]
    assert statuses.count(200) == 20 and statuses.count(429) == 25
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 429} == \
        {"rate_limited"}


def test_a_throttled_account_is_refused_by_every_worker(start_cluster, fresh_sandbox):
    cluster = start_cluster()
    headers = cluster.user("throttle@example.com")
    account = cluster.connect(headers, "throttled_shop")
    fresh_sandbox.state.faults.add({"path": r"/me$", "code": 80002, "times": 1,
                                    "message": "Application request limit reached"})
    info = cluster.api(f"/account/info?account_id={account['id']}")
    first = cluster.http.get(info, headers=headers)
    assert first.status_code == 429 and first.json()["error"]["code"] == "instagram_rate_limited"
    calls = sandbox_counter(fresh_sandbox, r"/me$")
    later = fetch_all(cluster, [info] * 24, headers)
    assert {a.status_code for a in later} == {429}
    assert calls() == 0  # no worker called Meta during the block


def test_the_breaker_opens_for_every_worker(start_cluster, fresh_sandbox):
    cluster = start_cluster(INSTAGRAM_CIRCUIT_FAILURES="3", INSTAGRAM_MAX_RETRIES="1",
                            INSTAGRAM_CIRCUIT_COOLDOWN_SECONDS="300")
    headers = cluster.user("breaker@example.com")
    account = cluster.connect(headers, "breaker_shop")
    fresh_sandbox.state.faults.add({"path": r"/me$", "code": 2, "http_status": 500,
                                    "times": 3})
    info = cluster.api(f"/account/info?account_id={account['id']}")
    for _ in range(3):
        assert cluster.http.get(info, headers=headers).status_code == 503
    calls = sandbox_counter(fresh_sandbox, r"/graph.instagram.com/")
    later = fetch_all(cluster, [info] * 24, headers)
    assert {a.json()["error"]["code"] for a in later} == {"instagram_unavailable"}
    assert calls() == 0
    states = {s.labels["state"]: s.value for f in text_string_to_metric_families(
        cluster.http.get(f"{cluster.url}/metrics").text) for s in f.samples
        if f.name == "instagram_circuit_breaker_state"
        and s.labels["host"].endswith("/graph.instagram.com")}
    assert states["open"] == 1


def test_posts_published_and_tokens_refreshed_once_while_every_worker_runs_jobs(
        start_cluster, fresh_sandbox):
    cluster = start_cluster(INSTAGRAM_SYNC_PUBLISH_TIMEOUT="0", INSTAGRAM_PUBLISH_POLL_SECONDS="1",
                            INSTAGRAM_REFRESH_INTERVAL_MINUTES="0.02",
                            INSTAGRAM_RATE_LIMIT="100000/minute")
    headers = cluster.user("jobs@example.com")
    accounts = [cluster.connect(headers, f"jobs_shop{n}") for n in range(4)]
    video = f"{fresh_sandbox.url}/_sandbox/samples/video.mp4?duration=8&w=1080&h=1920"
    publishes = sandbox_counter(fresh_sandbox, r"/media_publish$")
    posts = [cluster.http.post(cluster.api("/reels"), headers=headers, json={
        "account_id": accounts[n % 2]["id"], "video_url": video, "caption": f"reel {n}"})
        for n in range(6)]
    assert all(p.status_code == 202 for p in posts), [p.text for p in posts]
    ids = [p.json()["post"]["id"] for p in posts]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        statuses = [cluster.http.get(cluster.api(f"/posts/{i}/status"),
                                     headers=headers).json()["post"]["status"] for i in ids]
        if all(s == "published" for s in statuses):
            break
        time.sleep(0.5)
    assert statuses == ["published"] * 6
    assert publishes() == 6
    media = [m for a in accounts[:2] for m in cluster.http.get(
        cluster.api(f"/media?account_id={a['id']}"), headers=headers).json()["data"]]
    reels = sorted(m["caption"] for m in media if (m.get("caption") or "").startswith("reel "))
    assert reels == [f"reel {n}" for n in range(6)]  # each once on Instagram, none twice

    # Make every token a day old and due (the sandbox's clock moves with it), then let
    # every worker's refresh job run a few times.
    fresh_sandbox.state.clock.advance(25 * 3600)
    refreshes = sandbox_counter(fresh_sandbox, r"/refresh_access_token$")
    cluster.sql("UPDATE sns_accounts SET token_issued_at = now() - interval '25 hours', "
                "token_expires_at = now() + interval '10 days'")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        versions = [v for (v,) in cluster.sql("SELECT token_version FROM sns_accounts")]
        if all(v == 2 for v in versions):
            break
        time.sleep(0.5)
    time.sleep(3)  # more runs of every worker's job: nothing is due any more
    assert sorted(v for (v,) in cluster.sql("SELECT token_version FROM sns_accounts")) == \
        [2, 2, 2, 2]
    assert refreshes() == 4


def test_metrics_are_summed_across_workers(start_cluster):
    cluster = start_cluster()
    for _ in range(30):
        assert cluster.http.get(f"{cluster.url}/health/live").status_code == 200

    def served():
        for family in text_string_to_metric_families(
                cluster.http.get(f"{cluster.url}/metrics").text):
            for s in family.samples:
                if s.name == "http_requests_total" and s.labels["route"] == "/health/live":
                    yield s.value
    # Whichever worker answers the scrape, it reports all 30 (one worker saw about 10).
    assert [sum(served()) for _ in range(6)] == [30.0] * 6


def test_preload_hands_the_scheduler_to_every_worker(start_cluster):
    cluster = start_cluster(workers=2, preload=True)
    answers = [cluster.http.get(f"{cluster.url}/health/ready").json() for _ in range(20)]
    assert {a["checks"]["scheduler"] for a in answers} == {"running"}
    assert {a["pid"] for a in answers} <= cluster.pids and len(cluster.pids) == 2
    log = cluster.log_path.read_text()
    assert "handed over to the forked worker processes" in log
    assert log.count("scheduler: started in worker process") == 2
