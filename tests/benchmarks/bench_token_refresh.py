"""Benchmark: one run of the token refresh job over many due accounts. Reports figures.

    python -m tests.benchmarks.bench_token_refresh [--accounts 10000] [--latency-ms 50]
        [--concurrency N] [--database-url postgresql+psycopg://...]

Seeds the sandbox (in a process of its own, as Meta is; latency_ms on every call) with one
long-lived token per account, 25 hours old, and the platform's database with the accounts,
due for refresh; runs `refresh_due_tokens` once and reports: its time against the floor
(accounts x latency / calls in flight), the refresh calls the sandbox answered (duplicates
= calls - accounts), accounts whose token version moved by anything but one, the resident
memory while it ran, and, less noisy than time on a busy machine, this process's CPU time
and the database round trips (statements, transactions, pool checkouts) per token.
SQLite by default; PostgreSQL with --database-url.
"""
import argparse
import multiprocessing
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from collections import Counter
from pathlib import Path

import requests
from sqlalchemy import create_engine, event, text

from backend.extensions import db
from backend.models import SNSAccount, User, utcnow
from backend.sandbox.core.server import start_sandbox
from backend.sandbox.oauth.scopes import IG_REQUIRED
from backend.sandbox.oauth.tokens import IG_LONG
from backend.services.instagram.accounts.token_refresh import refresh_due_tokens
from backend.services.instagram.core.runtime import runtime
from tests.conftest import make_app

COUNTED = r"/refresh_access_token$"
SCOPES = ["instagram_business_basic", "instagram_business_content_publish",
          "instagram_business_manage_insights"]


def rss_mib():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2 ** 20


