"""The one failure policy of jobs on leased rows: skip held rows, stop a failing row in time."""
import logging

from sqlalchemy import event

from backend.extensions import db
from backend.models import SNSPost
from backend.services.instagram.core.leases import claim
from backend.services.instagram.core.row_jobs import StopRows, work_on_rows
from tests.prom import sample


def test_one_failing_row_never_stops_the_others_and_ends_after_n_failures(
        app, post_ids, caplog):
    bad = post_ids[0]
    given_up = []

    def work(post, _lease):
        if post.id == bad:
            raise RuntimeError("boom")
        post.caption = "done"
        db.session.commit()
        return "ok"

    def give_up(row_id, exc):
        given_up.append((row_id, type(exc).__name__))
        db.session.get(SNSPost, row_id).status = "failed"

    limit = app.extensions["instagram"].settings.INSTAGRAM_JOB_MAX_FAILURES
    failures_before = sample("instagram_job_failures_total", job="test_job")
    with app.app_context(), caplog.at_level(logging.INFO):
        for run in range(limit):
            outcomes = work_on_rows("test_job", SNSPost, post_ids, work, give_up=give_up)
            assert outcomes == {"ok": 2, "internal_error": 1}
            assert given_up == ([] if run < limit - 1 else [(bad, "RuntimeError")])
        assert db.session.get(SNSPost, bad).status == "failed"
        assert db.session.get(SNSPost, bad).job_failures == 0  # reset once stopped
        assert db.session.get(SNSPost, bad).lease_owner is None
        assert all(db.session.get(SNSPost, i).caption == "done" for i in post_ids[1:])
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1  # logged once, then one line per repeat
    assert sample("instagram_job_failures_total", job="test_job") - failures_before == limit


def test_a_success_resets_the_consecutive_failures(app, post_ids):
    calls = []

    def work(post, _lease):
        calls.append(post.id)
        if len(calls) == 1:
            raise RuntimeError("once")
        return "ok"

    with app.app_context():
        work_on_rows("test_job", SNSPost, post_ids[:1], work, give_up=lambda *a: None)
        assert db.session.get(SNSPost, post_ids[0]).job_failures == 1
        work_on_rows("test_job", SNSPost, post_ids[:1], work, give_up=lambda *a: None)
        db.session.expire_all()
        assert db.session.get(SNSPost, post_ids[0]).job_failures == 0


def test_a_held_row_is_skipped_and_stop_rows_ends_the_batch(app, post_ids):
    with app.app_context():
        held = claim(SNSPost, post_ids[0], 60)

        def work(post, _lease):
            raise StopRows("paused")

        outcomes = work_on_rows("test_job", SNSPost, post_ids, work, give_up=None)
        assert outcomes == {"busy": 1, "paused": 1, "deferred": 1}
        held.release()


def test_before_each_can_stop_the_batch(app, post_ids):
    with app.app_context():
        seen = []
        outcomes = work_on_rows(
            "test_job", SNSPost, post_ids, lambda post, lease: seen.append(post.id) or "ok",
            give_up=None, before_each=lambda row_id: "over_budget" if seen else None)
        assert outcomes == {"ok": 1, "over_budget": 2}


def test_work_gets_the_row_from_its_claim_without_a_read_of_its_own(app, post_ids):
    statements, seen = [], []

    def count(_conn, _cursor, statement, *_):
        statements.append(statement.split(None, 1)[0].upper())

    def work(post, lease):
        seen.append((post.id, post.lease_owner == lease.owner, post in db.session))
        return "ok"

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            outcomes = work_on_rows("test_job", SNSPost, post_ids, work, give_up=print)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    assert outcomes == {"ok": len(post_ids)}
    assert seen == [(i, True, True) for i in post_ids]
    assert statements == ["UPDATE", "UPDATE"] * len(post_ids)  # claim, release


def test_a_row_the_session_already_holds_is_the_object_work_gets(app, post_ids):
    with app.app_context():
        post = db.session.get(SNSPost, post_ids[0])
        got = []
        work_on_rows("test_job", SNSPost, post_ids[:1], lambda row, _: got.append(row),
                     give_up=print)
        assert got[0] is post
