"""Leases: one holder per row, a fresh owner per claim, renewal, the database clock."""
import threading
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import update

from backend.extensions import db
from backend.models import SNSPost, utcnow
from backend.services.instagram.core.leases import (LeaseLost, claim, db_now, one_statement,
                                                    release_values)


def _expire(row_id):
    """What the passing of the lease's time does, on the database clock."""
    with db.engine.begin() as conn:
        conn.execute(update(SNSPost.__table__).where(SNSPost.__table__.c.id == row_id)
                     .values(lease_until=db_now(conn) - timedelta(seconds=1)))


def test_two_claims_in_one_process_are_two_holders(app, post_id):
    """No re-entrancy: the same thread, the same process, still only one holder."""
    with app.app_context():
        first = claim(SNSPost, post_id, 60)
        assert first is not None
        assert claim(SNSPost, post_id, 60) is None
        first.release()
        second = claim(SNSPost, post_id, 60)
        assert second is not None and second.owner != first.owner


def test_an_old_holder_cannot_renew_or_release_a_lease_taken_over(app, post_id):
    with app.app_context():
        old = claim(SNSPost, post_id, 60)
        _expire(post_id)
        new = claim(SNSPost, post_id, 60)
        assert new is not None
        with pytest.raises(LeaseLost):
            old.renew()
        old.release()
        row = db.session.get(SNSPost, post_id)
        assert row.lease_owner == new.owner and row.lease_until > db_now()
        assert claim(SNSPost, post_id, 60) is None
        new.renew()
        new.release()
        db.session.expire_all()
        assert db.session.get(SNSPost, post_id).lease_owner is None


def test_an_expired_lease_cannot_be_renewed_even_if_nobody_took_it(app, post_id):
    with app.app_context():
        lease = claim(SNSPost, post_id, 60)
        _expire(post_id)
        with pytest.raises(LeaseLost):
            lease.renew()


def test_renewal_extends_the_lease_on_the_database_clock(app, post_id):
    with app.app_context():
        lease = claim(SNSPost, post_id, 60)
        first = lease.until
        lease.renew()
        assert lease.until >= first
        assert abs((lease.until - db_now()).total_seconds() - 60) < 5
        lease.release()


def test_leases_use_the_database_clock_not_the_applications(app, post_id):
    with app.app_context(), time_machine.travel(utcnow() + timedelta(days=3)):
        lease = claim(SNSPost, post_id, 60)
        assert abs((lease.until - db_now()).total_seconds() - 60) < 5
        assert lease.until < utcnow()  # the app's clock is three days ahead
        lease.release()


def test_a_claim_never_commits_the_callers_session(app, post_id):
    with app.app_context():
        post = db.session.get(SNSPost, post_id)
        post.caption = "not committed"
        lease = claim(SNSPost, post_id, 60)
        lease.renew()
        lease.release()
        db.session.rollback()
        assert db.session.get(SNSPost, post_id).caption is None


def test_a_lease_leaves_updated_at_alone(app, post_id):
    """updated_at is the row's own history (issue: recovery windows were anchored on it)."""
    with app.app_context():
        before = db.session.get(SNSPost, post_id).updated_at
        with claim(SNSPost, post_id, 60) as lease:
            lease.renew()
        db.session.expire_all()
        assert db.session.get(SNSPost, post_id).updated_at == before


def test_the_deadline_leaves_a_margin_and_ensure_renews_late(app, post_id):
    with app.app_context():
        lease = claim(SNSPost, post_id, 10)
        assert 7 < lease.time_left() <= 8
        lease._expires -= 6  # as if six seconds had passed
        lease.ensure()
        assert lease.time_left() > 7
        lease.release()


def _held_until(row_id, delta):
    """Another holder's lease, written as the ORM writes times (a bound datetime), ending
    `delta` from the database's now."""
    with db.engine.begin() as conn:
        conn.execute(update(SNSPost.__table__).where(SNSPost.__table__.c.id == row_id)
                     .values(lease_owner="another", lease_until=db_now(conn) + delta))


