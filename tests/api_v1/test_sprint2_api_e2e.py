"""The Sprint 2 plan's API, end to end over real HTTP against the sandbox: every path."""
from urllib.parse import parse_qs, urlparse

import pytest
import requests

pytestmark = pytest.mark.e2e

AUTH = "/api/v1/auth/instagram"
V1 = "/api/v1/instagram"


@pytest.fixture
def v1(live):
    return lambda path: f"{live.url}{path}"


def connect_v1(live, v1, headers, **sandbox_params):
    """POST connect, open its link in this browser (live.http keeps the cookie), let the
    sandbox approve, follow Meta's redirect to the Sprint 2 callback."""
    started = live.http.post(v1(f"{AUTH}/connect"), json={}, headers=headers)
    assert started.status_code == 200, started.text
    dialog = live.http.get(started.json()["start_url"], allow_redirects=False)
    assert dialog.status_code == 302
    redirect = parse_qs(urlparse(dialog.headers["Location"]).query)["redirect_uri"][0]
    assert redirect == v1(f"{AUTH}/callback")
    approved = requests.get(dialog.headers["Location"], params=sandbox_params,
                            allow_redirects=False)
    callback = approved.headers["Location"]
    assert callback.startswith(v1(f"{AUTH}/callback?"))
    return callback


