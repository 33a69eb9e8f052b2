"""A sandbox with a state file keeps tokens, media, containers and its clock across restarts."""
import json
import logging
import os
import stat
import time

import pytest

from backend.sandbox.core.server import start_sandbox
from tests.sandbox.conftest import Meta

IG = "graph.instagram.com"


@pytest.fixture
def state_path(tmp_path):
    return tmp_path / "instance" / "sandbox_state.json"


def restart(sandbox, state_path, **options):
    sandbox.shutdown()
    return start_sandbox(port=0, state_file=str(state_path), **options)


def publish_image(meta, token, caption):
    created = meta.post(IG, "/v25.0/me/media", token, caption=caption,
                        image_url=meta.sample("image.jpg", w=1080, h=1350))
    assert created.ok, created.text
    published = meta.post(IG, "/v25.0/me/media_publish", token, creation_id=created.json()["id"])
    assert published.ok, published.text
    return created.json()["id"], published.json()["id"]


def test_a_restart_keeps_tokens_accounts_media_containers_and_the_clock(state_path):
    sandbox = start_sandbox(port=0, state_file=str(state_path))
    meta = Meta(sandbox.url)
    token = meta.ig_long_token(sandbox_username="kept_account")
    container_id, media_id = publish_image(meta, token, "Before the restart")
    reel = meta.post(IG, "/v25.0/me/media", token, media_type="REELS",
                     video_url=meta.sample("video.mp4", duration=5)).json()["id"]
    meta.advance(3600)
    seeded = meta.ig("/v25.0/me/media", token, fields="id,timestamp", limit=3).json()["data"]

    sandbox = restart(sandbox, state_path)
    meta = Meta(sandbox.url)
    try:
        me = meta.ig("/v25.0/me", token, fields="user_id,username")
        assert me.ok, me.text
        assert me.json()["username"] == "kept_account"
        assert meta.control("GET", "/clock").json()["offset_seconds"] == pytest.approx(3600)
        assert meta.ig(f"/v25.0/{container_id}", token,
                       fields="status_code").json()["status_code"] == "PUBLISHED"
        # The reel processed on the restored clock (an hour on: long done).
        assert meta.ig(f"/v25.0/{reel}", token,
                       fields="status_code").json()["status_code"] == "FINISHED"
        # The same media, seeded ones with the timestamps they had (not seeded again).
        assert meta.ig("/v25.0/me/media", token, fields="id,timestamp",
                       limit=3).json()["data"] == seeded
        assert seeded[0]["id"] == media_id
        assert meta.ig(f"/v25.0/{media_id}", token,
                       fields="caption").json()["caption"] == "Before the restart"
        # Ids go on from where they were: nothing restored is shadowed by a new object.
        again = publish_image(meta, token, "After the restart")
        assert int(again[0]) > int(reel) and int(again[1]) > int(media_id)
        republish = meta.post(IG, "/v25.0/me/media_publish", token, creation_id=container_id)
        assert republish.status_code == 400
        mine = meta.control("GET", "/accounts/kept_account/media").json()["data"]
        assert sum(1 for m in mine if m.get("container_id") == container_id) == 1
    finally:
        sandbox.shutdown()


def test_reset_state_forgets_everything(state_path):
    sandbox = start_sandbox(port=0, state_file=str(state_path))
    meta = Meta(sandbox.url)
    token = meta.ig_long_token()
    meta.advance(600)

    sandbox = restart(sandbox, state_path, reset_state=True)
    meta = Meta(sandbox.url)
    try:
        assert meta.ig("/v25.0/me", token).json()["error"]["code"] == 190
        assert meta.control("GET", "/clock").json()["offset_seconds"] == 0
        # The clean state is on disk at once: a kill now would not bring the old one back.
        assert json.loads(state_path.read_text())["tokens"]["tokens"] == []
    finally:
        sandbox.shutdown()


def test_the_file_is_private_and_replaced_whole(state_path):
    sandbox = start_sandbox(port=0, state_file=str(state_path))
    try:
        Meta(sandbox.url).ig_long_token()
        sandbox.save_state()
        assert stat.S_IMODE(os.stat(state_path).st_mode) == 0o600
        assert os.listdir(state_path.parent) == ["sandbox_state.json"]  # no temporary left
    finally:
        sandbox.shutdown()


def test_changes_are_saved_without_a_clean_shutdown(state_path):
    """A killed sandbox loses at most the last second: requests mark the state changed and
    the autosave writes it."""
    sandbox = start_sandbox(port=0, state_file=str(state_path))
    try:
        token = Meta(sandbox.url).ig_long_token()
        deadline = time.monotonic() + 10
        while token not in state_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)  # waiting for the autosave thread, not for time to pass
        assert token in state_path.read_text()
    finally:
        sandbox.shutdown()


def test_an_unreadable_file_is_set_aside_and_the_sandbox_starts_clean(state_path, caplog):
    state_path.parent.mkdir(parents=True)
    state_path.write_text("{not json")
    with caplog.at_level(logging.WARNING, logger="backend.sandbox.core.persistence"):
        sandbox = start_sandbox(port=0, state_file=str(state_path))
    try:
        assert (state_path.parent / "sandbox_state.json.unreadable").read_text() == "{not json"
        assert "starting clean" in caplog.text
        assert Meta(sandbox.url).ig_long_token().startswith("IGAA")
    finally:
        sandbox.shutdown()


def test_without_a_state_file_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sandbox = start_sandbox(port=0)
    try:
        Meta(sandbox.url).ig_long_token()
        assert sandbox.state_file is None
    finally:
        sandbox.shutdown()
    assert os.listdir(tmp_path) == []


def test_a_snapshot_that_cannot_be_restored_is_set_aside_too(state_path, caplog):
    state_path.parent.mkdir(parents=True)
    state_path.write_text(json.dumps({"format": 1, "clock_offset_seconds": "soon",
                                      "accounts": [], "tokens": {}}))
    with caplog.at_level(logging.WARNING, logger="backend.sandbox.core.persistence"):
        sandbox = start_sandbox(port=0, state_file=str(state_path))
    try:
        assert (state_path.parent / "sandbox_state.json.unreadable").exists()
        assert "could not be restored" in caplog.text
        assert sandbox.state.clock.offset.total_seconds() == 0
    finally:
        sandbox.shutdown()
