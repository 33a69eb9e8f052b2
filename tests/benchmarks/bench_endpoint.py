"""Benchmark: the cost of a cheap authenticated endpoint. Reports figures; asserts nothing.

    python -m tests.benchmarks.bench_endpoint [--requests 10000]

The platform's GET /api/sns/instagram/accounts (limiter, JWT, one read, request log line,
metrics) against a bare Flask app doing the same JWT check (Flask-JWT-Extended) and the same
read (the user's accounts, as ORM objects) on the same database, in the same run:
in-process (test clients) and over HTTP (werkzeug on loopback, one keep-alive connection),
in alternating rounds. Goal: platform <= 1.2x bare.
"""
import argparse
import logging
import statistics
import tempfile
import threading
import time
from pathlib import Path

import requests
from flask import Flask, jsonify
from flask_jwt_extended import JWTManager, get_jwt_identity, jwt_required
from werkzeug.serving import make_server

from backend.extensions import db
from backend.models import SNSAccount
from backend.sandbox.core.server import start_sandbox
from tests.conftest import make_app


def bare_app(database_uri, secret):
    """Flask + Flask-JWT-Extended + Flask-SQLAlchemy and nothing else."""
    from flask_sqlalchemy import SQLAlchemy
    app = Flask("bare")
    app.config.update(SQLALCHEMY_DATABASE_URI=database_uri, JWT_SECRET_KEY=secret)
    JWTManager(app)
    bare_db = SQLAlchemy(app)

    @app.get("/accounts")
    @jwt_required()
    def accounts():
        # The same read as the platform's list: the user's connected accounts, as objects.
        rows = bare_db.session.execute(
            db.select(SNSAccount).filter_by(user_id=int(get_jwt_identity()),
                                            platform="instagram")
            .where(SNSAccount.status != "disconnected").order_by(SNSAccount.id)).scalars()
        return jsonify({"accounts": [{"id": a.id, "username": a.username} for a in rows]})
    return app


def timed_pair(first, second, count, rounds=20):
    """Per-call seconds of two calls, measured in alternating rounds (the machine's other
    load hits both alike): the median round of each, and the median of the rounds' ratios
    (each first round over the second round next to it: a busy moment slows both)."""
    for _ in range(min(200, count)):  # warm-up: imports, caches, connection pools
        first()
        second()
    results = ([], [])
    per_round = max(1, count // rounds)
    for _ in range(rounds):
        for call, out in ((first, results[0]), (second, results[1])):
            started = time.perf_counter()
            for _ in range(per_round):
                call()
            out.append((time.perf_counter() - started) / per_round)
    ratios = [a / b for a, b in zip(*results)]
    return statistics.median(results[0]), statistics.median(results[1]), \
        statistics.median(ratios)


def serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    sandbox = start_sandbox(port=0)
    with tempfile.TemporaryDirectory() as tmp:
        platform = make_app(Path(tmp), sandbox.url, INSTAGRAM_RATE_LIMIT="1000000/minute",
                            LOG_FORMAT="json")
        client = platform.test_client()
        client.post("/api/auth/register", json={"email": "b@example.com",
                                                "password": "correct horse battery"})
        token = client.post("/api/auth/login", json={
            "email": "b@example.com", "password": "correct horse battery"}).get_json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        bare = bare_app(platform.config["SQLALCHEMY_DATABASE_URI"],
                        platform.config["JWT_SECRET_KEY"])
        bare_client = bare.test_client()
        assert bare_client.get("/accounts", headers=headers).status_code == 200
        assert client.get("/api/sns/instagram/accounts", headers=headers).status_code == 200

        rows = []
        n = args.requests
        p_in, b_in, r_in = timed_pair(
            lambda: client.get("/api/sns/instagram/accounts", headers=headers),
            lambda: bare_client.get("/accounts", headers=headers), n)
        rows.append(("in-process (test client)", p_in, b_in, r_in))
        p_server, p_url = serve(platform)
        b_server, b_url = serve(bare)
        with requests.Session() as http:
            p_http, b_http, r_http = timed_pair(
                lambda: http.get(f"{p_url}/api/sns/instagram/accounts", headers=headers),
                lambda: http.get(f"{b_url}/accounts", headers=headers), n // 2)
        rows.append(("over HTTP (werkzeug, keep-alive)", p_http, b_http, r_http))
        p_server.shutdown()
        b_server.shutdown()
        with platform.app_context():
            db.engine.dispose()
    sandbox.shutdown()
    print(f"endpoint overhead, {n} requests each (goal: platform <= 1.2x bare)")
    print(f"{'':36} {'platform':>12} {'bare Flask':>12} {'ratio':>7}  (median of rounds)")
    for name, p, b, ratio in rows:
        print(f"{name:36} {p * 1e6:10.0f}us {b * 1e6:10.0f}us {ratio:6.2f}x")


if __name__ == "__main__":
    main()
