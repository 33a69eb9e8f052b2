"""Graph reads: Instagram-Login `/me`, Facebook user, Pages and IG users, fields, paging."""
import requests

from tests.sandbox.conftest import graph_error

IG_FIELDS = ("user_id,username,name,account_type,profile_picture_url,followers_count,"
             "follows_count,media_count,biography,website")


def test_ig_me_fields(meta):
    token = meta.ig_short_token()
    response = meta.ig("/v25.0/me", token, fields=IG_FIELDS)
    assert response.status_code == 200
    body = response.json()
    assert list(body) == IG_FIELDS.split(",") + ["id"]
    assert body["user_id"] == "17841400000000001" and body["id"] != body["user_id"]
    assert body["account_type"] == "BUSINESS" and body["username"] == "sandbox_business"
    assert isinstance(body["followers_count"], int)
    picture = requests.get(body["profile_picture_url"], timeout=5)
    assert picture.headers["Content-Type"] == "image/png"
    assert picture.content.startswith(b"\x89PNG")


def test_ig_me_default_fields_and_id_lookup(meta):
    token = meta.ig_short_token()
    me = meta.ig("/me", token).json()
    assert set(me) == {"id", "username"}
    by_app_scoped_id = meta.ig(f"/{me['id']}", token, fields="username").json()
    by_professional_id = meta.ig("/17841400000000001", token, fields="username").json()
    assert by_app_scoped_id == by_professional_id == {"username": "sandbox_business",
                                                      "id": me["id"]}


def test_ig_other_account_is_not_readable(meta):
    token = meta.ig_short_token()
    response = meta.ig("/17841400000000002", token)
    error = graph_error(response)
    assert (error["code"], error["error_subcode"]) == (100, 33)
    assert error["type"] == "IGApiException"
    assert "Object with ID '17841400000000002' does not exist" in error["message"]


def test_ig_unknown_field_and_bad_syntax(meta):
    token = meta.ig_short_token()
    error = graph_error(meta.ig("/me", token, fields="username,ig_id"))
    assert error["message"] == ("(#100) Tried accessing nonexisting field (ig_id) on node "
                                "type (User)")
    assert error["type"] == "IGApiException"
    assert graph_error(meta.ig("/me", token, fields="username{id"))["code"] == 100


def test_unknown_path_and_method(meta):
    token = meta.ig_short_token()
    error = graph_error(meta.ig("/me/nothing_here", token))
    assert error["code"] == 100 and "Unknown path components: /nothing_here" in error["message"]
    response = meta.request("POST", "graph.instagram.com", "/me", data={"access_token": token})
    assert graph_error(response)["message"].startswith("Unsupported post request.")


def test_fb_me(meta):
    token = meta.fb_user_token()
    body = meta.fb("/v25.0/me", token, fields="id,name").json()
    assert body["name"] == "Sandbox Business Owner" and body["id"].isdigit()
    assert set(meta.fb("/me", token).json()) == {"id", "name"}


def test_me_accounts_with_and_without_instagram_link(meta):
    token = meta.fb_user_token()
    fields = "id,name,access_token,tasks,category,instagram_business_account"
    body = meta.fb("/v25.0/me/accounts", token, fields=fields).json()
    linked, blog = body["data"]
    assert linked["instagram_business_account"] == {"id": "17841400000000001"}
    assert "instagram_business_account" not in blog
    assert {"MANAGE", "CREATE_CONTENT"} <= set(linked["tasks"])
    assert linked["access_token"].startswith("EAA")
    assert set(body["paging"]["cursors"]) == {"before", "after"}
    default = meta.fb("/me/accounts", token).json()["data"][0]
    assert "instagram_business_account" not in default and "access_token" in default

    personal = meta.fb_user_token(sandbox_persona="personal")
    pages = meta.fb("/me/accounts", personal, fields=fields).json()["data"]
    assert len(pages) == 1 and "instagram_business_account" not in pages[0]


