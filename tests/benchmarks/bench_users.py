"""Benchmark: many users on 3 gunicorn workers (PostgreSQL, Redis). Reports figures.

    python -m tests.benchmarks.bench_users [--users 1000] [--requests 12] [--limit 10]
        [--throttled 5]

Every user sends `requests` authenticated requests (GET /accounts) with a per-user limit of
`limit` a minute, from 32 client threads; `throttled` of them first connect an Instagram
account, whose first Graph call Meta (the sandbox) answers with a throttle (80002), and then
ask for its profile 4 times through any worker. Reports throughput, requests let through
past each user's limit, and Graph calls made to a throttled account after its block (both
should be 0). Needs DATABASE_URL_TEST and REDIS_URL_TEST (.ci/run sets them).
"""
import argparse
import os
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from flask import Flask
from flask_jwt_extended import JWTManager, create_access_token

from backend.sandbox.core.server import start_sandbox
from tests.multiworker.conftest import Cluster, migrated_database, sandbox_counter

SECRET = "multiworker-secret-key-long-enough-for-hs256"  # Cluster's SECRET_KEY


def mint_tokens(user_ids):
    """Logins for users made straight in the database (the register endpoint is limited
    per address, as it should be)."""
    app = Flask("tokens")
    app.config["JWT_SECRET_KEY"] = SECRET
    JWTManager(app)
    with app.app_context():
        return {u: {"Authorization": f"Bearer {create_access_token(identity=str(u))}"}
                for u in user_ids}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=12)
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--throttled", type=int, default=5)
    args = parser.parse_args()
    pg, redis_url = os.environ.get("DATABASE_URL_TEST"), os.environ.get("REDIS_URL_TEST")
    if not (pg and redis_url):
        raise SystemExit("set DATABASE_URL_TEST and REDIS_URL_TEST")
    sandbox = start_sandbox(port=0, usage_calls_per_hour=10_000_000)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        url, drop = migrated_database(pg, tmp, sandbox.url)
        cluster = Cluster(tmp, sandbox, url, INSTAGRAM_RATE_LIMIT=f"{args.limit}/minute",
                          LOG_LEVEL="WARNING")
        try:
            report = run(cluster, sandbox, args)
        finally:
            cluster.stop()
            drop()
    sandbox.shutdown()
    print(report)


def run(cluster, sandbox, args):
    cluster.sql("INSERT INTO users (email, password_hash, created_at, updated_at) "
                "SELECT 'user' || n || '@example.com', 'x', now(), now() "
                "FROM generate_series(1, :n) AS n", n=args.users)
    ids = [i for (i,) in cluster.sql("SELECT id FROM users ORDER BY id")]
    headers = mint_tokens(ids)
    throttled = ids[:args.throttled]
    accounts = {u: cluster.connect(headers[u], f"busy_shop{u}")["id"] for u in throttled}
    # The limit holds per user and endpoint (Flask-Limiter's blueprint limits): counted so.
    passed = Counter()
    sandbox.state.faults.add({"path": r"/me$", "code": 80002, "times": len(throttled),
                              "message": "Application request limit reached"})
    graph_calls = sandbox_counter(sandbox, r"/me$")
    local = threading.local()
    answers = Counter()

    def user_session(user):
        if not hasattr(local, "http"):
            local.http = requests.Session()
        http = local.http
        if user in accounts:
            for _ in range(4):
                answer = http.get(cluster.api(f"/account/info?account_id={accounts[user]}"),
                                  headers=headers[user])
                answers[answer.status_code] += 1
                if answer.status_code != 429 or answer.json()["error"]["code"] != "rate_limited":
                    passed[user, "info"] += 1
        for _ in range(args.requests):
            answer = http.get(cluster.api("/accounts"), headers=headers[user])
            answers[answer.status_code] += 1
            if answer.status_code == 200:
                passed[user, "accounts"] += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=32) as pool:
        list(pool.map(user_session, ids))
    elapsed = time.perf_counter() - started
    total = sum(answers.values())
    past_limit = sum(max(0, n - args.limit) for n in passed.values())
    at_limit = sum(1 for u in ids if passed[u, "accounts"] == min(args.limit, args.requests))
    return "\n".join([
        f"users on 3 gunicorn workers (PostgreSQL, Redis): {args.users} users x "
        f"{args.requests} requests, limit {args.limit}/minute each, 32 client threads",
        f"  {total} requests in {elapsed:.1f} s ({total / elapsed:.0f} req/s); answers "
        f"{dict(sorted(answers.items()))}",
        f"  requests past a user's limit: {past_limit} (users let through exactly up to the "
        f"limit: {at_limit} of {args.users})",
        f"  Graph calls to {len(throttled)} throttled accounts: {graph_calls()} "
        f"(one each before Meta's block; calls past the block: "
        f"{graph_calls() - len(throttled)})",
    ])


if __name__ == "__main__":
    main()
