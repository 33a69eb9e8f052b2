"""Sample media under /_sandbox/samples: real images, MP4/MOV box structure, HTTP Range."""
import io

import pytest
import requests
from PIL import Image

from backend.sandbox.publishing.media_specs import jpeg_size, sniff
from backend.sandbox.publishing.mp4 import probe_video


def ranged(url, start, stop):
    return requests.get(url, headers={"Range": f"bytes={start}-{stop}"}, timeout=5)


@pytest.mark.parametrize("ext,fmt", [("jpg", "JPEG"), ("png", "PNG"), ("webp", "WEBP")])
def test_images_are_real_pictures(meta, ext, fmt):
    response = requests.get(meta.sample(f"image.{ext}", w=640, h=800), timeout=5)
    assert response.status_code == 200 and response.headers["Accept-Ranges"] == "bytes"
    picture = Image.open(io.BytesIO(response.content))
    assert (picture.format, picture.size) == (fmt, (640, 800))


def test_jpeg_padding_and_ranges(meta):
    url = meta.sample("image.jpg", w=1080, h=1080, kb=9000)
    head = ranged(url, 0, 1023)
    assert head.status_code == 206 and len(head.content) == 1024
    assert head.headers["Content-Range"] == f"bytes 0-1023/{9000 * 1024}"
    assert sniff(head.content) == "jpeg"
    assert jpeg_size(lambda offset, length: head.content[offset:offset + length]) == (1080, 1080)
    tail = ranged(url, 9000 * 1024 - 10, 9000 * 1024 + 50)
    assert tail.status_code == 206 and tail.content == bytes(10)
    whole = requests.head(url, timeout=5)
    assert whole.headers["Content-Length"] == str(9000 * 1024)
    unsatisfiable = ranged(url, 10 ** 9, 10 ** 9 + 1)
    assert unsatisfiable.status_code == 416
    assert unsatisfiable.headers["Content-Range"] == f"bytes */{9000 * 1024}"


@pytest.mark.parametrize("ext,container", [("mp4", "mp4"), ("mov", "mov")])
@pytest.mark.parametrize("moov", ["start", "end"])
def test_videos_have_a_readable_box_structure(meta, ext, container, moov):
    url = meta.sample(f"video.{ext}", duration=12.5, w=720, h=1280, moov=moov)
    body = requests.get(url, timeout=5)
    assert body.headers["Content-Type"] == ("video/mp4" if ext == "mp4" else "video/quicktime")
    data = body.content
    info = probe_video(lambda offset, length: data[offset:offset + length], len(data))
    assert (info.container, info.duration, info.width, info.height) == (
        container, 12.5, 720, 1280)
    assert info.has_video and info.moov_first == (moov == "start")


def test_large_video_is_streamed_lazily_with_an_honest_length(meta):
    url = meta.sample("video.mp4", duration=30, mb=500)
    size = int(requests.head(url, timeout=5).headers["Content-Length"])
    assert size > 500 * 1024 * 1024

    def read_at(offset, length):
        return ranged(url, offset, offset + length - 1).content
    info = probe_video(read_at, size)
    assert info.duration == 30 and info.moov_first
    moov_end = meta.sample("video.mp4", duration=30, mb=500, moov="end")
    size = int(requests.head(moov_end, timeout=5).headers["Content-Length"])
    assert probe_video(lambda o, n: ranged(moov_end, o, o + n - 1).content, size).duration == 30


def test_text_and_missing_samples(meta):
    text = requests.get(meta.sample("text.txt"), timeout=5)
    assert text.status_code == 200 and text.headers["Content-Type"].startswith("text/plain")
    assert requests.get(meta.sample("missing.jpg"), timeout=5).status_code == 404
    assert requests.get(meta.sample("image.gif"), timeout=5).status_code == 404
    assert requests.get(meta.sample("image.jpg", w=0), timeout=5).status_code == 400
