"""The platform on PostgreSQL (psycopg): migrations, then a connected account end to end."""
import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from backend.app import upgrade_database
from backend.extensions import db
from backend.models import SNSAccount
from tests.conftest import Live, make_app

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


def test_migrations_and_connect_on_postgresql(tmp_path, fresh_sandbox, pg_url):
    from tests.conftest import authorize, register_and_login
    app = make_app(tmp_path, fresh_sandbox.url, SQLALCHEMY_DATABASE_URI=pg_url)
    with app.app_context():
        db.drop_all()
    upgrade_database(app)
    live = Live(app)
    try:
        headers = register_and_login(live.http, live.url, "pg@example.com")
        callback, _ = authorize(live, headers)
        assert live.http.get(callback).status_code == 201
        again, _ = authorize(live, headers)
        assert live.http.get(again).status_code == 201
        with app.app_context():
            rows = db.session.execute(db.select(SNSAccount)).scalars().all()
            assert len(rows) == 1 and rows[0].connected_at.tzinfo is not None
    finally:
        live.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