def test_me_accounts_paging(meta):
    token = meta.fb_user_token()
    first = meta.fb("/v25.0/me/accounts", token, limit=1, fields="name").json()
    assert len(first["data"]) == 1 and "next" in first["paging"]
    assert first["paging"]["next"].startswith(f"{meta.url}/graph.facebook.com/v25.0/me/accounts?")
    second = requests.get(first["paging"]["next"], timeout=5).json()
    assert second["data"][0]["name"] != first["data"][0]["name"]
    assert "next" not in second["paging"] and "previous" in second["paging"]
    after = meta.fb("/me/accounts", token, limit=1, after=first["paging"]["cursors"]["after"])
    assert after.json()["data"][0]["id"] == second["data"][0]["id"]
    assert graph_error(meta.fb("/me/accounts", token, after="bogus"))["code"] == 100


def test_me_accounts_empty_without_pages_show_list(meta):
    token = meta.fb_user_token(scope="instagram_basic")
    assert meta.fb("/me/accounts", token).json() == {"data": []}


def test_page_node_and_ig_user_on_facebook(meta):
    token = meta.fb_user_token()
    pages = meta.fb("/me/accounts", token, fields="id").json()["data"]
    page = meta.fb(f"/v25.0/{pages[0]['id']}", token,
                   fields="instagram_business_account,name").json()
    assert page["instagram_business_account"] == {"id": "17841400000000001"}
    assert list(page) == ["instagram_business_account", "name", "id"]
    nested = meta.fb(f"/{pages[0]['id']}", token,
                     fields="instagram_business_account{id,username}").json()
    assert nested["instagram_business_account"] == {"id": "17841400000000001",
                                                    "username": "sandbox_business"}
    fields = ("id,ig_id,username,name,biography,website,profile_picture_url,followers_count,"
              "follows_count,media_count")
    ig_user = meta.fb("/v25.0/17841400000000001", token, fields=fields).json()
    assert list(ig_user) == fields.split(",")
    assert ig_user["id"] == "17841400000000001" and isinstance(ig_user["ig_id"], int)
    error = graph_error(meta.fb("/17841400000000001", token, fields="account_type"))
    assert "node type (IGUser)" in error["message"]


def test_ig_user_with_page_token_and_other_users_objects(meta):
    token = meta.fb_user_token(long_lived=True)
    page_token = meta.page_token(token)
    assert meta.fb("/17841400000000001", page_token, fields="username").ok
    assert meta.fb("/me", page_token, fields="name").json()["name"] == "Sandbox Business Page"
    other = meta.fb_user_token(sandbox_persona="creator")
    error = graph_error(meta.fb("/17841400000000001", other))
    assert (error["code"], error["error_subcode"], error["type"]) == (
        100, 33, "GraphMethodException")


def test_ig_user_needs_instagram_basic(meta):
    token = meta.fb_user_token(sandbox_scopes="pages_show_list")
    error = graph_error(meta.fb("/17841400000000001", token))
    assert error["code"] == 10


def test_page_tokens_never_expire_from_long_lived_user_tokens(meta):
    long_user = meta.fb_user_token(long_lived=True)
    page_token = meta.page_token(long_user)
    assert meta.page_token(long_user) == page_token
    meta.advance(400 * 24 * 3600)
    assert meta.fb("/me", page_token).status_code == 200
    assert meta.fb("/me", long_user).status_code == 400


def test_page_token_from_short_lived_user_token_expires_with_it(meta):
    short_user = meta.fb_user_token()
    page_token = meta.page_token(short_user)
    meta.advance(5401)
    error = graph_error(meta.fb("/me", page_token))
    assert (error["code"], error["error_subcode"]) == (190, 463)


def test_second_account_on_facebook(meta):
    token = meta.fb_user_token(sandbox_username="brand.two")
    page = meta.fb("/me/accounts", token, fields="instagram_business_account").json()["data"][0]
    ig_id = page["instagram_business_account"]["id"]
    assert ig_id != "17841400000000001"
    assert meta.fb(f"/{ig_id}", token, fields="username").json()["username"] == "brand.two"
    ig_token = meta.ig_short_token(sandbox_username="brand.two")
    assert meta.ig("/me", ig_token, fields="user_id").json()["user_id"] == ig_id
