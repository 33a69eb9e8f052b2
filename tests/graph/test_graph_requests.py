"""Graph calls: URLs, params and headers; token in the header; appsecret_proof; paging."""
import hashlib
import hmac
import io
import json
from datetime import datetime, timezone

import pytest
import requests
import responses

from backend.services.instagram.graph.client import ClientSettings, InstagramAPI
from backend.services.instagram.graph.errors import PermanentError
from tests.graph.fakes import APP_SECRET, FB, IG, IG_USER, TOKEN, V, form_body, path, query

PROOF = hmac.new(APP_SECRET.encode(), TOKEN.encode(), hashlib.sha256).hexdigest()


def test_instagram_account_info_reads_me_with_a_bearer_token(rsps, ig):
    rsps.add(responses.GET, f"{IG}/{V}/me", json={"id": "1", "user_id": IG_USER})
    assert ig.get_account_info()["user_id"] == IG_USER
    call = rsps.calls[0]
    assert call.request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in call.request.url
    assert query(call) == {"fields": "user_id,username,name,account_type,profile_picture_url,"
                                     "followers_count,follows_count,media_count,biography,website"}


def test_fields_may_be_a_sequence(rsps, ig):
    rsps.add(responses.GET, f"{IG}/{V}/me", json={"user_id": IG_USER})
    ig.get_account_info(fields=("user_id", "username"))
    assert query(rsps.calls[0])["fields"] == "user_id,username"


def test_facebook_account_info_reads_the_ig_user_with_appsecret_proof(rsps, fb):
    rsps.add(responses.GET, f"{FB}/{V}/{IG_USER}", json={"id": IG_USER})
    fb.get_account_info(IG_USER)
    call = rsps.calls[0]
    assert query(call)["appsecret_proof"] == PROOF
    assert call.request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert "access_token" not in query(call)


@pytest.mark.parametrize("options", [{"appsecret_proof": False}, {"app_secret": None}])
def test_no_proof_when_disabled_or_without_secret(rsps, make_client, options):
    rsps.add(responses.GET, f"{FB}/{V}/{IG_USER}", json={"id": IG_USER})
    make_client("facebook", **options).get_account_info(IG_USER)
    assert "appsecret_proof" not in query(rsps.calls[0])


def test_facebook_account_info_needs_the_ig_user_id(fb):
    with pytest.raises(ValueError):
        fb.get_account_info()


def test_permissions_are_grouped_by_status(rsps, fb):
    rsps.add(responses.GET, f"{FB}/{V}/me/permissions", json={"data": [
        {"permission": "instagram_basic", "status": "granted"},
        {"permission": "pages_show_list", "status": "declined"},
        {"permission": "instagram_manage_insights", "status": "expired"}]})
    assert fb.get_permissions() == {"granted": ["instagram_basic"],
                                    "declined": ["pages_show_list"],
                                    "expired": ["instagram_manage_insights"]}


def test_pages_follow_every_page_of_results(rsps, fb):
    url = f"{FB}/{V}/me/accounts"
    rsps.add(responses.GET, url, json={"data": [{"id": "p1"}], "paging": {
        "cursors": {"after": "C1"}, "next": f"{url}?after=C1"}})
    rsps.add(responses.GET, url, json={"data": [{"id": "p2"}], "paging": {"cursors": {}}})
    assert [p["id"] for p in fb.get_pages()] == ["p1", "p2"]
    assert query(rsps.calls[0])["fields"] == "id,name,access_token,tasks,instagram_business_account"
    assert query(rsps.calls[1])["after"] == "C1"


def test_page_instagram_account(rsps, fb):
    rsps.add(responses.GET, f"{FB}/{V}/1234",
             json={"id": "1234", "instagram_business_account": {"id": IG_USER}})
    rsps.add(responses.GET, f"{FB}/{V}/5678", json={"id": "5678"})
    assert fb.get_page_instagram_account("1234") == {"id": IG_USER}
    assert fb.get_page_instagram_account("5678") is None
    assert query(rsps.calls[0])["fields"] == "instagram_business_account"


