"""Readiness through a deploy: the database is upgraded first, then new workers start, and a
rollback leaves the database ahead of the code. Only a database behind the code is not ready."""
import pytest
from sqlalchemy import text

from backend.app import create_app, upgrade_database
from backend.extensions import db
from backend.schema import head_revisions


@pytest.fixture
def migrated(tmp_path, sandbox):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k" * 40,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'r.sqlite3'}",
                      "INSTAGRAM_SANDBOX_URL": sandbox.url, "SCHEDULER_ENABLED": False})
    upgrade_database(app)
    yield app
    with app.app_context():
        db.engine.dispose()


def set_revision(app, revision):
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": revision})


def code_head(app):
    [head] = head_revisions(app.extensions["migrate"].directory)
    return head


def test_a_database_migrated_ahead_of_the_code_is_ready_with_a_note(migrated):
    set_revision(migrated, "0099_from_a_newer_release")
    answer = migrated.test_client().get("/health/ready")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["status"] == "ready" and body["checks"]["migrations"] == "ahead"
    assert "0099_from_a_newer_release" in body["note"] and code_head(migrated) in body["note"]


def test_a_database_behind_the_code_is_not_ready_and_says_what_to_run(migrated):
    set_revision(migrated, "0007")
    answer = migrated.test_client().get("/health/ready")
    assert answer.status_code == 503
    migrations = answer.get_json()["checks"]["migrations"]
    assert "not at head" in migrations and "0007" in migrations and "db upgrade" in migrations
    assert "note" not in answer.get_json()


def test_at_head_there_is_no_note(migrated):
    body = migrated.test_client().get("/health/ready").get_json()
    assert body["checks"]["migrations"] == "ok" and "note" not in body


def test_before_migrations_jobs_say_once_what_to_do_instead_of_a_traceback_each_run(
        tmp_path, sandbox, caplog):
    import logging

    from backend.models import SNSPost
    from backend.scheduler import Scheduler
    from tests.prom import sample
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k" * 40,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'j.sqlite3'}",
                      "INSTAGRAM_SANDBOX_URL": sandbox.url, "SCHEDULER_ENABLED": False})
    jobs = Scheduler()
    jobs.init_app(app)
    jobs.add_job("reads_posts", lambda a: db.session.execute(db.select(SNSPost)).all(),
                 seconds=5)
    jobs.add_job("reads_more_posts", lambda a: db.session.execute(db.select(SNSPost)).all(),
                 seconds=5)
    runs = [job.func for job in jobs.scheduler.get_jobs()]
    waiting = sample("background_job_runs_total", job="reads_posts", outcome="not_migrated")
    with caplog.at_level(logging.INFO, logger="backend.scheduler"):
        for _ in range(3):
            for run in runs:
                run()
    records = [r for r in caplog.records if r.name == "backend.scheduler"]
    assert [r.levelname for r in records] == ["WARNING"]
    assert "db upgrade" in records[0].getMessage() and records[0].exc_info is None
    assert sample("background_job_runs_total", job="reads_posts",
                  outcome="not_migrated") == waiting + 3
    caplog.clear()
    upgrade_database(app)
    with caplog.at_level(logging.INFO, logger="backend.scheduler"):
        runs[0]()
        runs[1]()
    assert [r.getMessage() for r in caplog.records if r.name == "backend.scheduler"] == [
        "background jobs run again: the database is migrated"]
    with app.app_context():
        db.engine.dispose()
