"""Host settings as an operator writes them: level names in any case; a value the platform
cannot use stops start-up with one line naming the variable (never a bare traceback), under
start_platform.py and under gunicorn alike."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from backend.app import create_app
from backend.config import SettingsError, host_settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("given, level", [("debug", "DEBUG"), ("warn", "WARNING"),
                                          ("Warning", "WARNING"), ("fatal", "CRITICAL")])
def test_log_levels_in_any_case(given, level):
    assert host_settings({"LOG_LEVEL": given})["LOG_LEVEL"] == level


@pytest.mark.parametrize("key, value", [
    ("LOG_LEVEL", "verbose"), ("LOG_FORMAT", "xml"), ("REDIS_URL", "localhost:6379"),
    ("RATELIMIT_STORAGE_URI", "localhost:6379"), ("SCHEDULER_ENABLED", "maybe"),
    ("RATELIMIT_ENABLED", "sometimes"), ("JWT_ACCESS_TOKEN_MINUTES", "an hour"),
    ("MAX_CONTENT_LENGTH", "-1"), ("JWT_ACCESS_TOKEN_MINUTES", "9" * 20),
    ("REDIS_URL", "redis://:pw@localhost:99999/0"), ("DATABASE_URL", "postgres//u:pw@x/db"),
    ("DATABASE_URL", "postgresql://u:pw@x:99999/db"),
    ("RATELIMIT_STORAGE_URI", "rediss+sentinel://:pw@h:1/x")])
def test_an_unusable_value_names_its_variable(key, value):
    with pytest.raises(SettingsError, match=f"^invalid settings: {key}: "):
        host_settings({key: value})


def test_every_unusable_value_is_named_at_once_and_urls_are_not_echoed():
    with pytest.raises(SettingsError) as raised:
        host_settings({"LOG_LEVEL": "loud", "REDIS_URL": "user:s3cret-pw@redis-host:6379"})
    message = str(raised.value)
    assert "LOG_LEVEL: " in message and "REDIS_URL: " in message
    assert "s3cret-pw" not in message and "redis://localhost:6379/0" in message


@pytest.mark.parametrize("key, value", [
    ("RATELIMIT_STORAGE_URI", "rediss+sentinel://:hunter2secret@h:1/x"),
    ("REDIS_URL", "redis://:hunter2secret@localhost:99999/0"),
    ("DATABASE_URL", "postgresql://u:hunter2secret@x:99999/db"),
    ("DATABASE_URL", "postgres//u:hunter2secret@x/db")])
def test_urls_the_libraries_refuse_are_refused_here_without_their_password(key, value):
    # The libraries' own errors (limits, redis-py, SQLAlchemy) print the URL, password too.
    with pytest.raises(SettingsError) as raised:
        host_settings({key: value})
    assert key in str(raised.value) and "hunter2secret" not in str(raised.value)


def test_urls_and_booleans_that_are_fine(tmp_path):
    settings = host_settings({"REDIS_URL": "rediss://:pw@cache:6380/1", "SCHEDULER_ENABLED": "OFF",
                              "RATELIMIT_STORAGE_URI": "memory://", "LOG_FORMAT": "JSON",
                              "DATABASE_URL": "postgresql+psycopg://u:pw@db:5432/app"})
    assert settings["REDIS_URL"].startswith("rediss://") and settings["SCHEDULER_ENABLED"] is False
    assert settings["LOG_FORMAT"] == "json"


def test_create_app_checks_what_its_config_argument_gives(tmp_path, sandbox):
    base = {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k" * 40,
            "INSTAGRAM_SANDBOX_URL": sandbox.url}
    assert create_app({**base, "LOG_LEVEL": "debug"}).config["LOG_LEVEL"] == "DEBUG"
    with pytest.raises(SettingsError, match="REDIS_URL"):
        create_app({**base, "REDIS_URL": "localhost:6379"})


def environment(tmp_path, **settings):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INSTAGRAM_", "FACEBOOK_"))}
    return {**env, "INSTAGRAM_APP_ID": "", "INSTANCE_PATH": str(tmp_path / "instance"),
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"), "PYTHONUNBUFFERED": "1",
            **settings}


@pytest.mark.parametrize("key, value", [("LOG_LEVEL", "verbose"),
                                        ("REDIS_URL", "localhost:6379"),
                                        ("INSTAGRAM_LEASE_SECONDS", "abc")])
def test_start_platform_says_which_setting_in_one_line(tmp_path, key, value):
    done = subprocess.run([sys.executable, "start_platform.py", "--port", "0",
                           "--sandbox-port", "0"], cwd=ROOT, capture_output=True, text=True,
                          env=environment(tmp_path, **{key: value}), timeout=60)
    assert done.returncode == 2, done.stderr
    assert "start_platform: invalid " in done.stderr and f"{key}: " in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("settings", [
    {"LOG_LEVEL": "verbose"}, {"LOG_FORMAT": "xml"}, {"REDIS_URL": "localhost:6379"},
    {"DATABASE_URL": "postgresql://u:pw@x:99999/db"}, {"MAX_CONTENT_LENGTH": "0"},
    {"METRICS_ALLOW_FROM": "localhost"}, {"METRICS_ALLOW_FROM": "10.0.0.0/8, intranet"},
    {"INSTAGRAM_LEASE_SECONDS": "abc"}, {"INSTAGRAM_TOKEN_KEYS": "not-a-fernet-key"},
    {"INSTAGRAM_APP_ID": "1234", "INSTAGRAM_APP_SECRET": "real-secret"},
    {"INSTAGRAM_ENABLED": "false", "INSTAGRAM_TOKEN_KEYS": "not-a-fernet-key"},
    {"METRICS_ALLOW_FROM": "10.0.0.0/8, ::1", "LOG_FORMAT": "TEXT"}])
def test_the_masters_check_refuses_what_create_app_refuses(tmp_path, monkeypatch, settings):
    # gunicorn's master checks with settings_problem(); a setting it lets through that
    # create_app refuses would still make every worker refuse at once.
    from backend.app import SETTINGS_ERRORS
    from backend.startup_check import settings_problem
    for key in [k for k in os.environ if k.startswith(("INSTAGRAM_", "FACEBOOK_"))]:
        monkeypatch.delenv(key)
    for key, value in {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k" * 40,
                       "SCHEDULER_ENABLED": "false", **settings}.items():
        monkeypatch.setenv(key, value)
    try:
        create_app()
        refused = None
    except SETTINGS_ERRORS as exc:
        refused = str(exc)
    assert settings_problem() == refused


@pytest.mark.e2e
@pytest.mark.parametrize("key, value, said", [
    ("LOG_LEVEL", "verbose", "invalid settings: LOG_LEVEL: must be one of"),
    ("LOG_FORMAT", "xml", "invalid settings: LOG_FORMAT: must be json, text or auto"),
    ("METRICS_ALLOW_FROM", "localhost", "invalid settings: METRICS_ALLOW_FROM: 'localhost'"),
    ("INSTAGRAM_LEASE_SECONDS", "abc", "INSTAGRAM_LEASE_SECONDS"),
    ("INSTAGRAM_TOKEN_KEYS", "not-a-fernet-key", "INSTAGRAM_TOKEN_KEYS holds a key")])
def test_gunicorn_stops_with_one_line_naming_the_setting(tmp_path, key, value, said):
    # Refused by the master before any worker boots: several workers refusing at once made
    # gunicorn 27 print a traceback of its own (HaltServer raised again while stopping).
    # An unusable LOG_FORMAT too: gunicorn's own logger, made before, must not raise on it.
    done = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                           "--workers", "3", "--bind", "127.0.0.1:0", "backend.wsgi:app"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env=environment(tmp_path, **{"LOG_FORMAT": "json", key: value}))
    output = done.stdout + done.stderr
    assert done.returncode == 4  # stopped, rather than booting workers again and again
    assert "Traceback" not in output
    assert output.count("not starting: ") == 1 and said in output, output
    assert key != "INSTAGRAM_TOKEN_KEYS" or value not in output  # a key is never echoed
    assert "Booting worker" not in output


@pytest.mark.e2e
@pytest.mark.parametrize("args", [[], ["--preload"]])
def test_a_refusal_removes_the_metrics_directory_gunicorn_made(tmp_path, args):
    # With --preload the app (and its refusal) comes before on_starting: the directory made
    # by gunicorn.conf.py must go all the same.
    env = environment(tmp_path, LOG_LEVEL="verbose", TMPDIR=str(tmp_path))
    del env["PROMETHEUS_MULTIPROC_DIR"]
    done = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                           "--workers", "2", "--bind", "127.0.0.1:0", *args,
                           "backend.wsgi:app"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env=env)
    output = done.stdout + done.stderr
    assert done.returncode == 4 and output.count("not starting: ") == 1, output
    assert "Traceback" not in output
    assert not list(tmp_path.glob("platform-metrics-*"))


@pytest.mark.parametrize("settings, status, said", [
    ({}, 0, "settings: usable"),
    ({"LOG_LEVEL": "verbose"}, 4, "not starting: invalid settings: LOG_LEVEL: "),
    ({"INSTAGRAM_TOKEN_KEYS": "not-a-fernet-key"}, 4, "INSTAGRAM_TOKEN_KEYS holds a key")])
def test_settings_can_be_checked_before_a_reload(tmp_path, settings, status, said):
    """What an operator runs before a deploy or a HUP (which stops gunicorn when the new
    workers refuse): the start's own check, one line, an exit status."""
    done = subprocess.run([sys.executable, "-m", "backend.startup_check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60,
                          env=environment(tmp_path, **settings))
    assert done.returncode == status
    assert said in done.stdout + done.stderr and "Traceback" not in done.stderr
    assert "not-a-fernet-key" not in done.stdout + done.stderr