def test_paginate_over_three_pages_stops_without_next(rsps, ig):
    url = f"{IG}/{V}/{IG_USER}/media"
    for n, after in ((1, "A1"), (2, "A2")):
        rsps.add(responses.GET, url, json={"data": [{"id": f"m{n}"}], "paging": {
            "cursors": {"before": "B", "after": after}, "next": f"{url}?after={after}"}})
    rsps.add(responses.GET, url, json={"data": [{"id": "m3"}],
                                       "paging": {"cursors": {"after": "A3"}}})
    items = list(ig.paginate(f"{IG_USER}/media", {"fields": "id", "limit": 1}))
    assert [i["id"] for i in items] == ["m1", "m2", "m3"]
    assert len(rsps.calls) == 3
    assert [query(c).get("after") for c in rsps.calls] == [None, "A1", "A2"]
    assert all(query(c)["fields"] == "id" for c in rsps.calls)


def test_paginate_stops_at_limit_without_fetching_more(rsps, ig):
    url = f"{IG}/{V}/{IG_USER}/media"
    rsps.add(responses.GET, url, json={"data": [{"id": "a"}, {"id": "b"}], "paging": {
        "cursors": {"after": "A1"}, "next": f"{url}?after=A1"}})
    assert [i["id"] for i in ig.paginate(f"{IG_USER}/media", limit=2)] == ["a", "b"]
    assert len(rsps.calls) == 1


def test_paginate_follows_time_based_next_links_without_their_token(rsps, ig):
    url = f"{IG}/{V}/{IG_USER}/media"
    rsps.add(responses.GET, url, json={"data": [{"id": "a"}], "paging": {
        "next": f"{url}?until=1700000000&access_token=LEAKED0000000000000000"}})
    rsps.add(responses.GET, url, json={"data": [{"id": "b"}], "paging": {}})
    assert len(list(ig.paginate(f"{IG_USER}/media"))) == 2
    assert query(rsps.calls[1]) == {"until": "1700000000"}


def test_paginate_stops_when_meta_repeats_a_cursor(rsps, ig):
    url = f"{IG}/{V}/{IG_USER}/media"
    rsps.add(responses.GET, url, json={"data": [{"id": "a"}], "paging": {
        "cursors": {"after": "SAME"}, "next": f"{url}?after=SAME"}})
    assert len(list(ig.paginate(f"{IG_USER}/media"))) == 2
    assert len(rsps.calls) == 2


def test_create_container_encodes_lists_and_booleans(rsps, fb):
    rsps.add(responses.POST, f"{FB}/{V}/{IG_USER}/media", json={"id": "c1"})
    tags = [{"username": "x", "x": 0.5, "y": 0.8}]
    assert fb.create_container(IG_USER, media_type="CAROUSEL", children=["1", "2"],
                               user_tags=tags, share_to_feed=True, caption=None,
                               is_carousel_item=False) == {"id": "c1"}
    call = rsps.calls[0]
    assert form_body(call) == {"media_type": "CAROUSEL", "children": '["1","2"]',
                               "user_tags": json.dumps(tags, separators=(",", ":")),
                               "share_to_feed": "true", "is_carousel_item": "false",
                               "appsecret_proof": PROOF}
    assert query(call) == {}


def test_container_status_and_publish(rsps, ig):
    rsps.add(responses.GET, f"{IG}/{V}/c1", json={"id": "c1", "status_code": "FINISHED",
                                                  "status": "Finished: Media has been uploaded"})
    rsps.add(responses.POST, f"{IG}/{V}/{IG_USER}/media_publish", json={"id": "m1"})
    assert ig.get_container_status("c1")["status_code"] == "FINISHED"
    assert query(rsps.calls[0]) == {"fields": "status_code,status"}
    assert ig.publish_container(IG_USER, "c1") == {"id": "m1"}
    assert form_body(rsps.calls[1]) == {"creation_id": "c1"}


@pytest.mark.parametrize("body,expected", [
    ({"data": [{"quota_usage": 2, "config": {"quota_total": 50, "quota_duration": 86400}}]},
     {"quota_usage": 2, "quota_total": 50, "quota_duration": 86400}),
    ({"data": [{"quota_usage": 7}]},
     {"quota_usage": 7, "quota_total": None, "quota_duration": None}),
    ({"data": []}, {"quota_usage": 0, "quota_total": None, "quota_duration": None}),
])
def test_publishing_limit_tolerates_missing_config(rsps, ig, body, expected):
    rsps.add(responses.GET, f"{IG}/{V}/{IG_USER}/content_publishing_limit", json=body)
    assert ig.get_publishing_limit(IG_USER) == expected
    assert query(rsps.calls[0]) == {"fields": "quota_usage,config"}


