"""How late scheduled posts go live when many are due at once: N posts due in the same
minute over M accounts, against the sandbox, in real time (time-machine moves the clock to
just before the posts' start, then lets it run).

Run: python -m tests.benchmarks.bench_schedule [--posts 1000 --accounts 50 --workers 1]
Reports the median and worst lateness (published_at - publish_at) and the throughput.
"""
import argparse
import statistics
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import time_machine

from backend.extensions import db
from backend.models import SNSPost, utcnow
from backend.sandbox.core.server import start_sandbox
from backend.services.instagram.publishing.jobs import process_due_posts
from tests.conftest import connect_with_test_client, make_app


def connect_accounts(app, sandbox, count):
    client = app.test_client()
    body = {"email": "bench@example.com", "password": "correct horse battery"}
    client.post("/api/auth/register", json=body)
    token = client.post("/api/auth/login", json=body).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    ids = []
    for n in range(count):
        connected = connect_with_test_client(client, headers, sandbox_username=f"bench_{n:03d}")
        ids.append(connected["account"]["id"])
    return client, headers, ids


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1,
                        help="threads running the publishing job at once (as workers would)")
    args = parser.parse_args()
    sandbox = start_sandbox(port=0, publish_quota=10_000)
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(Path(tmp), sandbox.url, INSTAGRAM_MIN_POST_SPACING_MINUTES=0,
                       INSTAGRAM_RATE_LIMIT="100000/minute",
                       INSTAGRAM_CONNECT_RATE_LIMIT="100000/minute")
        client, headers, accounts = connect_accounts(app, sandbox, args.accounts)
        when = (utcnow() + timedelta(hours=1)).replace(second=0, microsecond=0)
        image = f"{sandbox.url}/_sandbox/samples/image.jpg?w=1080&h=1350"
        for n in range(args.posts):
            answer = client.post("/api/sns/instagram/posts", headers=headers, json={
                "account_id": accounts[n % len(accounts)], "image_url": image,
                "caption": f"bench {n}", "publish_at": when.isoformat()})
            assert answer.status_code == 202, answer.get_json()
        lead = app.extensions["instagram"].settings.INSTAGRAM_SCHEDULE_LEAD_SECONDS
        started = time.monotonic()
        with time_machine.travel(when - timedelta(seconds=lead + 1), tick=True):
            def work():
                with app.app_context():
                    while True:
                        left = db.session.scalar(db.select(db.func.count(SNSPost.id)).where(
                            SNSPost.status != "published"))
                        if not left:
                            return
                        if not process_due_posts(app, limit=50):
                            time.sleep(0.05)
                        db.session.remove()
            threads = [threading.Thread(target=work) for _ in range(args.workers)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        elapsed = time.monotonic() - started
        with app.app_context():
            late = sorted((p.published_at - p.publish_at).total_seconds() for p in
                          db.session.execute(db.select(SNSPost)).scalars())
        print(f"posts {args.posts}, accounts {args.accounts}, job threads {args.workers}")
        print(f"lateness: median {statistics.median(late):.2f} s, worst {late[-1]:.2f} s, "
              f"early {sum(1 for x in late if x < 0)}")
        print(f"wall time from the first start to the last publish: {elapsed:.1f} s")
    sandbox.shutdown()


if __name__ == "__main__":
    main()
