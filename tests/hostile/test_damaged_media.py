"""Damaged videos on every route that probes media: a 422 that says so, never a 500, and
nothing left in the upload folder."""
import io
import os
import threading

import pytest

from backend.services.instagram.publishing import posts
from tests.conftest import connect_with_test_client
from tests.hostile.conftest import PREFIX, assert_envelope
from tests.preflight.builders import box, ftyp, mvhd, tkhd
from tests.preflight.conftest import MediaServer

DAMAGED = {
    # The reviewer's 36 bytes: ftyp, and a moov holding only an 8-byte mvhd header.
    "mvhd_header_only": ftyp(b"isom", (b"isom",)) + box(b"moov", box(b"mvhd")),
    "tkhd_cut_short": ftyp() + box(b"moov", mvhd(600, 6000)
                                   + box(b"trak", tkhd(1080, 1920)[:20])),
    "no_video_track": ftyp() + box(b"moov", mvhd(600, 6000)) + box(b"mdat", bytes(64)),
}


def stored_files(app):
    with app.app_context():
        folder = posts.upload_dir()
    return os.listdir(folder) if os.path.isdir(folder) else []


@pytest.mark.parametrize("name", DAMAGED)
def test_damaged_uploads_are_422_and_leave_nothing(app, client, auth_headers, name):
    headers = auth_headers()
    for path, fields in (("/uploads", {}), ("/reels", {"account_id": "1"}),
                         ("/preview", {"type": "reel"})):
        response = client.post(PREFIX + path, headers=headers,
                               content_type="multipart/form-data",
                               data={**fields, "file": (io.BytesIO(DAMAGED[name]), "clip.mp4")})
        error = assert_envelope(response, 422)
        assert error["code"] == "video_unreadable", (path, error)
        assert "clip.mp4 cannot be read as a video" in error["message"]
    assert stored_files(app) == []


@pytest.fixture
def damaged_urls():
    server = MediaServer()
    for name, data in DAMAGED.items():
        server.add(f"{name}.mp4", data, content_type="video/mp4")
    threading.Thread(target=server.httpd.serve_forever, daemon=True).start()
    yield {name: server.url(f"/range/{name}.mp4") for name in DAMAGED}
    server.httpd.shutdown()
    server.httpd.server_close()


def test_damaged_video_urls_are_reported_and_refused(client, auth_headers, damaged_urls):
    headers = auth_headers()
    account_id = connect_with_test_client(client, headers)["account"]["id"]
    for url in damaged_urls.values():
        body = {"account_id": account_id, "video_url": url}
        report = client.post(f"{PREFIX}/preview", headers=headers,
                             json={**body, "type": "reel"}).get_json()
        assert report["valid"] is False
        assert [e["code"] for e in report["errors"]] == ["video_unreadable"]
        response = client.post(f"{PREFIX}/reels", headers=headers, json=body)
        error = assert_envelope(response, 422)
        assert error["details"]["errors"][0]["code"] == "video_unreadable"
    assert client.get(f"{PREFIX}/posts", headers=headers).get_json()["posts"] == []
