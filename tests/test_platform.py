"""Host platform: factory, health, register/login, migrations, and the OpenAPI document."""
import logging

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from openapi_spec_validator import validate
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool

from backend.app import SERVER_POOL_SIZE, create_app, upgrade_database
from backend.extensions import db
from backend.models import User
from backend.services.instagram import instagram_bp
from tests.conftest import make_app


def test_register_login_and_errors(client):
    created = client.post("/api/auth/register",
                          json={"email": "Ann@Example.com", "password": "long enough"})
    assert created.status_code == 201
    assert created.get_json()["user"]["email"] == "ann@example.com"
    again = client.post("/api/auth/register",
                        json={"email": "ann@example.com", "password": "long enough"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "email_taken"
    short = client.post("/api/auth/register", json={"email": "b@example.com", "password": "x"})
    assert short.status_code == 422
    bad = client.post("/api/auth/login", json={"email": "ann@example.com", "password": "no"})
    assert bad.status_code == 401 and bad.get_json()["error"]["code"] == "invalid_credentials"
    good = client.post("/api/auth/login",
                       json={"email": "ann@example.com", "password": "long enough"})
    assert good.status_code == 200 and good.get_json()["access_token"]


def test_sql_logs_and_errors_never_show_bound_values(tmp_path, fresh_sandbox, caplog):
    app = make_app(tmp_path, fresh_sandbox.url, SQLALCHEMY_ECHO=True)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    client = app.test_client()
    credentials = {"email": "ann@example.com", "password": "long enough"}
    assert client.post("/api/auth/register", json=credentials).status_code == 201
    assert client.post("/api/auth/login", json=credentials).status_code == 200
    with app.app_context():
        password_hash = db.session.execute(db.select(User.password_hash)).scalar_one()
        db.session.add(User(email="ann@example.com", password_hash="x"))
        with pytest.raises(IntegrityError) as duplicate:
            db.session.commit()
        db.session.rollback()
        db.engine.dispose()
    sql = [r.getMessage() for r in caplog.records if r.name.startswith("sqlalchemy.engine")]
    assert any("INSERT INTO users" in line for line in sql)  # the SQL itself is logged
    for text in ("\n".join(sql), str(duplicate.value)):
        assert "ann@example.com" not in text and password_hash not in text


def test_migrations_build_the_same_schema_as_the_models(tmp_path, sandbox):
    app = create_app({"INSTANCE_PATH": str(tmp_path / "i"), "SECRET_KEY": "k" * 40,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.sqlite3'}",
                      "INSTAGRAM_SANDBOX_URL": sandbox.url})
    upgrade_database(app)
    with app.app_context():
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []


def test_openapi_document_is_valid_and_complete(client, auth_headers):
    response = client.get("/api/sns/instagram/openapi.json", headers=auth_headers())
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    paths = document["paths"]
    assert "/api/sns/instagram/oauth/authorize" in paths
    assert "/api/sns/instagram/accounts/{account_id}/status" in paths
    assert "security" not in paths["/api/sns/instagram/callback"]["get"]
    body = paths["/api/sns/instagram/oauth/authorize"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["$ref"].endswith("AuthorizeRequest")


def test_blueprint_is_drop_in_for_a_bare_host(tmp_path):
    """Two lines in a host: registration alone sets up config, errors, limits and jobs."""
    host = Flask("host", instance_path=str(tmp_path))
    host.config.update(SQLALCHEMY_DATABASE_URI="sqlite://", JWT_SECRET_KEY="j" * 40)
    db.init_app(host)
    from backend.extensions import jwt
    jwt.init_app(host)
    host.register_blueprint(instagram_bp)
    assert host.config["INSTAGRAM_SANDBOX"] is True
    assert host.config["INSTAGRAM_GRAPH_URL"].endswith("/graph.instagram.com")
    assert "instagram" in host.extensions and "limiter" in host.extensions
    response = host.test_client().get("/api/sns/instagram/accounts")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "authorization_required"


def test_unknown_login_flow_is_a_validation_error(client, auth_headers):
    response = client.post("/api/sns/instagram/oauth/authorize", json={"login": "myspace"},
                           headers=auth_headers())
    assert response.status_code == 422
    assert response.get_json()["error"]["details"]["errors"][0]["field"] == "login"


@pytest.mark.parametrize("body", ["not json", "[1, 2]"])
def test_authorize_rejects_non_object_bodies(client, auth_headers, body):
    response = client.post("/api/sns/instagram/oauth/authorize", data=body,
                           content_type="application/json", headers=auth_headers())
    assert response.status_code in (400, 422)
    assert "error" in response.get_json()


def test_a_body_that_is_not_an_object_is_one_field_error(client, auth_headers):
    response = client.post("/api/sns/instagram/oauth/authorize", json=[1, 2],
                           headers=auth_headers())
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert error["message"] == "The body must be a JSON object."
    assert error["details"] == {"errors": [{"field": "body", "code": "object_type",
                                            "message": "The body must be a JSON object."}]}


def test_authorize_returns_a_connect_link_leading_to_the_dialog(client, auth_headers, app):
    response = client.post("/api/sns/instagram/oauth/authorize", json={},
                           headers=auth_headers())
    body = response.get_json()
    assert response.status_code == 200 and body["login"] == "instagram"
    assert "/api/sns/instagram/oauth/start?ticket=" in body["start_url"]
    dialog = client.get(body["start_url"]).headers["Location"]
    assert "/www.instagram.com/oauth/authorize?" in dialog and "state=" in dialog
    assert "instagram_business_content_publish" in dialog
    fb = client.post("/api/sns/instagram/oauth/authorize", json={"login": "facebook"},
                     headers=auth_headers()).get_json()
    assert "/www.facebook.com/v25.0/dialog/oauth?" in client.get(fb["start_url"]) \
        .headers["Location"]


def test_every_setting_is_documented_in_env_example():
    from pathlib import Path

    from backend.config import host_settings
    from backend.services.instagram.settings import KEYS
    text = Path(__file__).resolve().parent.parent.joinpath(".env.example").read_text()
    documented = {line.split("=")[0] for line in text.splitlines()
                  if line and not line.startswith("#")}
    host_keys = {"SECRET_KEY", "JWT_SECRET_KEY", "JWT_ACCESS_TOKEN_MINUTES", "DATABASE_URL",
                 "MAX_CONTENT_LENGTH", "MAX_JSON_BODY_BYTES", "SCHEDULER_ENABLED",
                 "RATELIMIT_STORAGE_URI",
                 "RATELIMIT_ENABLED", "LOG_LEVEL", "PUBLIC_BASE_URL", "REDIS_URL",
                 "LOG_FORMAT", "METRICS_ALLOW_FROM", "METRICS_TOKEN", "RATELIMIT_KEY_PREFIX"}
    assert set(KEYS) - documented == set()
    assert host_keys - documented == set()
    # Keys the platform derives (not environment variables) are not expected there.
    derived = {"JWT_ACCESS_TOKEN_EXPIRES", "SQLALCHEMY_DATABASE_URI",
               "SQLALCHEMY_ENGINE_OPTIONS", "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED",
               "RATELIMIT_STORAGE_OPTIONS"}
    assert set(host_settings({})) - derived - host_keys == set()


@pytest.mark.parametrize("key,value", [("INSTAGRAM_LEASE_SECONDS", "abc"),
                                       ("INSTAGRAM_SANDBOX", "maybe"),
                                       ("INSTAGRAM_INSIGHTS_BUDGET_SHARE", "2"),
                                       ("INSTAGRAM_GRAPH_URL", "graph.instagram.com")])
def test_a_bad_setting_fails_start_up_naming_the_variable(tmp_path, monkeypatch, key, value):
    from backend.services.instagram.settings import SettingsError
    monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError, match=key):
        create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x" * 40})


@pytest.mark.parametrize("key, too_large, largest", [
    ("INSTAGRAM_GRAPH_MAX_RESPONSE_BYTES", 10**30, 64 * 1024 * 1024),
    ("INSTAGRAM_IMAGE_MAX_PIXELS", 10**12, 89_478_485)])
def test_memory_settings_have_an_upper_bound(key, too_large, largest):
    """A memory bound of 10**30 bytes or 10**12 pixels bounds nothing: start-up refuses it."""
    from backend.services.instagram.settings import SettingsError, resolve
    for value in (too_large, largest + 1):
        with pytest.raises(SettingsError, match=f"{key}: Input should be less than or equal "
                                                f"to {largest}"):
            resolve({}, {key: str(value)})
    assert getattr(resolve({}, {key: str(largest)}), key) == largest


def test_a_bad_secret_is_named_but_never_echoed(tmp_path):
    from backend.services.instagram.settings import SettingsError, resolve
    with pytest.raises(SettingsError) as caught:
        resolve({"INSTAGRAM_APP_SECRET": ["not", "text"]}, {})
    assert "INSTAGRAM_APP_SECRET" in str(caught.value) and "not" not in str(caught.value)


def test_the_jwt_is_decoded_once_per_request(client, auth_headers, monkeypatch):
    """The limiter's key and the endpoint share one decode (it was three per request)."""
    import flask_jwt_extended.view_decorators as views
    headers = auth_headers()
    decode = views.decode_token
    calls = []
    monkeypatch.setattr(views, "decode_token", lambda *a, **k: calls.append(1) or decode(*a, **k))
    assert client.get("/api/sns/instagram/accounts", headers=headers).status_code == 200
    assert len(calls) == 1
    bad = client.get("/api/sns/instagram/accounts", headers={"Authorization": "Bearer x.y.z"})
    assert bad.status_code == 401 and bad.get_json()["error"]["code"] == "invalid_token"
    none = client.get("/api/sns/instagram/accounts")
    assert none.get_json()["error"]["code"] == "authorization_required"


SERVER = "postgresql+psycopg://user:pw@127.0.0.1:9/none"  # never connected to here


@pytest.mark.parametrize("uri, given, pool, pre_ping, size", [
    # A server's pool keeps SERVER_POOL_SIZE connections and pings them; SQLite does not ping.
    (SERVER, None, "QueuePool", True, SERVER_POOL_SIZE),
    (make_url(SERVER), None, "QueuePool", True, SERVER_POOL_SIZE),  # a URL object, not text
    ("sqlite://", None, "StaticPool", False, None),
    # What a deployment gives wins: a pool without a size (pgbouncer's NullPool), a size, a
    # ping on SQLite.
    (SERVER, {"poolclass": NullPool}, "NullPool", True, None),
    (SERVER, {"pool_size": 3, "pool_pre_ping": False}, "QueuePool", False, 3),
    ("sqlite://", {"pool_pre_ping": True}, "StaticPool", True, None),
])
def test_engine_options_default_per_database_and_given_ones_win(tmp_path, uri, given, pool,
                                                                pre_ping, size):
    config = {"INSTANCE_PATH": str(tmp_path / "i"), "SECRET_KEY": "k" * 40,
              "SQLALCHEMY_DATABASE_URI": uri, "SCHEDULER_ENABLED": False}
    if given is not None:
        config["SQLALCHEMY_ENGINE_OPTIONS"] = given
    app = create_app(config)
    with app.app_context():
        assert type(db.engine.pool).__name__ == pool
        assert db.engine.pool._pre_ping is pre_ping
        assert db.engine.hide_parameters  # whatever else was given
        if size is not None:
            assert db.engine.pool.size() == size
        if uri == "sqlite://":
            assert db.session.execute(db.text("SELECT 1")).scalar() == 1
        db.session.remove()
        db.engine.dispose()
