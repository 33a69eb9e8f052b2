"""The preview page as headless Chromium renders it: DOM built from it and a screenshot."""
import functools
import threading
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from backend.services.instagram.preflight.preview_page import render_preview_html
from tests.browser import run_chromium
from tests.preflight.preview_samples import XSS_CAPTION, media_item, preview

PHOTO_COLOUR = (255, 102, 0)


class _Quiet(SimpleHTTPRequestHandler):
    requested: list

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.requested.append(self.path)
        super().do_GET()


class _Dom(HTMLParser):
    """Script elements, element classes and text of the DOM Chromium dumped."""

    def __init__(self):
        super().__init__()
        self.scripts, self.classes, self.text = 0, set(), []

    def handle_starttag(self, tag, attrs):
        self.scripts += tag == "script"
        self.classes.update((dict(attrs).get("class") or "").split())

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture
def site(tmp_path):
    """An http.server on 127.0.0.1:0 serving tmp_path/site; yields (dir, base URL, paths)."""
    root = tmp_path / "site"
    root.mkdir()
    handler = type("Handler", (_Quiet,), {"requested": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}", handler.requested
    server.shutdown()
    server.server_close()


@pytest.mark.browser
def test_chromium_renders_the_preview_as_a_post(chromium, site, tmp_path):
    root, base, requested = site
    Image.new("RGB", (1080, 1350), PHOTO_COLOUR).save(root / "photo.jpg", quality=95)
    Image.new("RGB", (64, 64), (40, 90, 200)).save(root / "avatar.jpg", quality=95)
    body = preview(valid=False, media=[media_item(f"{base}/photo.jpg")],
                   errors=[{"field": "caption", "code": "too_many_hashtags",
                            "message": "Hashtags 31; <b>at most</b> 30."}],
                   warnings=[{"field": "image_url", "code": "image_converted",
                              "message": "PNG will be converted to JPEG."}])
    page = render_preview_html(body, {"username": "shop.example",
                                      "profile_picture_url": f"{base}/avatar.jpg"})
    (root / "preview.html").write_text(page, encoding="utf-8")
    url = f"{base}/preview.html"

    dom = _Dom()
    dom.feed(run_chromium(chromium, tmp_path / "profile-dom", "--dump-dom", url))
    text = "".join(dom.text)
    assert dom.scripts == 0
    assert XSS_CAPTION in text and "Hashtags 31; <b>at most</b> 30." in text
    assert {"ig-post", "ig-header", "ig-media", "ig-actions", "ig-caption", "ig-hashtag",
            "ig-mention", "checks"} <= dom.classes

    shot = tmp_path / "shot.png"
    run_chromium(chromium, tmp_path / "profile-shot", f"--screenshot={shot}", url)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(shot) as image:
        rgb = image.convert("RGB")
    assert rgb.size[0] >= 400
    colours = rgb.getcolors(maxcolors=rgb.size[0] * rgb.size[1])
    assert len(colours) > 1, "the screenshot is blank"
    photo = sum(count for count, colour in colours
                if max(abs(a - b) for a, b in zip(colour, PHOTO_COLOUR)) <= 12)
    assert photo > 10000, "the post's photo is not in the screenshot"
    assert "/photo.jpg" in requested and "/avatar.jpg" in requested
