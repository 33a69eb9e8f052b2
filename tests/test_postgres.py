"""The platform on PostgreSQL (psycopg): migrations, then a connected account end to end."""
import os
import uuid
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import create_engine, text

from backend.app import SERVER_POOL_SIZE, upgrade_database
from backend.extensions import db
from backend.models import SNSAccount, utcnow
from backend.services.instagram.insights.jobs import sync_insights
from tests.conftest import Live, make_app
from tests.rows import user_and_account

URL = os.environ.get("DATABASE_URL_TEST")
pytestmark = [pytest.mark.postgres, pytest.mark.skipif(
    not URL, reason="set DATABASE_URL_TEST=postgresql+psycopg://... (.ci/run does)")]


@pytest.fixture
def pg_url():
    """A throw-away database on the PostgreSQL server of DATABASE_URL_TEST."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_app(tmp_path, fresh_sandbox, pg_url):
    """The platform on a migrated PostgreSQL database, served over HTTP."""
    app = make_app(tmp_path, fresh_sandbox.url, SQLALCHEMY_DATABASE_URI=pg_url)
    with app.app_context():
        db.drop_all()
    upgrade_database(app)
    live = Live(app)
    yield app, live
    live.stop()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_migrations_and_connect_on_postgresql(pg_app):
    from tests.conftest import authorize, register_and_login
    app, live = pg_app
    headers = register_and_login(live.http, live.url, "pg@example.com")
    callback, _ = authorize(live, headers)
    assert live.http.get(callback).status_code == 201
    again, _ = authorize(live, headers)
    assert live.http.get(again).status_code == 201
    with app.app_context():
        rows = db.session.execute(db.select(SNSAccount)).scalars().all()
        assert len(rows) == 1 and rows[0].connected_at.tzinfo is not None
        assert db.engine.pool.size() == SERVER_POOL_SIZE  # one per refresh thread, kept


def test_publish_insights_and_sync_on_postgresql(pg_app, fresh_sandbox):
    """The insights queries (schedule, per-account batches, upserts, history) on PostgreSQL."""
    from tests.conftest import authorize, register_and_login
    app, live = pg_app
    headers = register_and_login(live.http, live.url, "pg@example.com")
    callback, _ = authorize(live, headers)
    account = live.http.get(callback, headers={"Accept": "application/json"}).json()["account"]
    image = f"{fresh_sandbox.url}/_sandbox/samples/image.jpg?w=1080&h=1350"
    post = live.http.post(live.api("/posts"), headers=headers,
                          json={"account_id": account["id"], "image_url": image}).json()["post"]
    assert post["status"] == "published"
    start = utcnow()
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        with app.app_context():
            stats = sync_insights(app)
        assert stats == {"posts_available": 1, "accounts_synced": 1}
        got = live.http.get(live.api(f"/{post['id']}/insights"), headers=headers).json()
        assert got["insights"]["source"] == "cache" and got["insights"]["metrics"]["reach"]
        history = live.http.get(live.api(f"/accounts/{account['id']}/insights/history"),
                                headers=headers).json()
        assert history["series"]["views"][0]["end_time"].endswith("Z")


def test_leases_on_postgresql(pg_app):
    """The lease's clock in SQL against stored times, and one winner among racing claimers."""
    from backend.models import SNSPost
    from tests.core.test_leases import (
        check_one_of_many_concurrent_claimers_wins,
        check_the_clock_in_sql_compares_with_stored_times,
        check_the_write_ending_the_work_releases_only_its_own_lease)
    app, _live = pg_app
    with app.app_context():
        user, account = user_and_account("leases@b.co", "l1")
        post = SNSPost(user_id=user.id, account_id=account.id, post_type="feed")
        db.session.add(post)
        db.session.commit()
        check_the_clock_in_sql_compares_with_stored_times(post.id)
        check_the_write_ending_the_work_releases_only_its_own_lease(post.id)
    check_one_of_many_concurrent_claimers_wins(app, post.id)
