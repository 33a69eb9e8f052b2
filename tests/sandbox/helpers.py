"""Helpers for the publishing, media and insights tests (containers, publishing, listing)."""
from tests.sandbox.conftest import graph_error

IG = "graph.instagram.com"
FB = "graph.facebook.com"
BUSINESS_ID = "17841400000000001"
INSIGHTS_SCOPES = ("instagram_business_basic,instagram_business_content_publish,"
                   "instagram_business_manage_insights")


def create(meta, token, host=IG, account="me", **params):
    return meta.post(host, f"/v25.0/{account}/media", token, **params)


def create_id(meta, token, host=IG, account="me", **params):
    response = create(meta, token, host, account, **params)
    assert response.status_code == 200, response.text
    return response.json()["id"]


def status(meta, token, container_id, host=IG):
    response = meta.get(host, f"/v25.0/{container_id}",
                        params={"access_token": token, "fields": "status_code,status"})
    assert response.status_code == 200, response.text
    return response.json()


def publish(meta, token, container_id, host=IG, account="me"):
    return meta.post(host, f"/v25.0/{account}/media_publish", token, creation_id=container_id)


def publish_id(meta, token, container_id, host=IG, account="me"):
    response = publish(meta, token, container_id, host, account)
    assert response.status_code == 200, response.text
    return response.json()["id"]


def image(meta, w=1080, h=1350, **params):
    return meta.sample("image.jpg", w=w, h=h, **params)


def video(meta, duration=12, w=1080, h=1920, **params):
    return meta.sample("video.mp4", duration=duration, w=w, h=h, **params)


def error_of(response, code, subcode=None):
    """The Graph error of `response`, asserting its code (and subcode when given)."""
    error = graph_error(response)
    assert error["code"] == code, error
    if subcode is not None:
        assert error.get("error_subcode") == subcode, error
    return error


def published_media(meta, username="sandbox_business"):
    """Media the account got from publishing (not seeded), newest first."""
    data = meta.control("GET", f"/accounts/{username}/media").json()["data"]
    return [media for media in data if not media["seeded"]]
