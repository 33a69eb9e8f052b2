"""How soon a reel is published once Instagram has processed it, and how many status reads
that costs: for 20, 60 and 180 s of processing, against the sandbox.

Time is travelled, not slept (time-machine moves the platform and the in-process sandbox
together), and each check runs when the post's own timer would fire, so the figures are
those of the scheduling itself. Three cases per duration:

- exact: the sandbox processes as the platform's first guess predicts;
- cold: the sandbox is twice as slow as the first guess (a new deployment);
- learned: the same, after the platform has seen a few such videos.

Run: python -m tests.benchmarks.bench_publish_lag [--durations 20,60,180]
Goal (issue): lag <= 3 s with <= 10 reads for 60 s, <= 15 reads for 180 s.
"""
import argparse
import tempfile
from datetime import timedelta
from pathlib import Path

import requests
import time_machine

from backend.extensions import db
from backend.models import SNSPost, utcnow
from backend.sandbox.core.server import start_sandbox
from backend.services.instagram.publishing.jobs import process_due_posts
from tests.conftest import connect_with_test_client, make_app
from tests.publishing.settle import next_due

BASE = 5.0  # the platform's and the sandbox's base seconds


def connect(app, sandbox):
    client = app.test_client()
    body = {"email": "bench@example.com", "password": "correct horse battery"}
    client.post("/api/auth/register", json=body)
    token = client.post("/api/auth/login", json=body).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    account = connect_with_test_client(client, headers)
    return client, headers, account["account"]["id"]


def publish_reel(app, sandbox, client, headers, account_id, seconds_of_video):
    video = (f"{sandbox.url}/_sandbox/samples/video.mp4?duration={seconds_of_video:g}"
             "&w=1080&h=1920")
    answer = client.post("/api/sns/instagram/reels", headers=headers,
                         json={"account_id": account_id, "video_url": video})
    post_id = answer.get_json()["post"]["id"]
    with app.app_context():
        for _ in range(500):
            post = db.session.get(SNSPost, post_id)
            if post.status in ("published", "failed"):
                break
            due = next_due(utcnow())
            with time_machine.travel(max(due, utcnow()) + timedelta(milliseconds=5),
                                     tick=False):
                process_due_posts(app)
            db.session.expire_all()
        post = db.session.get(SNSPost, post_id)
        return post.status, post.processing_started_at, post.published_at, post.status_reads


def run_case(app, sandbox, session, processing, sandbox_rate, warmup):
    requests.post(f"{sandbox.url}/_sandbox/settings", json={
        "video_processing_seconds": BASE, "video_processing_per_second": sandbox_rate,
        "video_processing_per_mb": 0})
    duration = (processing - BASE) / sandbox_rate
    for _ in range(warmup):
        publish_reel(app, sandbox, *session, duration)
    status, started, published, reads = publish_reel(app, sandbox, *session, duration)
    lag = (published - started).total_seconds() - processing if published else None
    return status, lag, reads


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--durations", default="20,60,180")
    args = parser.parse_args()
    sandbox = start_sandbox(port=0)
    print(f"{'processing':>10} {'case':>8} {'status':>10} {'lag s':>6} {'reads':>5}")
    for processing in [float(d) for d in args.durations.split(",")]:
        for case, rate, warmup in (("exact", 1.0, 0), ("cold", 2.0, 0), ("learned", 2.0, 3)):
            with tempfile.TemporaryDirectory() as tmp:
                sandbox.state.reset()
                app = make_app(Path(tmp), sandbox.url)
                session = connect(app, sandbox)
                status, lag, reads = run_case(app, sandbox, session, processing, rate, warmup)
                print(f"{processing:>10g} {case:>8} {status:>10} "
                      f"{lag if lag is None else round(lag, 2):>6} {reads:>5}")
                with app.app_context():
                    db.session.remove()
                    db.engine.dispose()
    sandbox.shutdown()


if __name__ == "__main__":
    main()