class MemorySampler(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.samples, self.done = [rss_mib()], threading.Event()

    def run(self):
        while not self.done.wait(0.25):
            self.samples.append(rss_mib())


def serve_sandbox(count, ready, stop):
    """The sandbox in a process of its own, as Meta is: seeds `count` long-lived tokens of
    the business persona, 25 hours old, sends (url, tokens) through `ready`, serves."""
    sandbox = start_sandbox(port=0, usage_calls_per_hour=10_000_000)
    state = sandbox.state
    subject = "17841400000000001"
    with state.lock:
        state.tokens.grant(state.settings["app_id"], subject).apply(SCOPES + [IG_REQUIRED], [])
        issued = state.now() - 25 * 3600
        tokens = [state.tokens.issue(IG_LONG, state.settings["app_id"], subject, issued,
                                     60 * 86400).value for _ in range(count)]
    ready.send((sandbox.url, tokens))
    stop.wait()
    sandbox.shutdown()


def seed_accounts(app, tokens):
    now = utcnow()
    cipher = runtime(app).cipher
    with app.app_context():
        user = User(email="bench@example.com", password_hash="x")
        db.session.add(user)
        db.session.flush()
        rows = [dict(user_id=user.id, platform="instagram", platform_user_id=f"bench{n}",
                     login_type="instagram", status="active", token_version=1,
                     access_token_encrypted=cipher.encrypt(token),
                     token_issued_at=now - timedelta(hours=25),
                     token_expires_at=now + timedelta(days=10), connected_at=now,
                     permissions=SCOPES, declined_permissions=[], profile={},
                     refresh_failures=0, job_failures=0, created_at=now, updated_at=now)
                for n, token in enumerate(tokens)]
        for start in range(0, len(rows), 2000):
            db.session.execute(db.insert(SNSAccount), rows[start:start + 2000])
        db.session.commit()


class RoundTrips:
    """Counts what a run asks of the database: statements, transactions ended, connections
    checked out of the pool (each a round trip; with pool_pre_ping a checkout pings) and
    connections opened (a pool too small for the threads closes and opens them again)."""

    def __init__(self, engine):
        self.counts = Counter()
        event.listen(engine, "before_cursor_execute", self.statement)
        event.listen(engine, "commit", lambda *_: self.counts.update(["commit"]))
        event.listen(engine, "rollback", lambda *_: self.counts.update(["rollback"]))
        event.listen(engine.pool, "checkout", lambda *_: self.counts.update(["checkout"]))
        event.listen(engine.pool, "connect", lambda *_: self.counts.update(["connect"]))

    def statement(self, _conn, _cursor, statement, *_):
        self.counts[statement.split(None, 1)[0].upper()] += 1

    def report(self, tokens):
        return ", ".join(f"{self.counts[k] / tokens:.1f} {k}" for k in
                         ("SELECT", "UPDATE", "commit", "rollback", "checkout", "connect"))


def refresh_calls(url, big):
    """Refresh calls the sandbox answered, from its zero-latency counting fault."""
    faults = requests.get(f"{url}/_sandbox/faults", timeout=10).json()["faults"]
    left = [f["times"] for f in faults if f["path"] == COUNTED]
    return big - (left[0] if left else 0)


def fresh_postgres(url):
    """A new database on the server of `url`; returns (its url, a function dropping it)."""
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return url.rsplit("/", 1)[0] + f"/{name}", drop


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=None)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--pool-size", type=int, default=None,
                        help="SQLAlchemy pool size (default: SQLAlchemy's 5 + 10 overflow)")
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    stop = context.Event()
    process = context.Process(target=serve_sandbox, args=(args.accounts, send, stop),
                              daemon=True)
    process.start()
    sandbox_url, tokens = receive.recv()
    big = 10 ** 9
    requests.post(f"{sandbox_url}/_sandbox/faults", timeout=10,
                  json={"path": COUNTED, "latency_ms": 0, "times": big})
    with tempfile.TemporaryDirectory() as tmp:
        overrides = {"INSTAGRAM_RATE_LIMIT": "1000000/minute", "LOG_LEVEL": "WARNING"}
        drop = None
        if args.database_url:
            overrides["SQLALCHEMY_DATABASE_URI"], drop = fresh_postgres(args.database_url)
        if args.pool_size:
            overrides["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True,
                                                      "pool_size": args.pool_size,
                                                      "max_overflow": args.pool_size}
        if args.concurrency:
            overrides["INSTAGRAM_REFRESH_CONCURRENCY"] = args.concurrency
        app = make_app(Path(tmp), sandbox_url, **overrides)
        in_flight = runtime(app).settings.INSTAGRAM_REFRESH_CONCURRENCY
        seed_accounts(app, tokens)
        del tokens
        requests.post(f"{sandbox_url}/_sandbox/settings", json={"latency_ms": args.latency_ms},
                      timeout=10)
        sampler = MemorySampler()
        sampler.start()
        with app.app_context():
            trips = RoundTrips(db.engine)
        started, cpu = time.perf_counter(), time.process_time()
        with app.app_context():
            result = refresh_due_tokens(app)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        sampler.done.set()
        sampler.join()
        calls = refresh_calls(sandbox_url, big)
        with app.app_context():
            versions = db.session.execute(db.select(SNSAccount.token_version)).scalars().all()
            db.engine.dispose()
        if drop is not None:
            drop()
    stop.set()
    process.join(timeout=10)
    floor = args.accounts * args.latency_ms / 1000 / in_flight
    memory = sampler.samples
    print(f"token refresh: {args.accounts} due accounts, Meta latency {args.latency_ms} ms, "
          f"{in_flight} in flight, {'PostgreSQL' if args.database_url else 'SQLite'}")
    print(f"  refreshed {result['refreshed']}, outcomes {result['outcomes']}")
    print(f"  time {elapsed:.1f} s, floor {floor:.1f} s, ratio {elapsed / floor:.2f}x "
          f"(goal <= 1.5x); {args.accounts / elapsed:.0f} tokens/s")
    print(f"  this process: {cpu / args.accounts * 1000:.2f} ms of CPU per token; database "
          f"per token: {trips.report(args.accounts)}")
    print(f"  refresh calls answered by the sandbox: {calls} (duplicates: "
          f"{calls - args.accounts}); tokens not moved by exactly one version: "
          f"{sum(1 for v in versions if v != 2)}")
    print(f"  resident memory: start {memory[0]:.0f} MiB, peak {max(memory):.0f} MiB, "
          f"end {memory[-1]:.0f} MiB")


if __name__ == "__main__":
    main()
