"""InstagramAPI clients logged in to the sandbox over real HTTP, whose waits move the sandbox
clock instead of sleeping."""
import requests
from tenacity import wait_none

from backend.services.instagram.graph.client import InstagramAPI, PublishWait
from tests.sandbox.conftest import APP_ID, APP_SECRET, REDIRECT_URI, Meta

IG_SCOPES = ("instagram_business_basic,instagram_business_content_publish,"
             "instagram_business_manage_insights")
FB_SCOPES = ("instagram_basic,instagram_content_publish,instagram_manage_insights,"
             "pages_show_list,pages_read_engagement")


class SandboxTime:
    """The client's sleep and clock: a pause advances the sandbox clock and is noted."""

    def __init__(self, url):
        self.url, self.pauses = url, []

    def sleep(self, seconds):
        self.pauses.append(seconds)
        requests.post(f"{self.url}/_sandbox/clock", json={"advance_seconds": seconds},
                      timeout=10).raise_for_status()

    def clock(self):
        return sum(self.pauses)


class Calls:
    """An observer noting each Graph call as (method, endpoint)."""

    def __init__(self):
        self.made = []

    def on_call(self, record):
        self.made.append((record.method, record.endpoint))

    def count(self, method, suffix):
        return sum(1 for m, endpoint in self.made if m == method and endpoint.endswith(suffix))


class Session:
    """A sandbox with a client factory; `meta` speaks to it as a browser and a test would."""

    def __init__(self, sandbox):
        self.sandbox, self.meta = sandbox, Meta(sandbox.url)
        self.time, self.calls = SandboxTime(sandbox.url), Calls()

    def client(self, login_type="instagram", **options):
        urls = self.sandbox.base_urls
        options.setdefault("publish_wait", PublishWait(sleep=self.time.sleep,
                                                       clock=self.time.clock))
        options.setdefault("redirect_uri", REDIRECT_URI)
        return InstagramAPI(
            login_type=login_type, app_id=APP_ID, app_secret=APP_SECRET,
            graph_url=urls["INSTAGRAM_GRAPH_URL"], facebook_graph_url=urls["FACEBOOK_GRAPH_URL"],
            oauth_url=urls["INSTAGRAM_OAUTH_URL"], rupload_url=urls["INSTAGRAM_RUPLOAD_URL"],
            retry_wait=wait_none(), observer=self.calls, **options)

    def code(self, login_type="instagram", **dialog):
        if login_type == "instagram":
            return self.meta.ig_code(scope=IG_SCOPES, **dialog)
        return self.meta.fb_code(scope=FB_SCOPES, **dialog)

    def logged_in(self, login_type="instagram", **dialog):
        """A client after authenticate(code) with a code from the dialog."""
        client = self.client(login_type)
        client.authenticate(self.code(login_type, **dialog))
        return client

    def settings(self, **changes):
        self.meta.settings(**changes)

    def fault(self, **spec):
        response = self.meta.control("POST", "/faults", json=spec)
        assert response.status_code == 201, response.text

    def media_of(self, username="sandbox_business"):
        """The account's media as the sandbox holds them (stories too, with container ids)."""
        return self.meta.control("GET", f"/accounts/{username}/media").json()["data"]

    def sample(self, name, **params):
        return self.meta.sample(name, **params)
