"""Media listing end to end through real HTTP: platform and sandbox on loopback."""
import re
from datetime import datetime, timezone

import pytest
import requests

from backend.services.instagram.media.listing import normalise, paging_of
from tests.conftest import query_of

UTC_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
FIELDS = {"id", "media_type", "media_product_type", "caption", "permalink", "media_url",
          "thumbnail_url", "timestamp", "like_count", "comments_count", "children", "post_id"}


class Reader:
    """Alice with a connected business account, reading media; keeps every body it saw."""

    def __init__(self, live, sandbox, headers, account):
        self.live, self.sandbox, self.headers, self.account = live, sandbox, headers, account
        self.bodies = []

    def get(self, url, headers=None, **params):
        url = url if url.startswith("http") else self.live.api(url)
        response = self.live.http.get(url, params=params or None,
                                      headers=self.headers if headers is None else headers)
        self.bodies.append(response.text)
        return response

    def media(self, path="/media", **params):
        return self.get(path, account_id=self.account["id"], **params)

    def sandbox_media(self, username="sandbox_business"):
        return requests.get(f"{self.sandbox.url}/_sandbox/accounts/{username}/media").json()[
            "data"]

    def walk(self, path="/media", **params):
        """Every page from the first, following `paging.next`; returns the pages."""
        pages = [self.media(path, **params)]
        while True:
            assert pages[-1].status_code == 200, pages[-1].text
            following = pages[-1].json()["paging"]["next"]
            if following is None:
                return [p.json() for p in pages]
            pages.append(self.get(following))

    def assert_no_token_leaked(self):
        tokens = [t["access_token"] for t in requests.get(
            f"{self.sandbox.url}/_sandbox/tokens").json()["data"]]
        assert tokens and self.bodies
        for body in self.bodies:
            assert "access_token" not in body
            for token in tokens:
                assert token not in body


@pytest.fixture
def reader(live, live_user, connect_account, sandbox):
    headers = live_user()
    reader = Reader(live, sandbox, headers, connect_account(headers))
    yield reader
    reader.assert_no_token_leaked()


def error_of(response, status, code):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    return error


@pytest.mark.e2e
def test_paging_with_next_reaches_every_post_once_newest_first(reader):
    pages = reader.walk(limit=25)
    assert [len(p["data"]) for p in pages] == [25, 25, 25, 25, 20]
    listed = [m["id"] for p in pages for m in p["data"]]
    expected = [m["id"] for m in reader.sandbox_media()
                if m["media_product_type"] != "STORY"]
    assert listed == expected and len(set(listed)) == 120
    times = [m["timestamp"] for p in pages for m in p["data"]]
    assert times == sorted(times, reverse=True)
    for page in pages[:-1]:
        assert page["paging"]["next"].startswith(reader.live.api("/media?"))
        assert query_of(page["paging"]["next"]) == {
            "account_id": str(reader.account["id"]), "limit": "25",
            "after": page["paging"]["after"]}
    last = pages[-1]["paging"]
    assert last["next"] is None and last["after"]  # Meta's cursor, but no more pages
    assert pages[0]["paging"]["previous"] is None and pages[1]["paging"]["previous"]
    back = reader.get(pages[1]["paging"]["previous"]).json()
    assert [m["id"] for m in back["data"]] == [m["id"] for m in pages[0]["data"]]


@pytest.mark.e2e
def test_limit_100_then_the_rest_by_cursor(reader):
    first = reader.media(limit=100).json()
    assert len(first["data"]) == 100 and first["paging"]["next"]
    rest = reader.media(limit=100, after=first["paging"]["after"]).json()
    assert len(rest["data"]) == 20 and rest["paging"]["next"] is None
    assert not {m["id"] for m in first["data"]} & {m["id"] for m in rest["data"]}
    default = reader.media().json()
    assert len(default["data"]) == 25 and "limit=25" in default["paging"]["next"]


