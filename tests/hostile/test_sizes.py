"""Sizes a request may not pass: sane maximums on post fields (drafts included), paged
drafts, and carousels past Instagram's count refused before any item is downloaded."""
import threading

import pytest

from backend.services.instagram.preflight.rules import CAROUSEL_MAX_ITEMS
from tests.conftest import connect_with_test_client
from tests.hostile.conftest import PREFIX, assert_envelope
from tests.preflight.builders import image_bytes
from tests.preflight.conftest import MediaServer

# (field, a value within the maximum that Instagram refuses, a value past the maximum)
OVER_INSTAGRAM = [
    ("caption", "a" * 2300, "a" * 22_001),
    ("first_comment", "a" * 2300, "a" * 22_001),
    ("alt_text", "a" * 1001, "a" * 10_001),
    ("hashtags", [f"tag{i}" for i in range(31)], [f"tag{i}" for i in range(301)]),
    ("collaborators", [f"user{i}" for i in range(4)], [f"user{i}" for i in range(31)]),
    ("user_tags", [{"username": f"u{i}", "x": 0.5, "y": 0.5} for i in range(21)],
     [{"username": f"u{i}", "x": 0.5, "y": 0.5} for i in range(201)]),
    ("location_id", "1" * 100, "1" * 101),
    ("image_url", "https://example.com/" + "a" * 3000, "https://example.com/" + "a" * 4096),
]


@pytest.fixture
def account(client, auth_headers):
    headers = auth_headers()
    return headers, connect_with_test_client(client, headers)["account"]["id"]


@pytest.mark.parametrize("field, kept, refused", OVER_INSTAGRAM,
                         ids=[f for f, _k, _r in OVER_INSTAGRAM])
def test_drafts_keep_what_instagram_refuses_up_to_a_sane_maximum(client, account, field, kept,
                                                                 refused):
    headers, account_id = account
    body = {"type": "feed", "account_id": account_id, "upload_token": "A" * 32}
    if field == "image_url":
        body.pop("upload_token")
    response = client.post(f"{PREFIX}/drafts", headers=headers, json={**body, field: kept})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["draft"]["validation"]["valid"] is False
    draft_id = response.get_json()["draft"]["id"]
    for method, path in (("POST", "/drafts"), ("PATCH", f"/drafts/{draft_id}"),
                         ("POST", "/preview"), ("POST", "/posts")):
        response = client.open(PREFIX + path, method=method, headers=headers,
                               json={**body, field: refused})
        error = assert_envelope(response, 422)
        assert error["details"]["errors"][0]["field"].startswith(field), (path, error)


def test_carousel_items_have_a_maximum_and_few_fields(client, account):
    headers, account_id = account
    item = {"upload_token": "A" * 32}
    body = {"type": "feed", "account_id": account_id}
    response = client.post(f"{PREFIX}/drafts", headers=headers,
                           json={**body, "items": [item] * 101})
    assert assert_envelope(response, 422)["details"]["errors"][0]["field"] == "items"
    response = client.post(f"{PREFIX}/drafts", headers=headers, json={**body, "items": [
        {**item, **{f"extra{i}": 1 for i in range(20)}}, item]})
    assert assert_envelope(response, 422)["details"]["errors"][0]["field"] == "items.0"


def test_drafts_are_listed_a_page_at_a_time(client, account):
    headers, account_id = account
    made = [client.post(f"{PREFIX}/drafts", headers=headers,
                        json={"type": "feed", "account_id": account_id,
                              "caption": f"draft {i}"}).get_json()["draft"]["id"]
            for i in range(25)]
    # Editing while paging moves nothing: the order is by id, newest first.
    first = client.get(f"{PREFIX}/drafts", headers=headers, query_string={"limit": 10})
    assert first.status_code == 200
    client.patch(f"{PREFIX}/drafts/{made[0]}", headers=headers, json={"caption": "edited"})
    seen, before = [], None
    page = first.get_json()
    while True:
        seen += [d["id"] for d in page["drafts"]]
        before = page["next_before"]
        if before is None:
            break
        page = client.get(f"{PREFIX}/drafts", headers=headers,
                          query_string={"limit": 10, "before": before}).get_json()
    assert seen == sorted(made, reverse=True)
    assert len(client.get(f"{PREFIX}/drafts", headers=headers).get_json()["drafts"]) == 20
    for query in ({"limit": 101}, {"limit": 0}, {"before": 2**31}):
        response = client.get(f"{PREFIX}/drafts", headers=headers, query_string=query)
        assert_envelope(response, 422)


@pytest.fixture
def media_server():
    server = MediaServer()
    server.add("photo.jpg", image_bytes(1080, 1080), content_type="image/jpeg")
    threading.Thread(target=server.httpd.serve_forever, daemon=True).start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.mark.parametrize("count", [CAROUSEL_MAX_ITEMS + 1, 100])
def test_a_carousel_over_the_count_downloads_nothing(client, account, media_server, count):
    headers, account_id = account
    items = [{"image_url": media_server.url(f"/range/photo.jpg?item={i}")}
             for i in range(count)]
    body = {"account_id": account_id, "items": items}
    for path, extra in (("/preview", {"type": "feed"}), ("/posts", {})):
        response = client.post(PREFIX + path, headers=headers, json={**body, **extra})
        problems = response.get_json()["errors"] if path == "/preview" else \
            assert_envelope(response, 422)["details"]["errors"]
        assert "carousel_too_many_items" in {p["code"] for p in problems}
    assert media_server.requests == []


def test_a_carousel_within_the_count_is_checked_item_by_item(client, account, media_server):
    headers, account_id = account
    items = [{"image_url": media_server.url(f"/range/photo.jpg?item={i}")}
             for i in range(CAROUSEL_MAX_ITEMS)]
    report = client.post(f"{PREFIX}/preview", headers=headers, json={
        "type": "feed", "account_id": account_id, "items": items}).get_json()
    assert report["valid"], report["errors"]
    assert len(media_server.requests) == CAROUSEL_MAX_ITEMS
