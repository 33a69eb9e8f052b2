"""End-to-end publishing through real HTTP: platform and sandbox on loopback."""
import io
from datetime import timedelta

import pytest
import requests
import time_machine
from PIL import Image

from backend.models import utcnow
from tests.prom import total
from tests.publishing.settle import settle

pytestmark = pytest.mark.e2e


def sandbox_publishes(sandbox):
    """The sandbox's publishing endpoints (containers, samples) are issue 3's sandbox part."""
    return requests.get(f"{sandbox.url}/_sandbox/samples/image.jpg?w=10&h=10").ok


@pytest.fixture
def setup(live, live_user, connect_account, sandbox):
    if not sandbox_publishes(sandbox):
        pytest.skip("the Graph API sandbox does not serve containers and samples yet "
                    "(issue 3, sandbox part)")
    headers = live_user()
    account = connect_account(headers)
    return Publisher(live, sandbox, headers, account)


class Publisher:
    def __init__(self, live, sandbox, headers, account):
        self.live, self.sandbox, self.headers, self.account = live, sandbox, headers, account

    def image(self, w=1080, h=1350, ext="jpg", **extra):
        query = "&".join(f"{k}={v}" for k, v in {"w": w, "h": h, **extra}.items())
        return f"{self.sandbox.url}/_sandbox/samples/image.{ext}?{query}"

    def video(self, duration=12, w=1080, h=1920):
        return f"{self.sandbox.url}/_sandbox/samples/video.mp4?duration={duration}&w={w}&h={h}"

    def post(self, path, body, **headers):
        body = {"account_id": self.account["id"], **body}
        return self.live.http.post(self.live.api(path), json=body,
                                   headers={**self.headers, **headers})

    def status(self, post_id):
        return self.live.http.get(self.live.api(f"/posts/{post_id}/status"),
                                  headers=self.headers).json()["post"]

    def sandbox_settings(self, **settings):
        assert requests.post(f"{self.sandbox.url}/_sandbox/settings", json=settings).ok

    def sandbox_media(self):
        response = requests.get(f"{self.sandbox.url}/_sandbox/accounts/sandbox_business/media")
        return response.json()["data"]

    def finish_in_background(self, app, seconds=1800):
        """Let time pass (no sleeping) and run each check as the post's timer would."""
        return settle(app, within=timedelta(seconds=seconds))


def test_image_by_url_publishes_at_once_with_minimal_calls(setup):
    before = len(setup.sandbox_media())
    response = setup.post("/posts", {"image_url": setup.image(), "caption": "Hello",
                                     "hashtags": ["sandbox", "#Sandbox", "test"]})
    assert response.status_code == 201, response.text
    post = response.json()["post"]
    assert response.headers["Location"].endswith(f"/posts/{post['id']}/status")
    assert post["status"] == "published" and post["media_id"]
    assert post["permalink"].startswith("https://www.instagram.com/p/")
    assert post["caption"].endswith("#sandbox #test")
    assert post["graph_calls"] == 3  # container, publish, permalink
    assert len(setup.sandbox_media()) == before + 1


def test_uploaded_png_is_converted_and_published(setup):
    buffer = io.BytesIO()
    Image.new("RGB", (1080, 1080), (200, 30, 30)).save(buffer, "PNG")
    response = setup.live.http.post(
        setup.live.api("/posts"), headers=setup.headers,
        data={"account_id": str(setup.account["id"]), "caption": "uploaded"},
        files={"file": ("photo.png", buffer.getvalue(), "image/png")})
    assert response.status_code == 201, response.text
    post = response.json()["post"]
    assert post["status"] == "published"
    assert "/api/sns/instagram/uploads/" in post["items"][0]["url"]
    served = requests.get(post["items"][0]["url"])
    assert served.headers["Content-Type"] == "image/jpeg" and served.content[:2] == b"\xff\xd8"


def test_carousel_with_a_video_finishes_in_background(setup, app):
    items = [{"image_url": setup.image(1080, 1080)}, {"video_url": setup.video(10, 1080, 1080)},
             {"image_url": setup.image(1080, 1080)}]
    response = setup.post("/posts", {"items": items, "caption": "three"})
    assert response.status_code == 202, response.text
    post = response.json()["post"]
    assert post["type"] == "carousel" and post["status"] == "processing"
    assert setup.finish_in_background(app) >= 1
    done = setup.status(post["id"])
    assert done["status"] == "published", done
    assert len([m for m in setup.sandbox_media() if m["id"] == done["media_id"]]) == 1


def test_story_image_and_video(setup, app):
    image = setup.post("/stories", {"image_url": setup.image(1080, 1920)})
    assert image.status_code == 201, image.text
    assert image.json()["post"]["media_product_type"] == "STORY"
    video = setup.post("/stories", {"video_url": setup.video(15)})
    assert video.status_code == 202
    setup.finish_in_background(app)
    assert setup.status(video.json()["post"]["id"])["status"] == "published"


def test_reel_is_accepted_then_published_by_the_job(setup, app):
    response = setup.post("/reels", {"video_url": setup.video(20), "caption": "reel",
                                     "share_to_feed": True})
    assert response.status_code == 202, response.text
    post_id = response.json()["post"]["id"]
    setup.finish_in_background(app)
    done = setup.status(post_id)
    assert done["status"] == "published" and "/reel/" in done["permalink"]


def test_video_error_in_processing_fails_with_reason(setup, app):
    setup.sandbox_settings(video_outcome="error")
    response = setup.post("/reels", {"video_url": setup.video(20)})
    assert response.status_code == 202
    setup.finish_in_background(app)
    done = setup.status(response.json()["post"]["id"])
    assert done["status"] == "failed"
    assert done["error"]["message"] and done["error"]["code"] == "container_error"


