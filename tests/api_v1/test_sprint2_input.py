"""What the Sprint 2 paths do with input a user may send wrong: too large, of the wrong type,
given twice, or the account chosen in the query string of a POST. Never a 5xx."""
import io
import json

import pytest

from tests.conftest import connect_with_test_client

AUTH = "/api/v1/auth/instagram"
V1 = "/api/v1/instagram"
BIG = "x" * 200_000
IMAGE = "http://127.0.0.1:1/photo.jpg"  # never fetched: refused before


@pytest.fixture
def user(client, auth_headers):
    """A user with one connected account: (headers, account id)."""
    headers = auth_headers()
    account = connect_with_test_client(client, headers)["account"]
    return headers, account["id"]


def jpeg():
    return (io.BytesIO(b"\xff\xd8\xff\xe0 not really a jpeg"), "photo.jpg")


def refused(response, *fields):
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    error = response.get_json()["error"]
    assert error["code"] == "validation_error", error
    assert {e["field"] for e in error["details"]["errors"]} == set(fields), error
    return error


OVERSIZED = (
    ({"caption": BIG}, "caption"),
    ({"hashtags": [f"tag{i}" for i in range(5000)]}, "hashtags"),
    ({"alt_text": BIG}, "alt_text"),
    ({"image_url": "http://x.test/" + BIG}, "image_url"),
    ({"hashtags": ["x" * 101]}, "hashtags.0"),
)


@pytest.mark.parametrize("fields,field", OVERSIZED)
def test_oversized_photo_fields_are_the_422_of_the_integrations_own_publish(client, user,
                                                                            fields, field):
    headers, account_id = user
    own = client.post("/api/sns/instagram/posts", headers=headers,
                      json={"account_id": account_id, "image_url": IMAGE, **fields})
    expected = refused(own, field)["details"]["errors"]
    as_json = client.post(f"{V1}/publish/photo", headers=headers,
                          json={"image_url": IMAGE, **fields})
    assert refused(as_json, field)["details"]["errors"] == expected
    form = {k: json.dumps(v) if isinstance(v, list) else v for k, v in fields.items()}
    if "image_url" not in form:
        form["image"] = jpeg()
    as_form = client.post(f"{V1}/publish/photo", headers=headers, data=form,
                          content_type="multipart/form-data")
    assert refused(as_form, field)["details"]["errors"] == expected


def test_hashtags_as_one_long_text_are_refused_as_a_long_list(client, user):
    headers, _account_id = user
    text = " ".join(f"tag{i}" for i in range(5000))
    for path in (f"{V1}/publish/photo", f"{V1}/preview"):
        response = client.post(path, headers=headers, data={"hashtags": text},
                               content_type="multipart/form-data")
        assert refused(response, "hashtags")["details"]["errors"][0]["code"] == "too_long"


WRONG = ({"caption": 5}, {"hashtags": {"a": 1}}, {"alt_text": ["a"]}, {"image_url": 3},
         {"account_id": "eight"}, {"account_id": 10 ** 30}, {"account_id": -1},
         {"type": "carousel"}, {"unknown": 1}, {"caption": BIG, "hashtags": ["x" * 1000] * 500})


@pytest.mark.parametrize("body", WRONG)
@pytest.mark.parametrize("path", (f"{V1}/publish/photo", f"{V1}/preview"))
def test_v1_posts_refuse_wrong_or_oversized_bodies_with_a_422(client, user, path, body):
    headers, _account_id = user
    if "type" in body and path.endswith("photo"):
        body = {"unknown": 1}  # the photo body has no type
    response = client.post(path, headers=headers, json=body)
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]["code"] == "validation_error"


BAD_QUERIES = ("account_id=eight", f"account_id={10 ** 30}", "account_id=-1",
               f"account_id={BIG[:5000]}", "other=1", "account_id=1&account_id=2")
V1_PATHS = (("GET", f"{AUTH}/status"), ("DELETE", f"{AUTH}/disconnect"),
            ("GET", f"{V1}/profile"), ("GET", f"{V1}/permissions"),
            ("POST", f"{V1}/publish/photo"), ("POST", f"{V1}/preview"))


@pytest.mark.parametrize("method,path", V1_PATHS)
def test_every_v1_path_refuses_a_bad_account_id_in_the_query(client, user, method, path):
    headers, _account_id = user
    for query in BAD_QUERIES:
        response = client.open(f"{path}?{query}", method=method, headers=headers, json={})
        assert response.status_code == 422, (query, response.get_data(as_text=True)[:300])
        assert response.get_json()["error"]["code"] == "validation_error"


def test_the_other_v1_paths_never_answer_5xx_to_wrong_input(client, user):
    headers, _account_id = user
    answers = [
        client.post(f"{AUTH}/connect", headers=headers, json={"login": 5}),
        client.post(f"{AUTH}/connect", headers=headers, json={"login": BIG}),
        client.post(f"{AUTH}/connect", headers=headers, json=[1]),
        client.get(f"{AUTH}/callback?code={BIG[:3000]}&state=x"),
        client.get(f"{AUTH}/callback?state={BIG[:3000]}"),
        client.get(f"{AUTH}/callback?state=a&state=b"),
        client.get(f"{V1}/posts/{10 ** 30}/status", headers=headers),
        client.get(f"{V1}/posts/0/status", headers=headers),
    ]
    for response in answers:
        assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:300]
        assert response.get_json()["error"]["code"]