def check_the_clock_in_sql_compares_with_stored_times(row_id):
    """The claim's time, computed in SQL, against a stored lease within the same second:
    the text SQLite compares must be in one form (a different one is off by up to a day)."""
    _held_until(row_id, timedelta(milliseconds=300))
    assert claim(SNSPost, row_id, 60) is None  # held for 0.3 s more
    _held_until(row_id, -timedelta(milliseconds=300))
    lease = claim(SNSPost, row_id, 60)  # ended 0.3 s ago
    assert lease is not None
    db.session.expire_all()
    stored = db.session.get(SNSPost, row_id)
    assert stored.lease_owner == lease.owner
    assert abs((stored.lease_until - lease.until).total_seconds()) < 0.001
    assert lease.until.utcoffset() == timedelta(0)
    assert 59 < (lease.until - db_now()).total_seconds() <= 60
    lease.renew()
    db.session.expire_all()
    assert abs((db.session.get(SNSPost, row_id).lease_until - lease.until).total_seconds()) \
        < 0.001
    lease.release()


def check_one_of_many_concurrent_claimers_wins(app, row_id, claimers=8):
    barrier = threading.Barrier(claimers)
    won = []

    def attempt():
        with app.app_context():
            barrier.wait()
            won.append(claim(SNSPost, row_id, 60))
    threads = [threading.Thread(target=attempt) for _ in range(claimers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len([lease for lease in won if lease is not None]) == 1


def test_the_clock_in_sql_compares_with_stored_times(app, post_id):
    with app.app_context():
        check_the_clock_in_sql_compares_with_stored_times(post_id)


def test_one_of_many_concurrent_claimers_wins(app, post_id):
    for _ in range(5):
        check_one_of_many_concurrent_claimers_wins(app, post_id)
        with app.app_context():
            _held_until(post_id, -timedelta(seconds=1))


def test_a_claim_can_return_the_row_it_took(app, post_id):
    with app.app_context():
        lease = claim(SNSPost, post_id, 60, read_row=True)
        row = db.session.get(SNSPost, post_id)
        assert lease.row["id"] == post_id and lease.row["post_type"] == row.post_type
        assert lease.row["lease_owner"] == lease.owner == row.lease_owner
        assert lease.row["lease_until"] == lease.until == row.lease_until
        lease.release()


def _finish(post_id, lease):
    """The UPDATE that ends a row's work, releasing the lease as it goes."""
    table = SNSPost.__table__
    with one_statement() as conn:
        conn.execute(update(table).where(table.c.id == post_id)
                     .values(caption="done", **release_values(table, lease.owner)))


def check_the_write_ending_the_work_releases_only_its_own_lease(post_id):
    """In an app context (tests/test_postgres.py runs it on PostgreSQL too)."""
    lease = claim(SNSPost, post_id, 60, read_row=True)
    assert lease.row["id"] == post_id and lease.row["lease_owner"] == lease.owner
    lease.record_failure()
    _finish(post_id, lease)
    lease.released()
    lease.release()  # nothing left to do
    db.session.expire_all()
    row = db.session.get(SNSPost, post_id)
    assert (row.caption, row.lease_owner, row.lease_until, row.job_failures) == (
        "done", None, None, 0)
    old = claim(SNSPost, post_id, 60)
    _expire(post_id)
    new = claim(SNSPost, post_id, 60)
    new.record_failure()
    _finish(post_id, old)  # written, but the lease and the failures are the new holder's
    db.session.expire_all()
    row = db.session.get(SNSPost, post_id)
    assert (row.lease_owner, row.job_failures) == (new.owner, 1)
    new.release()


def test_the_write_ending_the_work_releases_only_its_own_lease(app, post_id):
    with app.app_context():
        check_the_write_ending_the_work_releases_only_its_own_lease(post_id)