@pytest.mark.e2e
@pytest.mark.parametrize("params", [
    {"limit": 0}, {"limit": 101}, {"limit": "many"}, {"after": "QQ==", "before": "QQ=="},
    {"after": "abc$def"}, {"after": "a b"}, {"before": "A" * 1025}, {"after": ""},
    {"unknown": "1"},
])
def test_invalid_listing_parameters_are_refused(reader, params):
    for path in ("/media", "/media/stories"):
        error = error_of(reader.media(path, **params), 422, "validation_error")
        assert error["details"]["errors"]


@pytest.mark.e2e
def test_missing_account_id_is_a_validation_error(reader):
    error_of(reader.get("/media"), 422, "validation_error")


@pytest.mark.e2e
def test_carousel_children_and_normalised_fields(reader):
    items = reader.media(limit=10).json()["data"]
    for item in items:
        assert set(item) == FIELDS
        assert UTC_ISO.match(item["timestamp"]), item["timestamp"]
        assert item["post_id"] is None
        assert isinstance(item["like_count"], int) and isinstance(item["comments_count"], int)
        if item["media_type"] != "VIDEO":
            assert item["thumbnail_url"] is None
        if item["media_type"] != "CAROUSEL_ALBUM":
            assert item["children"] is None
    album = next(m for m in items if m["media_type"] == "CAROUSEL_ALBUM")
    seeded = next(m for m in reader.sandbox_media() if m["id"] == album["id"])
    assert [c["id"] for c in album["children"]] == [c["id"] for c in seeded["children"]]
    assert [c["media_type"] for c in album["children"]] == ["IMAGE", "IMAGE", "VIDEO"]
    for child in album["children"]:
        assert child["media_url"] and UTC_ISO.match(child["timestamp"])
        assert set(child) == {"id", "media_type", "media_url", "thumbnail_url", "permalink",
                              "timestamp"}
    video = album["children"][2]
    assert video["thumbnail_url"]
    single = reader.get(f"/media/{album['id']}", account_id=reader.account["id"])
    assert single.status_code == 200, single.text
    assert single.json() == album


@pytest.mark.e2e
def test_media_published_through_the_platform_has_its_post_id(reader, app):
    image = f"{reader.sandbox.url}/_sandbox/samples/image.jpg?w=1080&h=1080"
    published = reader.live.http.post(
        reader.live.api("/posts"), headers=reader.headers,
        json={"account_id": reader.account["id"], "caption": "two",
              "items": [{"image_url": image}, {"image_url": image + "&seed=2"}]})
    assert published.status_code == 201, published.text
    post = published.json()["post"]
    newest = reader.media(limit=5).json()["data"]
    assert newest[0]["id"] == post["media_id"] and newest[0]["post_id"] == post["id"]
    assert newest[0]["media_type"] == "CAROUSEL_ALBUM" and len(newest[0]["children"]) == 2
    assert newest[0]["caption"] == "two"
    assert all(m["post_id"] is None for m in newest[1:])
    single = reader.get(f"/media/{post['media_id']}", account_id=reader.account["id"]).json()
    assert single["post_id"] == post["id"]


@pytest.mark.e2e
def test_stories_lists_only_live_stories(reader):
    stories = [m for m in reader.sandbox_media() if m["media_product_type"] == "STORY"]
    assert len(stories) == 3
    page = reader.media("/media/stories").json()
    listed = page["data"]
    assert len(listed) == 2 and all(m["media_product_type"] == "STORY" for m in listed)
    oldest = min(stories, key=lambda m: m["timestamp"])
    assert oldest["id"] not in {m["id"] for m in listed}
    assert {m["id"] for m in listed} == {m["id"] for m in stories} - {oldest["id"]}
    assert page["paging"]["next"] is None and page["paging"]["previous"] is None
    assert all(set(m) == FIELDS and m["children"] is None for m in listed)
    paged = reader.media("/media/stories", limit=1).json()
    assert len(paged["data"]) == 1
    assert paged["paging"]["next"].startswith(reader.live.api("/media/stories?"))
    second = reader.get(paged["paging"]["next"]).json()
    assert [m["id"] for m in paged["data"] + second["data"]] == [m["id"] for m in listed]
    # The expired story is still readable by id.
    old = reader.get(f"/media/{oldest['id']}", account_id=reader.account["id"])
    assert old.status_code == 200 and old.json()["media_product_type"] == "STORY"