def test_a_post_takes_the_account_from_the_query_string_as_a_get_does(client, auth_headers):
    headers = auth_headers()
    first = connect_with_test_client(client, headers)["account"]["id"]
    second = connect_with_test_client(client, headers, sandbox_username="second")["account"]
    second = second["id"]
    # Several accounts and none chosen: the 422 that lists them.
    unchosen = client.post(f"{V1}/preview", headers=headers, json={"caption": "hi"})
    refused(unchosen, "account_id")
    # Chosen in the query string, in the body, or in both alike: accepted.
    for query, body in ((f"?account_id={second}", {}), ("", {"account_id": second}),
                        (f"?account_id={second}", {"account_id": second})):
        answer = client.post(f"{V1}/preview{query}", headers=headers,
                             json={"caption": "hi", **body})
        assert answer.status_code == 200, answer.get_json()
    # Both, and different: refused naming it, never one silently used.
    both = client.post(f"{V1}/preview?account_id={first}", headers=headers,
                       json={"caption": "hi", "account_id": second})
    assert refused(both, "account_id")["details"]["errors"][0]["code"] == "repeated_field"
    photo = client.post(f"{V1}/publish/photo?account_id={first}", headers=headers,
                        data={"caption": "hi", "account_id": str(second)},
                        content_type="multipart/form-data")
    refused(photo, "account_id")


def test_a_field_given_twice_is_refused_naming_it(client, user):
    headers, account_id = user
    twice = client.get(f"{V1}/profile?account_id={account_id}&account_id={account_id + 1}",
                       headers=headers)
    assert refused(twice, "account_id")["details"]["errors"][0]["code"] == "repeated_field"
    caption = client.post(f"{V1}/publish/photo", headers=headers,
                          data={"caption": ["one", "two"], "image": jpeg()},
                          content_type="multipart/form-data")
    refused(caption, "caption")
    images = client.post(f"{V1}/publish/photo", headers=headers,
                         data={"image": [jpeg(), jpeg()]}, content_type="multipart/form-data")
    assert "2 file parts" in refused(images, "image")["message"]
    mixed = client.post("/api/sns/instagram/uploads", headers=headers,
                        data={"image": jpeg(), "file": jpeg()},
                        content_type="multipart/form-data")
    refused(mixed, "file", "image")


def test_hashtags_given_in_several_parts_are_all_taken(client, user):
    headers, _account_id = user
    response = client.post(f"{V1}/preview", headers=headers,
                           data={"caption": "Menu", "hashtags": ["food, #autumn", "soup"]},
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["caption"] == "Menu\n#food #autumn #soup"
    # The integration's own paths the same way: a list field takes every part.
    own = client.post("/api/sns/instagram/preview", headers=headers,
                      data={"type": "feed", "hashtags": ["food", "soup"]},
                      content_type="multipart/form-data")
    assert own.status_code == 200 and own.get_json()["caption"] == "#food #soup"


@pytest.mark.parametrize("retry_after,expected", ((None, 60), (120, 120)))
def test_every_429_of_the_blueprint_says_when_to_retry(client, user, monkeypatch, retry_after,
                                                       expected):
    from backend.services.instagram.accounts import routes as account_routes
    from backend.services.instagram.graph.errors import RateLimitError

    def throttled(_account):
        raise RateLimitError("Application request limit reached", code=4,
                             retry_after=retry_after)
    monkeypatch.setattr(account_routes, "read_profile", throttled)
    headers, _account_id = user
    response = client.get(f"{V1}/profile", headers=headers)
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "instagram_rate_limited"
    # Meta's hint when it gave one (the limiter restates it from the clock: a second less).
    assert expected - 1 <= int(response.headers["Retry-After"]) <= expected


def test_a_callback_refusal_names_the_start_of_the_flow_the_user_began(client, user):
    for callback, start in ((f"{AUTH}/callback", f"POST {AUTH}/connect"),
                            ("/api/sns/instagram/callback",
                             "POST /api/sns/instagram/oauth/authorize")):
        for query in ("code=abc", "code=abc&state=never-issued-state"):
            answer = client.get(f"{callback}?{query}", headers={"Accept": "application/json"})
            error = answer.get_json()["error"]
            assert answer.status_code == 400 and error["code"] == "invalid_state", error
            assert error["message"].endswith(f"Start again from {start}."), error


@pytest.mark.parametrize("path,extra", [("/api/sns/instagram/preview", {"type": "feed"}),
                                        (f"{V1}/preview", {})])
def test_form_text_fields_keep_their_text_and_one_part_is_a_one_item_list(client, user, path,
                                                                          extra):
    # A caption "2024" or "true" was read as JSON (a number, a boolean) and refused; one
    # `hashtags` part was refused as "not a list" while two were taken.
    headers, _account_id = user
    for caption in ("2024", "true", "[draft] soon", "{x}"):
        response = client.post(path, headers=headers, content_type="multipart/form-data",
                               data={**extra, "caption": caption, "hashtags": "food"})
        assert response.status_code == 200, (caption, response.get_data(as_text=True)[:300])
        assert response.get_json()["caption"] == f"{caption}\n#food"
    tagged = client.post(path, headers=headers, content_type="multipart/form-data",
                         data={**extra, "image_url": IMAGE, "share_to_feed": "true",
                               "user_tags": json.dumps({"username": "ann", "x": 0.5, "y": 0.5})})
    assert tagged.status_code == 200, tagged.get_data(as_text=True)[:300]
    assert not [e for e in tagged.get_json()["errors"] if e["field"].startswith("user_tags")]
