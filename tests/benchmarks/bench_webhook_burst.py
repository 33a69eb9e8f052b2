"""How fast the platform answers a burst of webhook deliveries, and how long processing takes.

The sandbox's followers write 1,000 comments on one post; each is delivered as one signed
POST to the platform served over real HTTP (werkzeug, threaded, SQLite in a temporary
folder), `concurrency` at a time. Reported: the answer times the sandbox measured (the
issue's goal: every delivery answered within a second), then the time the webhook job
takes to turn the stored events into inbox comments.

Run: python -m tests.benchmarks.bench_webhook_burst [--count 1000] [--concurrency 1,4,8]
"""
import argparse
import statistics
import tempfile
import time
from pathlib import Path

import requests

from backend.extensions import db
from backend.sandbox.core.server import start_sandbox
from backend.services.instagram.comments.models import SNSComment
from backend.services.instagram.webhooks.processing import process_events
from tests.conftest import Live, authorize, make_app, register_and_login


def connect(live, sandbox):
    headers = register_and_login(live.http, live.url, "bench@example.com")
    callback, _state = authorize(live, headers)
    live.http.get(callback, headers={"Accept": "application/json"}).raise_for_status()
    requests.post(f"{sandbox.url}/_sandbox/webhooks",
                  json={"callback_url": live.api("/webhooks")}).raise_for_status()


def burst(sandbox, count, concurrency):
    started = time.perf_counter()
    answer = requests.post(f"{sandbox.url}/_sandbox/accounts/sandbox_business/comments",
                           json={"count": count, "delivery": {"concurrency": concurrency}},
                           timeout=600).json()["delivery"]
    elapsed = time.perf_counter() - started
    log = requests.get(f"{sandbox.url}/_sandbox/webhooks/deliveries",
                       params={"limit": count}).json()["data"]
    return answer["statuses"], sorted(d["duration_ms"] for d in log), elapsed


def process(app):
    started = time.perf_counter()
    with app.app_context():
        while process_events(app):
            pass
        stored = db.session.scalar(db.select(db.func.count(SNSComment.id)))
        db.session.remove()
    return stored, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--concurrency", default="1,4,8")
    args = parser.parse_args()
    print(f"{'concurrency':>11} {'statuses':>14} {'median ms':>9} {'p99 ms':>7} "
          f"{'max ms':>7} {'burst s':>7} {'process s':>9} {'inbox':>6}")
    for concurrency in (int(c) for c in args.concurrency.split(",")):
        sandbox = start_sandbox()
        with tempfile.TemporaryDirectory() as folder:
            app = make_app(Path(folder), sandbox.url, INSTAGRAM_RATE_LIMIT="100000/minute")
            live = Live(app)
            try:
                connect(live, sandbox)
                statuses, timings, elapsed = burst(sandbox, args.count, concurrency)
                stored, processing = process(app)
            finally:
                live.stop()
                sandbox.shutdown()
                with app.app_context():
                    db.engine.dispose()
        p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
        print(f"{concurrency:>11} {str(statuses):>14} {statistics.median(timings):>9.1f} "
              f"{p99:>7.1f} {timings[-1]:>7.1f} {elapsed:>7.1f} {processing:>9.1f} "
              f"{stored:>6}")


if __name__ == "__main__":
    main()
