"""Reading media: seeded media, fields, `/media` cursor paging, `/stories`, the control list."""
import re
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import requests

from tests.sandbox.helpers import (FB, IG, create_id, error_of, image,
                                   publish_id)

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$")
FIELDS = ("id,media_type,media_product_type,caption,permalink,shortcode,media_url,"
          "thumbnail_url,timestamp,username,like_count,comments_count,is_comment_enabled,"
          "owner{id},children{id,media_type,media_url}")
DAY = 24 * 3600


def test_paging_visits_every_media_once_newest_first(meta):
    token = meta.ig_short_token()
    first = meta.ig("/v25.0/me/media", token, fields="id,timestamp,media_product_type").json()
    assert len(first["data"]) == 25 and "previous" not in first["paging"]
    seen, page = [], first
    while True:
        seen += page["data"]
        if "next" not in page["paging"]:
            break
        next_url = page["paging"]["next"]
        assert next_url.startswith(f"{meta.url}/graph.instagram.com/v25.0/me/media?")
        page = requests.get(next_url, timeout=5).json()
        assert "previous" in page["paging"]
    assert len(seen) == len({m["id"] for m in seen}) == 120
    assert all(m["media_product_type"] != "STORY" for m in seen)
    stamps = [m["timestamp"] for m in seen]
    assert stamps == sorted(stamps, reverse=True)
    assert meta.ig("/me", token, fields="media_count").json()["media_count"] == 120


def test_limit_cursors_and_previous(meta):
    token = meta.ig_short_token()
    assert len(meta.ig("/me/media", token, limit=500).json()["data"]) == 100
    second = meta.ig("/me/media", token, limit=100, after=meta.ig(
        "/me/media", token, limit=100).json()["paging"]["cursors"]["after"]).json()
    assert len(second["data"]) == 20 and "next" not in second["paging"]
    back = requests.get(second["paging"]["previous"], timeout=5).json()
    assert len(back["data"]) == 100 and "previous" not in back["paging"]
    error_of(meta.ig("/me/media", token, after="bm9wZQ=="), 100)


def test_next_links_carry_the_token_only_if_the_query_did(meta):
    token = meta.ig_short_token()
    in_query = meta.ig("/me/media", token, limit=5).json()["paging"]["next"]
    assert parse_qs(urlsplit(in_query).query)["access_token"] == [token]
    in_header = meta.get(IG, "/me/media", params={"limit": 5},
                         headers={"Authorization": f"Bearer {token}"}).json()["paging"]["next"]
    assert "access_token" not in parse_qs(urlsplit(in_header).query)


def test_since_and_until(meta):
    token = meta.ig_short_token()
    data = meta.ig("/me/media", token, fields="timestamp", limit=100).json()["data"]
    newest, tenth = data[0]["timestamp"], data[9]["timestamp"]
    window = meta.ig("/me/media", token, fields="timestamp", since=tenth, until=newest)
    assert window.json()["data"] == data[:10]
    unix = int(datetime.strptime(tenth, "%Y-%m-%dT%H:%M:%S%z").timestamp())
    assert meta.ig("/me/media", token, fields="timestamp", since=unix).json()["data"] == data[:10]
    error_of(meta.ig("/me/media", token, since="yesterday"), 100)