def test_connect_and_callback_keep_the_browser_binding(live, live_user, v1):
    headers = live_user()
    callback = connect_v1(live, v1, headers)
    # Meta's redirect reaching another browser (no connect cookie) connects nothing.
    other = requests.get(callback, headers={"Accept": "application/json"})
    assert other.status_code == 400 and other.json()["error"]["code"] == "browser_mismatch"

    callback = connect_v1(live, v1, headers)
    cookies = {c.name for c in live.http.cookies if c.name.startswith("ig_connect_")}
    answer = live.http.get(callback, headers={"Accept": "application/json"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["account"]["username"] == "sandbox_business"
    # This connect's cookie is dropped by the callback it was scoped to.
    left = {c.name for c in live.http.cookies if c.name.startswith("ig_connect_")}
    assert len(left) == len(cookies) - 1
    # The same connection the integration's own paths list.
    listed = live.http.get(live.api("/accounts"), headers=headers).json()["accounts"]
    assert [a["username"] for a in listed] == ["sandbox_business"]


def test_status_before_and_after_connecting(live, live_user, v1, connect_account):
    headers = live_user()
    none = live.http.get(v1(f"{AUTH}/status"), headers=headers)
    assert none.status_code == 200
    assert none.json() == {"connected": False, "account": None, "status": None}
    account = connect_account(headers)
    one = live.http.get(v1(f"{AUTH}/status"), headers=headers).json()
    assert one["connected"] is True and one["account"]["id"] == account["id"]
    assert one["status"]["status"] == "active" and one["status"]["days_left"] > 50
    assert live.http.get(v1(f"{AUTH}/status"), headers={}).status_code == 401


def test_several_accounts_need_an_account_id_and_the_422_lists_them(live, live_user, v1,
                                                                    connect_account):
    headers = live_user()
    first = connect_account(headers)
    second = connect_account(headers, username="second_shop")
    for method, path in (("GET", f"{AUTH}/status"), ("GET", f"{V1}/profile"),
                         ("GET", f"{V1}/permissions"), ("DELETE", f"{AUTH}/disconnect")):
        response = live.http.request(method, v1(path), headers=headers)
        assert response.status_code == 422, (path, response.text)
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        assert error["details"]["errors"][0]["field"] == "account_id"
        assert [a["id"] for a in error["details"]["accounts"]] == [first["id"], second["id"]]
        assert "@sandbox_business" in error["message"] and "@second_shop" in error["message"]
    chosen = live.http.get(v1(f"{V1}/profile"), headers=headers,
                           params={"account_id": second["id"]})
    assert chosen.status_code == 200 and chosen.json()["username"] == "second_shop"


def test_profile_and_permissions_of_the_only_account(live, live_user, v1, connect_account):
    headers = live_user()
    account = connect_account(headers)
    profile = live.http.get(v1(f"{V1}/profile"), headers=headers)
    assert profile.status_code == 200, profile.text
    assert profile.json()["account_id"] == account["id"]
    assert profile.json()["username"] == "sandbox_business"
    assert profile.json()["followers_count"] is not None
    permissions = live.http.get(v1(f"{V1}/permissions"), headers=headers).json()
    assert permissions["account_id"] == account["id"] and permissions["can_publish"] is True


def test_without_an_account_the_answer_says_how_to_connect(live, live_user, v1):
    headers = live_user()
    for path in (f"{V1}/profile", f"{V1}/permissions"):
        response = live.http.get(v1(path), headers=headers)
        assert response.status_code == 404
        error = response.json()["error"]
        assert error["code"] == "no_connected_account" and f"{AUTH}/connect" in error["message"]


def test_another_users_account_is_not_found(live, live_user, v1, connect_account):
    mine = connect_account(live_user("owner@example.com"))
    headers = live_user("other@example.com")
    for path in (f"{AUTH}/status", f"{V1}/profile", f"{V1}/permissions"):
        response = live.http.get(v1(path), headers=headers, params={"account_id": mine["id"]})
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "account_not_found"


def test_publish_photo_from_a_multipart_image_with_caption_and_hashtags(live, live_user, v1,
                                                                        connect_account,
                                                                        fresh_sandbox):
    headers = live_user()
    connect_account(headers)
    image = requests.get(f"{fresh_sandbox.url}/_sandbox/samples/image.png?w=1080&h=1350")
    response = live.http.post(v1(f"{V1}/publish/photo"), headers=headers,
                              files={"image": ("photo.png", image.content, "image/png")},
                              data={"caption": "Autumn menu", "hashtags": "food, #autumn"})
    assert response.status_code == 201, response.text
    post = response.json()["post"]
    assert post["status"] == "published" and post["media_id"]
    assert post["caption"] == "Autumn menu\n#food #autumn"
    assert response.headers["Location"] == f"{V1}/posts/{post['id']}/status"
    media = fresh_sandbox.state.stores["media"].by_id[post["media_id"]]
    assert media.product == "FEED"

    status = live.http.get(v1(response.headers["Location"]), headers=headers)
    assert status.status_code == 200 and status.json()["post"]["id"] == post["id"]
    other = live.http.get(v1(response.headers["Location"]), headers=live_user("x@example.com"))
    assert other.status_code == 404 and other.json()["error"]["code"] == "post_not_found"


def test_publish_photo_from_a_url_in_json(live, live_user, v1, connect_account, fresh_sandbox):
    headers = live_user()
    account = connect_account(headers)
    image = f"{fresh_sandbox.url}/_sandbox/samples/image.jpg?w=1080&h=1080"
    response = live.http.post(v1(f"{V1}/publish/photo"), headers=headers, json={
        "account_id": account["id"], "image_url": image, "hashtags": ["coffee"]})
    assert response.status_code == 201, response.text
    assert response.json()["post"]["caption"] == "#coffee"


def test_publish_photo_refuses_what_instagram_would_refuse(live, live_user, v1, connect_account,
                                                           fresh_sandbox):
    headers = live_user()
    connect_account(headers)
    wide = f"{fresh_sandbox.url}/_sandbox/samples/image.jpg?w=1080&h=300"
    response = live.http.post(v1(f"{V1}/publish/photo"), headers=headers,
                              json={"image_url": wide})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert error["details"]["errors"][0]["code"] == "aspect_ratio_out_of_range"
    assert fresh_sandbox.state.stores["media"].by_id == {
        k: v for k, v in fresh_sandbox.state.stores["media"].by_id.items() if v.seeded}


def test_preview_defaults_to_a_feed_post_of_the_only_account(live, live_user, v1,
                                                             connect_account, fresh_sandbox):
    headers = live_user()
    connect_account(headers)
    image = f"{fresh_sandbox.url}/_sandbox/samples/image.jpg?w=1080&h=1350"
    body = {"image_url": image, "caption": "Hi @anna", "hashtags": "x y"}
    report = live.http.post(v1(f"{V1}/preview"), headers=headers, json=body)
    assert report.status_code == 200, report.text
    assert report.json()["valid"] is True and report.json()["type"] == "feed"
    assert report.json()["caption"] == "Hi @anna\n#x #y"
    page = live.http.post(v1(f"{V1}/preview"), json=body,
                          headers={**headers, "Accept": "text/html"})
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "sandbox_business" in page.text  # drawn as the account's post
    upload = requests.get(image).content
    multipart = live.http.post(v1(f"{V1}/preview"), headers=headers,
                               files={"image": ("a.jpg", upload, "image/jpeg")})
    assert multipart.status_code == 200 and multipart.json()["valid"] is True


def test_disconnect_then_status(live, live_user, v1, connect_account):
    headers = live_user()
    account = connect_account(headers)
    gone = live.http.delete(v1(f"{AUTH}/disconnect"), headers=headers)
    assert gone.status_code == 200, gone.text
    assert gone.json() == {"disconnected": True, "account_id": account["id"], "posts_kept": 0}
    status = live.http.get(v1(f"{AUTH}/status"), headers=headers).json()
    assert status["connected"] is False
    again = live.http.delete(v1(f"{AUTH}/disconnect"), headers=headers)
    assert again.status_code == 404 and again.json()["error"]["code"] == "no_connected_account"


def test_the_sprint2_paths_are_documented(live):
    document = live.http.get(f"{live.url}/openapi.json").json()
    expected = {("post", f"{AUTH}/connect"), ("get", f"{AUTH}/callback"),
                ("get", f"{AUTH}/status"), ("delete", f"{AUTH}/disconnect"),
                ("get", f"{V1}/profile"), ("get", f"{V1}/permissions"),
                ("post", f"{V1}/publish/photo"), ("post", f"{V1}/preview"),
                ("get", f"{V1}/posts/{{post_id}}/status")}
    for method, path in expected:
        operation = document["paths"][path][method]
        assert operation["tags"] == ["Sprint 2 API"], path
    photo = document["paths"][f"{V1}/publish/photo"]["post"]["requestBody"]["content"]
    files = photo["multipart/form-data"]["schema"]["allOf"][1]["properties"]
    assert files["image"]["format"] == "binary"