def test_media_reads_and_insights(rsps, ig):
    rsps.add(responses.GET, f"{IG}/{V}/m1", json={"id": "m1"})
    rsps.add(responses.GET, f"{IG}/{V}/{IG_USER}/media", json={"data": [], "paging": {}})
    rsps.add(responses.GET, f"{IG}/{V}/m1/insights", json={"data": []})
    rsps.add(responses.GET, f"{IG}/{V}/{IG_USER}/insights", json={"data": []})
    ig.get_media("m1", fields=["id", "permalink"])
    assert ig.list_media(IG_USER, fields="id", limit=10, after="A") == {"data": [], "paging": {}}
    ig.get_media_insights("m1", ["reach", "views"], breakdown="story_navigation_action_type")
    ig.get_account_insights(IG_USER, ["views"], breakdown=["media_product_type"],
                            since=datetime(2025, 5, 1, tzinfo=timezone.utc), until=1746144000)
    calls = rsps.calls
    assert query(calls[0]) == {"fields": "id,permalink"}
    assert query(calls[1]) == {"fields": "id", "limit": "10", "after": "A"}
    assert query(calls[2]) == {"metric": "reach,views",
                               "breakdown": "story_navigation_action_type"}
    assert query(calls[3]) == {"metric": "views", "period": "day",
                               "metric_type": "total_value", "since": "1746057600",
                               "until": "1746144000", "breakdown": "media_product_type"}


def test_upload_video_bytes_to_rupload(rsps, fb):
    rsps.add(responses.POST, f"https://rupload.facebook.com/ig-api-upload/{V}/c9",
             json={"success": True, "message": "Upload successful."})
    assert fb.upload_video_bytes("c9", b"\x00\x01video")["success"] is True
    request = rsps.calls[0].request
    assert request.headers["Authorization"] == f"OAuth {TOKEN}"
    assert request.headers["offset"] == "0" and request.headers["file_size"] == "7"
    assert request.body == b"\x00\x01video"
    assert TOKEN not in request.url


def test_a_large_upload_has_time_to_be_sent(rsps, fb):
    # The attempt, sending included, ends at connect + read (graph/watchdog.py): a second a
    # MB is added, so 100 MB over a slow link is not cut at the read timeout.
    rsps.add(responses.POST, f"https://rupload.facebook.com/ig-api-upload/{V}/c9",
             json={"success": True, "message": "Upload successful."})
    fb.upload_video_bytes("c9", io.BytesIO(b"x"), size=100_000_000, offset=20_000_000)
    connect, read = rsps.calls[0].request.req_kwargs["timeout"]
    default_connect, default_read = fb.timeout
    assert (connect, read) == (default_connect, default_read + 80)


def test_upload_video_url_and_rupload_failure_shape(rsps, fb):
    inner = json.dumps({"success": False, "error": {"message": "unauthorized user request"}})
    rsps.add(responses.POST, f"https://rupload.facebook.com/ig-api-upload/{V}/c9", status=400,
             json={"debug_info": {"retriable": False, "type": "ProcessingFailedError",
                                  "message": inner}})
    with pytest.raises(PermanentError) as info:
        fb.upload_video_url("c9", "https://cdn.example.com/v.mp4")
    assert info.value.message == "unauthorized user request"
    assert info.value.reason == "upload_failed"
    assert rsps.calls[0].request.headers["file_url"] == "https://cdn.example.com/v.mp4"
    assert len(rsps.calls) == 1


def test_file_objects_need_a_size(fb, tmp_path):
    with open(tmp_path.joinpath("v.mp4"), "wb+") as handle, pytest.raises(ValueError):
        fb.upload_video_bytes("c9", handle)


def test_from_settings_uses_the_configured_hosts_and_shared_session(rsps):
    session = requests.Session()
    settings = ClientSettings(app_id="9", app_secret="s" * 16, graph_version="v24.0",
                              facebook_graph_url="http://127.0.0.1:9/graph.facebook.com")
    client = InstagramAPI.from_settings(settings, TOKEN, "facebook", session=session)
    rsps.add(responses.GET, "http://127.0.0.1:9/graph.facebook.com/v24.0/me/accounts",
             json={"data": []})
    assert client.get_pages() == [] and client.session is session
    assert path(rsps.calls[0]) == "/graph.facebook.com/v24.0/me/accounts"
    assert "s" * 16 not in repr(settings) and TOKEN not in repr(client)