def test_media_fields(meta):
    token = meta.ig_short_token()
    items = meta.ig("/me/media", token, fields=FIELDS, limit=4).json()["data"]
    by_type = {m["media_type"]: m for m in items}
    reel, image_post, album = by_type["VIDEO"], by_type["IMAGE"], by_type["CAROUSEL_ALBUM"]
    assert reel["media_product_type"] == "REELS" and "/reel/" in reel["permalink"]
    assert "thumbnail_url" in reel and "thumbnail_url" not in image_post
    assert image_post["permalink"] == f"https://www.instagram.com/p/{image_post['shortcode']}/"
    assert [c["media_type"] for c in album["children"]["data"]] == ["IMAGE", "IMAGE", "VIDEO"]
    assert "children" not in image_post
    for media in items:
        assert TIMESTAMP.match(media["timestamp"]) and media["username"] == "sandbox_business"
        assert media["owner"] == {"id": "17841400000000001"}
        assert isinstance(media["like_count"], int) and media["like_count"] > 0
        assert requests.head(media["media_url"], timeout=5).status_code == 200
    child_id = album["children"]["data"][0]["id"]
    child = meta.ig(f"/{child_id}", token, fields="id,media_type,permalink,like_count").json()
    assert child == {"id": child_id, "media_type": "IMAGE"}
    edge = meta.ig(f"/{album['id']}/children", token).json()
    assert [c["id"] for c in edge["data"]] == [c["id"] for c in album["children"]["data"]]
    error = error_of(meta.ig(f"/{reel['id']}", token, fields="impressions"), 100)
    assert "node type (IGMedia)" in error["message"]


def test_other_accounts_media_is_not_readable(meta):
    token = meta.ig_short_token()
    creator = meta.ig_short_token(sandbox_persona="creator")
    foreign = meta.ig("/me/media", creator, limit=1).json()["data"][0]["id"]
    error_of(meta.ig(f"/{foreign}", token), 100, 33)
    error_of(meta.ig("/17841400000000002/media", token), 100, 33)


def test_stories_of_the_last_24_hours(meta):
    token = meta.ig_long_token()
    stories = meta.ig("/me/stories", token, fields="id,media_type,media_product_type,"
                                                   "permalink,timestamp").json()["data"]
    assert [s["media_type"] for s in stories] == ["IMAGE", "VIDEO"]
    assert all(s["media_product_type"] == "STORY" for s in stories)
    assert stories[0]["permalink"] == (
        f"https://www.instagram.com/stories/sandbox_business/{stories[0]['id']}/")
    new_story = publish_id(meta, token, create_id(meta, token, media_type="STORIES",
                                                  image_url=image(meta, 1080, 1920)))
    assert meta.ig("/me/stories", token).json()["data"][0]["id"] == new_story
    meta.advance(20 * 3600)  # the 5-hour-old story passes 24 hours
    left = [s["id"] for s in meta.ig("/me/stories", token).json()["data"]]
    assert left == [new_story, stories[0]["id"]]
    gone = meta.ig(f"/{stories[1]['id']}", token, fields="media_product_type").json()
    assert gone["media_product_type"] == "STORY"  # still readable by id


def test_facebook_login_reads_media(meta):
    token = meta.fb_user_token()
    body = meta.fb("/v25.0/17841400000000001/media", token, fields="id,caption", limit=2).json()
    assert len(body["data"]) == 2 and body["paging"]["next"].startswith(
        f"{meta.url}/graph.facebook.com/v25.0/17841400000000001/media?")
    media_id = body["data"][0]["id"]
    assert meta.fb(f"/{media_id}", token, fields="media_type").status_code == 200
    no_basic = meta.fb_user_token(sandbox_scopes="pages_show_list,instagram_content_publish")
    error_of(meta.fb(f"/{media_id}", no_basic), 10)
    assert meta.get(FB, "/17841400000000001/media").status_code == 400


def test_control_listing_has_container_ids(meta):
    token = meta.ig_short_token()
    container_id = create_id(meta, token, image_url=image(meta))
    media_id = publish_id(meta, token, container_id)
    data = meta.control("GET", "/accounts/sandbox_business/media").json()["data"]
    assert len(data) == 120 + 3 + 1
    assert data[0]["id"] == media_id and data[0]["container_id"] == container_id
    containers = meta.control("GET", "/accounts/sandbox_business/containers").json()["data"]
    assert containers == [{"id": container_id, "kind": "IMAGE", "status_code": "PUBLISHED",
                           "status": "Published: Media has been published",
                           "media_id": media_id, "created": containers[0]["created"]}]
    assert meta.control("GET", "/accounts/nobody/media").status_code == 404
    creator = meta.control("GET", "/accounts/sandbox_creator/media").json()["data"]
    assert len(creator) == 60 + 3
