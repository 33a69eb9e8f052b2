"""Fixtures: one sandbox server per test module on a free port, reset before every test."""
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from backend.sandbox.core.server import start_sandbox

APP_ID = "100000000000001"
APP_SECRET = "sandbox-app-secret"
REDIRECT_URI = "https://platform.example/instagram/callback"
IG_SCOPES = "instagram_business_basic,instagram_business_content_publish"
FB_SCOPES = "instagram_basic,instagram_content_publish,pages_show_list,pages_read_engagement"


class Meta:
    """A client of the sandbox speaking plain HTTP, as the platform would."""

    def __init__(self, url):
        self.url = url
        self.http = requests.Session()

    def get(self, host, path, **kwargs):
        return self.http.get(f"{self.url}/{host}{path}", timeout=10, **kwargs)

    def request(self, method, host, path, **kwargs):
        return self.http.request(method, f"{self.url}/{host}{path}", timeout=10, **kwargs)

    def ig(self, path, token=None, **params):
        if token:
            params["access_token"] = token
        return self.get("graph.instagram.com", path, params=params)

    def fb(self, path, token=None, **params):
        if token:
            params["access_token"] = token
        return self.get("graph.facebook.com", path, params=params)

    def post(self, host, path, token=None, **data):
        """A Graph POST with form parameters (the token among them when given)."""
        if token:
            data["access_token"] = token
        return self.request("POST", host, path, data=data)

    def sample(self, name, **params):
        """The URL of a sample media served by the sandbox (image.jpg, video.mp4, ...)."""
        query = "&".join(f"{key}={value}" for key, value in params.items())
        return f"{self.url}/_sandbox/samples/{name}" + (f"?{query}" if query else "")

    def control(self, method, path, **kwargs):
        return self.http.request(method, f"{self.url}/_sandbox{path}", timeout=10, **kwargs)

    def advance(self, seconds):
        assert self.control("POST", "/clock", json={"advance_seconds": seconds}).ok

    def settings(self, **changes):
        response = self.control("POST", "/settings", json=changes)
        assert response.ok, response.text

    # Instagram Login
    def ig_authorize(self, headers=None, **params):
        query = {"client_id": APP_ID, "redirect_uri": REDIRECT_URI, "response_type": "code",
                 "scope": IG_SCOPES, "state": "s1", **params}
        query = {k: v for k, v in query.items() if v is not None}
        return self.get("www.instagram.com", "/oauth/authorize", params=query,
                        allow_redirects=False, headers=headers or {})

    def ig_code(self, **params):
        response = self.ig_authorize(**params)
        assert response.status_code == 302, response.text
        return redirect_params(response)["code"]

    def ig_exchange(self, code, **overrides):
        form = {"client_id": APP_ID, "client_secret": APP_SECRET,
                "grant_type": "authorization_code", "redirect_uri": REDIRECT_URI,
                "code": code, **overrides}
        return self.http.post(f"{self.url}/api.instagram.com/oauth/access_token", data=form,
                              timeout=10)

    def ig_short_token(self, **params):
        response = self.ig_exchange(self.ig_code(**params))
        assert response.ok, response.text
        return response.json()["data"][0]["access_token"]

    def ig_long_token(self, **params):
        short = self.ig_short_token(**params)
        response = self.ig("/access_token", short, grant_type="ig_exchange_token",
                           client_secret=APP_SECRET)
        assert response.ok, response.text
        return response.json()["access_token"]

    # Facebook Login
    def fb_authorize(self, headers=None, **params):
        query = {"client_id": APP_ID, "redirect_uri": REDIRECT_URI, "response_type": "code",
                 "scope": FB_SCOPES, "state": "s2", **params}
        query = {k: v for k, v in query.items() if v is not None}
        return self.get("www.facebook.com", "/v25.0/dialog/oauth", params=query,
                        allow_redirects=False, headers=headers or {})

    def fb_code(self, **params):
        response = self.fb_authorize(**params)
        assert response.status_code == 302, response.text
        return redirect_params(response)["code"]

    def fb_exchange(self, code, **overrides):
        params = {"client_id": APP_ID, "client_secret": APP_SECRET,
                  "redirect_uri": REDIRECT_URI, "code": code, **overrides}
        return self.fb("/v25.0/oauth/access_token", **params)

    def fb_user_token(self, long_lived=False, **params):
        response = self.fb_exchange(self.fb_code(**params))
        assert response.ok, response.text
        token = response.json()["access_token"]
        if long_lived:
            response = self.fb("/v25.0/oauth/access_token", grant_type="fb_exchange_token",
                               client_id=APP_ID, client_secret=APP_SECRET,
                               fb_exchange_token=token)
            assert response.ok, response.text
            token = response.json()["access_token"]
        return token

    def page_token(self, user_token, index=0):
        pages = self.fb("/v25.0/me/accounts", user_token).json()["data"]
        return pages[index]["access_token"]


def redirect_params(response):
    """Query parameters of a redirect's Location (the fragment left aside)."""
    location = response.headers["Location"]
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def graph_error(response):
    """The `error` object of a Graph error response (asserting the envelope)."""
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert {"message", "type", "code", "fbtrace_id"} <= set(error), error
    return error


@pytest.fixture(scope="module")
def sandbox():
    server = start_sandbox()
    yield server
    server.shutdown()


@pytest.fixture
def meta(sandbox):
    sandbox.state.reset()
    client = Meta(sandbox.url)
    yield client
    client.http.close()
