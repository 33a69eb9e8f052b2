"""Benchmark: insights storage at scale. Reports figures; asserts nothing about speed.

    python -m tests.benchmarks.bench_insights [--posts 2000] [--snapshots 30]

Fills SQLite with `posts` published posts of one account, each with `snapshots` stored
fetches of 10 metrics (2000 x 30 = 600,000 SNSAnalytics rows), plus a year of daily account
totals, then times the reads the endpoints and the sync make, and the sync's scheduling
pass, with tracemalloc's peak for each.
"""
import argparse
import statistics
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

from backend.extensions import db
from backend.models import SNSAccount, SNSAnalytics, SNSPost, User, utcnow
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.insights.jobs import due_posts, schedule_new_posts
from backend.services.instagram.insights.store import (account_history, latest_media_values,
                                                       media_history)
from tests.conftest import make_app

METRICS = ("views", "reach", "likes", "comments", "shares", "saved", "total_interactions",
           "profile_visits", "follows", "profile_activity")


def fill(posts, snapshots):
    now = utcnow()
    user = User(email="bench@example.com", password_hash="x")
    db.session.add(user)
    db.session.flush()
    account = SNSAccount(user_id=user.id, platform_user_id="1784", status="active",
                         permissions=[], login_type="instagram")
    db.session.add(account)
    db.session.flush()
    post_rows = [dict(user_id=user.id, account_id=account.id, post_type="feed",
                      status="published", platform_post_id=str(10 ** 16 + n),
                      published_at=now - timedelta(hours=n), request={}, items=[])
                 for n in range(posts)]
    db.session.execute(db.insert(SNSPost), post_rows)
    ids = db.session.execute(db.select(SNSPost.id, SNSPost.platform_post_id)).all()
    batch = []
    for post_id, media_id in ids:
        for s in range(snapshots):
            fetched = now - timedelta(hours=s * 6)
            batch.extend(dict(platform="instagram", account_id=account.id, post_id=post_id,
                              media_id=media_id, metric=m, value=float(s), period="lifetime",
                              fetched_at=fetched) for m in METRICS)
        if len(batch) > 50_000:
            db.session.execute(db.insert(SNSAnalytics), batch)
            batch = []
    for day in range(365):
        end = now - timedelta(days=day)
        batch.extend(dict(platform="instagram", account_id=account.id, metric=m, value=1.0,
                          period="day", start_time=end - timedelta(days=1), end_time=end,
                          fetched_at=end) for m in METRICS)
    db.session.execute(db.insert(SNSAnalytics), batch)
    db.session.commit()
    return account.id, [media for _id, media in ids]


def measure(name, func, repeat):
    """Median and p95 of `repeat` timed runs, then one more run under tracemalloc (which
    slows Python down, so it is never timed) for the peak memory."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
        db.session.rollback()
    tracemalloc.start()
    func()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    db.session.rollback()
    print(f"{name:<44} median {statistics.median(times):8.2f} ms   "
          f"p95 {sorted(times)[max(0, int(len(times) * 0.95) - 1)]:8.2f} ms   "
          f"peak {peak / 1024:8.0f} KiB   ({repeat} runs)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--snapshots", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(Path(tmp), "http://127.0.0.1:9")
        with app.app_context():
            started = time.perf_counter()
            account_id, media_ids = fill(args.posts, args.snapshots)
            rows = db.session.query(SNSAnalytics).count()
            print(f"filled {rows:,} SNSAnalytics rows for {args.posts:,} posts in "
                  f"{time.perf_counter() - started:.1f} s")
            settings = runtime(app).settings
            middle = media_ids[len(media_ids) // 2]
            measure("latest values of one media (GET insights)",
                    lambda: latest_media_values(middle, account_id), 200)
            measure("history of one media, all metrics",
                    lambda: media_history(middle, account_id), 100)
            measure("account history, 30 days, one metric",
                    lambda: account_history(account_id, ["views"],
                                            utcnow() - timedelta(days=30), utcnow()), 100)
            measure("account history, a year, all metrics",
                    lambda: account_history(account_id), 20)
            measure("sync: schedule new posts + pick due posts",
                    lambda: (schedule_new_posts(utcnow(), settings),
                             due_posts(utcnow(), settings)), 20)


if __name__ == "__main__":
    main()
