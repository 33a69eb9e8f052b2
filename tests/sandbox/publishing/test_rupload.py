"""Resumable uploads (rupload.facebook.com): bytes or a file URL into a waiting container."""
import requests

from tests.sandbox.helpers import FB, IG, error_of, status, video


def _rupload(meta, container_id, token, data=None, **headers):
    return requests.post(f"{meta.url}/rupload.facebook.com/ig-api-upload/v25.0/{container_id}",
                         data=data, headers={"Authorization": f"OAuth {token}", **headers},
                         timeout=10)


def test_resumable_upload_with_bytes_and_with_a_file_url(meta):
    user_token = meta.fb_user_token()
    account = "17841400000000001"
    meta.settings(resumable_uri=True)
    response = meta.post(FB, f"/v25.0/{account}/media", user_token, media_type="REELS",
                         upload_type="resumable", caption="uploaded")
    container_id, uri = response.json()["id"], response.json()["uri"]
    assert uri == f"{meta.url}/rupload.facebook.com/ig-api-upload/v25.0/{container_id}"
    data = requests.get(video(meta, 20), timeout=5).content
    assert _rupload(meta, container_id, "EAAbogus", data[:10], offset="0",
                    file_size=str(len(data))).status_code == 400
    first = _rupload(meta, container_id, user_token, data[:100], offset="0",
                     file_size=str(len(data)))
    assert first.json() == {"success": True, "message": "Upload successful."}
    assert status(meta, user_token, container_id, FB)["status_code"] == "IN_PROGRESS"
    rest = _rupload(meta, container_id, user_token, data[100:], offset="100",
                    file_size=str(len(data)))
    assert rest.json()["success"] is True
    meta.advance(3)
    assert status(meta, user_token, container_id, FB)["status_code"] == "FINISHED"
    again = _rupload(meta, container_id, user_token, data, offset="0", file_size=str(len(data)))
    assert again.status_code == 400 and "debug_info" in again.json()

    by_url = meta.post(FB, f"/{account}/media", user_token, media_type="REELS",
                       upload_type="resumable").json()["id"]
    assert _rupload(meta, by_url, user_token, file_url=video(meta, 2)).json()["success"]
    meta.advance(3)
    assert status(meta, user_token, by_url, FB)["status"].endswith("2207077")


def test_resumable_upload_is_facebook_login_only(meta):
    token = meta.ig_long_token()
    response = meta.post(IG, "/me/media", token, media_type="REELS", upload_type="resumable")
    assert error_of(response, 100)["message"] == "(#100) The parameter video_url is required"


def test_bytes_sent_with_curls_default_form_content_type_are_kept(meta):
    # curl --data-binary labels the video application/x-www-form-urlencoded; reading the
    # token from a form used to swallow the bytes, leaving the container IN_PROGRESS forever.
    user_token = meta.fb_user_token()
    container_id = meta.post(FB, "/v25.0/17841400000000001/media", user_token,
                             media_type="REELS", upload_type="resumable").json()["id"]
    data = requests.get(video(meta, 12), timeout=5).content
    response = _rupload(meta, container_id, user_token, data, offset="0",
                        file_size=str(len(data)),
                        **{"Content-Type": "application/x-www-form-urlencoded"})
    assert response.json()["success"] is True
    meta.advance(3)
    assert status(meta, user_token, container_id, FB)["status_code"] == "FINISHED"