@pytest.mark.parametrize("body,code", [
    ({"image_url": "http://127.0.0.1:9/missing.jpg"}, "url_unreachable"),
    ({"image_url": "IMAGE:w=1080&h=300"}, "aspect_ratio_out_of_range"),
    ({"image_url": "IMAGE:w=1080&h=1080&kb=9000"}, "image_too_large"),
    ({"image_url": "IMAGE:w=1080&h=1080", "caption": "x" * 2201}, "caption_too_long"),
    ({"image_url": "IMAGE:w=1080&h=1080",
      "hashtags": [f"tag{i}" for i in range(31)]}, "too_many_hashtags"),
    ({"image_url": "IMAGE:w=1080&h=1080",
      "caption": " ".join(f"@user{i}" for i in range(21))}, "too_many_mentions"),
    ({"items": [{"image_url": "IMAGE:w=1080&h=1080"}]}, "carousel_too_few_items"),
    ({"items": [{"image_url": "IMAGE:w=1080&h=1080"}] * 11}, "carousel_too_many_items"),
])
def test_invalid_posts_are_refused_before_any_graph_call(setup, body, code):
    def expand(value):
        if isinstance(value, str) and value.startswith("IMAGE:"):
            return f"{setup.sandbox.url}/_sandbox/samples/image.jpg?{value[6:]}"
        return value
    body = {k: ([{kk: expand(vv) for kk, vv in i.items()} for i in v] if k == "items"
                else expand(v)) for k, v in body.items()}
    before = len(setup.sandbox_media())
    response = setup.post("/posts", body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert code in [e["code"] for e in error["details"]["errors"]]
    assert len(setup.sandbox_media()) == before


def test_quota_reached_answers_429_and_creates_nothing(setup):
    setup.sandbox_settings(publish_quota=1)
    assert setup.post("/posts", {"image_url": setup.image()}).status_code == 201
    refused = setup.post("/posts", {"image_url": setup.image()})
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "publishing_limit_reached"
    assert int(refused.headers["Retry-After"]) > 0
    listed = setup.live.http.get(setup.live.api("/posts"), headers=setup.headers).json()
    assert len(listed["posts"]) == 1


def test_expired_token_blocks_publishing_with_a_clear_error(setup):
    with time_machine.travel(utcnow() + timedelta(days=61)):
        response = setup.post("/posts", {"image_url": setup.image()})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "account_needs_reauth"


def test_lost_publish_response_posts_exactly_once(setup, app):
    fault = {"path": "media_publish", "drop_connection": True, "phase": "after", "times": 1}
    assert requests.post(f"{setup.sandbox.url}/_sandbox/faults", json=fault).ok
    before = len(setup.sandbox_media())
    response = setup.post("/posts", {"image_url": setup.image(), "caption": "once"})
    post = response.json()["post"] if response.status_code in (201, 202) else \
        response.json()["error"]["details"]["post"]
    if post["status"] != "published":
        setup.finish_in_background(app, seconds=120)
        post = setup.status(post["id"])
    assert post["status"] == "published", post
    assert len(setup.sandbox_media()) == before + 1


def test_idempotency_key_returns_the_same_post(setup):
    body = {"image_url": setup.image(), "caption": "same"}
    first = setup.post("/posts", body, **{"Idempotency-Key": "k-1"})
    again = setup.post("/posts", body, **{"Idempotency-Key": "k-1"})
    assert first.status_code == 201 and again.status_code == 201
    assert first.json()["post"]["id"] == again.json()["post"]["id"]
    other = setup.post("/posts", {**body, "caption": "other"}, **{"Idempotency-Key": "k-1"})
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"


def test_history_is_paged_and_private(setup, live, live_user):
    ids = [setup.post("/posts", {"image_url": setup.image()}).json()["post"]["id"]
           for _ in range(3)]
    page = live.http.get(live.api("/posts"), params={"limit": 2},
                         headers=setup.headers).json()
    assert [p["id"] for p in page["posts"]] == ids[::-1][:2]
    rest = live.http.get(live.api("/posts"), params={"limit": 2, "before": page["next_before"]},
                         headers=setup.headers).json()
    assert [p["id"] for p in rest["posts"]] == [ids[0]] and rest["next_before"] is None
    bob = live_user("bob@example.com")
    assert live.http.get(live.api(f"/posts/{ids[0]}/status"), headers=bob).status_code == 404
    assert live.http.get(live.api("/posts"), headers=bob).json()["posts"] == []


def test_preview_reports_every_problem_without_calling_meta(setup):
    calls = total("instagram_graph_calls_total")
    response = setup.post("/preview", {"type": "feed", "image_url": setup.image(1080, 300),
                                       "caption": "Hi @a #x " + "y" * 2200})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["valid"] is False
    codes = {e["code"] for e in report["errors"]}
    assert {"aspect_ratio_out_of_range", "caption_too_long"} <= codes
    assert report["counts"]["hashtags"] == 1 and report["counts"]["mentions"] == 1
    assert report["media"][0]["width"] == 1080 and report["media"][0]["format"] == "jpeg"
    assert total("instagram_graph_calls_total") == calls


def test_preview_html_escapes_user_text(setup):
    response = setup.live.http.post(
        setup.live.api("/preview"), headers={**setup.headers, "Accept": "text/html"},
        json={"type": "feed", "account_id": setup.account["id"], "image_url": setup.image(),
              "caption": "<script>alert(1)</script> #tag"})
    assert response.status_code == 200 and "text/html" in response.headers["Content-Type"]
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text