@pytest.mark.e2e
@pytest.mark.parametrize("media_id", ["abc", "12a", "1" * 40, "%C2%B2"])
def test_single_media_id_must_be_digits(reader, media_id):
    error_of(reader.get(f"/media/{media_id}", account_id=reader.account["id"]), 404,
             "media_not_found")


@pytest.mark.e2e
def test_graph_errors_for_unreadable_media_use_the_envelope(reader, live_user, connect_account):
    bob = live_user("bob@example.com")
    connect_account(bob, persona="creator")
    theirs = reader.sandbox_media("sandbox_creator")[0]["id"]
    response = reader.get(f"/media/{theirs}", account_id=reader.account["id"])
    error = error_of(response, 404, "instagram_object_not_found")
    assert error["details"]["meta_code"] == 100
    error_of(reader.get("/media/999999999", account_id=reader.account["id"]), 404,
             "instagram_object_not_found")


@pytest.mark.e2e
def test_other_users_and_anonymous_callers_are_refused(reader, live_user):
    bob = live_user("bob@example.com")
    own = reader.account["id"]
    media_id = reader.sandbox_media()[0]["id"]
    for path in ("/media", "/media/stories", f"/media/{media_id}"):
        error_of(reader.get(path, headers=bob, account_id=own), 404, "account_not_found")
        error_of(reader.get(path, headers={}, account_id=own), 401, "authorization_required")
        error_of(reader.get(path, account_id=own + 1000), 404, "account_not_found")


@pytest.mark.e2e
def test_openapi_documents_the_media_endpoints(reader):
    document = reader.get("/openapi.json").json()
    for path in ("/media", "/media/stories", "/media/{media_id}"):
        operation = document["paths"][f"/api/sns/instagram{path}"]["get"]
        assert {"200", "401", "404", "422"} <= set(operation["responses"])
    assert {"MediaPage", "MediaOut", "MediaListQuery"} <= set(document["components"]["schemas"])


def test_normalise_turns_missing_fields_into_nulls():
    item = normalise({"id": "17900000000000001", "media_type": "VIDEO",
                      "timestamp": "2025-05-01T07:00:00+0000"})
    assert item == {"id": "17900000000000001", "media_type": "VIDEO",
                    "media_product_type": None, "caption": None, "permalink": None,
                    "media_url": None, "thumbnail_url": None,
                    "timestamp": datetime(2025, 5, 1, 7, tzinfo=timezone.utc),
                    "like_count": None, "comments_count": None, "children": None}
    album = normalise({"id": "1", "media_type": "CAROUSEL_ALBUM", "timestamp": "garbage"})
    assert album["children"] == [] and album["timestamp"] is None
    assert normalise({"id": "2", "timestamp": "2025-05-01T09:00:00+0200"})["timestamp"] == \
        datetime(2025, 5, 1, 7, tzinfo=timezone.utc)


def test_paging_links_only_when_meta_has_them():
    def link(**cursor):
        return f"https://platform.example/media?{cursor}"
    last = paging_of({"cursors": {"before": "QQ==", "after": "Qg=="},
                      "previous": "https://graph.instagram.com/x?before=QQ=="}, link)
    assert last["next"] is None and last["after"] == "Qg==" and last["previous"]
    assert paging_of(None, link) == {"after": None, "before": None, "next": None,
                                     "previous": None}
    only_link = paging_of({"next": "https://graph.instagram.com/x?access_token=SECRET&after=Qw"},
                          link)
    assert only_link["after"] == "Qw" and "SECRET" not in only_link["next"]
