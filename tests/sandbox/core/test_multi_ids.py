"""Multi-id reads: `GET /?ids=a,b&fields=..` on both Graph hosts."""
import pytest

from tests.sandbox.helpers import FB, IG, create_id, error_of, image, publish_id


@pytest.fixture
def token(meta):
    return meta.ig_long_token()


def test_containers_read_together_on_graph_instagram_com(meta, token):
    first = create_id(meta, token, image_url=image(meta))
    second = create_id(meta, token, image_url=image(meta), is_carousel_item=True)
    response = meta.get(IG, "/v25.0/", params={"ids": f"{second},{first}",
                                               "fields": "status_code,status",
                                               "access_token": token})
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == [second, first]  # keyed as asked, in that order
    assert body[first] == {"status_code": "FINISHED",
                           "status": "Finished: Media has been uploaded", "id": first}


def test_mixed_nodes_and_me_on_graph_facebook_com(meta):
    user_token = meta.fb_user_token()
    account = "17841400000000001"
    container_id = create_id(meta, user_token, FB, account, image_url=image(meta))
    media_id = publish_id(meta, user_token, container_id, FB, account)
    body = meta.fb("/", user_token, ids=f"{account},{media_id},{container_id},{media_id},me",
                   fields="id").json()
    assert body == {account: {"id": account}, media_id: {"id": media_id},
                    container_id: {"id": container_id},
                    "me": {"id": meta.fb("/me", user_token).json()["id"]}}
    shaped = meta.fb("/", user_token, ids=media_id, fields="media_type,permalink").json()
    assert shaped[media_id]["media_type"] == "IMAGE"


def test_one_unreadable_id_fails_the_whole_request(meta, token):
    mine = create_id(meta, token, image_url=image(meta))
    error = error_of(meta.ig("/", token, ids=f"{mine},17899999999999999"), 100, 33)
    assert "'17899999999999999'" in error["message"]
    foreign = create_id(meta, meta.ig_short_token(sandbox_persona="creator"),
                        image_url=image(meta))
    error_of(meta.ig("/", token, ids=f"{mine},{foreign}"), 100, 33)
    meta.settings(multi_id_unknown_code=803)
    error = error_of(meta.ig("/", token, ids=f"{mine},123"), 803)
    assert error["message"] == "(#803) Some of the aliases you requested do not exist: 123"


def test_other_errors_of_a_multi_id_read(meta, token):
    mine = create_id(meta, token, image_url=image(meta))
    error_of(meta.ig("/", token, ids=mine, fields="media_url"), 100)  # not a container field
    error = error_of(meta.ig("/", token, ids=",".join(str(17890000000000100 + i)
                                                      for i in range(51))), 100)
    assert "Maximum: 50" in error["message"]
    error_of(meta.ig("/", ids=mine), 104)
    assert "Unknown path" in error_of(meta.ig("/", token), 100)["message"]


def test_a_fault_can_aim_at_multi_id_reads(meta, token):
    mine = create_id(meta, token, image_url=image(meta))
    meta.control("POST", "/faults", json={"path": "^/$", "params": {"ids": mine},
                                          "code": 100, "subcode": 33})
    error_of(meta.ig("/", token, ids=mine), 100, 33)
    assert meta.ig("/", token, ids=mine).ok
