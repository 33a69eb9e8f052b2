"""gunicorn as an operator runs it: one JSON stream with gunicorn's own lines in it and no
secret in the access log, and workers that stay ready on a database a newer release migrated."""
import json
import time

import pytest

pytestmark = pytest.mark.multiworker


def wait_for(cluster, predicate, timeout=10):
    """The log's lines once `predicate(lines)` holds (workers write after answering)."""
    deadline = time.monotonic() + timeout
    while True:
        lines = [x for x in cluster.log_path.read_text().splitlines() if x.strip()]
        if predicate(lines) or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


def test_one_json_stream_without_secrets(start_cluster):
    cluster = start_cluster(workers=2, args=["--access-logfile", "-"])
    cluster.http.get(cluster.api("/callback?code=SECRET-CODE&state=SECRET-STATE"))
    cluster.http.get(cluster.api("/webhooks?hub.mode=subscribe&hub.verify_token=VERIFY-SECRET"
                                 "&hub.challenge=42"))
    cluster.http.get(f"{cluster.url}/x%0Aforged%20line")
    lines = wait_for(cluster, lambda lines: sum("gunicorn.access" in x for x in lines) >= 3)
    records = [json.loads(line) for line in lines]  # every line, gunicorn's included
    loggers = {r["logger"] for r in records}
    assert {"gunicorn.error", "gunicorn.access", "backend.request"} <= loggers
    text = "\n".join(lines)
    for secret in ("SECRET-CODE", "SECRET-STATE", "VERIFY-SECRET"):
        assert secret not in text
    access = [r for r in records if r["logger"] == "gunicorn.access"]
    assert all(len(r["request_id"]) == 32 for r in access)  # the X-Request-ID answered
    assert not any(r["message"].startswith("forged") for r in records)


def test_workers_stay_ready_on_a_database_a_newer_release_migrated(start_cluster, pg_database):
    from sqlalchemy import create_engine, text
    engine = create_engine(pg_database)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099_newer'"))
    engine.dispose()
    cluster = start_cluster()  # waits for every worker's 200 from /health/ready
    answers = [cluster.http.get(f"{cluster.url}/health/ready").json() for _ in range(6)]
    assert {a["checks"]["migrations"] for a in answers} == {"ahead"}
    assert all("0099_newer" in a["note"] for a in answers)
