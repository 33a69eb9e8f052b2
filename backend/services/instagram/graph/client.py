"""InstagramAPI: the Instagram Graph API client (no Flask, no models; runs in a plain script)."""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from .comments import CommentsMixin
from .content_publishing import PublishingMixin
from .body import DEFAULT_MAX_RESPONSE_BYTES
from .errors import PermanentError
from .high_level import HighLevelMixin, PublishWait
from .insights_catalogue import RejectedMetrics
from .reading import Fields, ReadingMixin
from .transport import LOGGER_NAME, GraphTransport
from .usage import APP_ACCOUNT
from .webhooks import WebhooksMixin
from .wire import CallRecord, GraphRequest, as_int, comma_list

__all__ = ["CallRecord", "ClientSettings", "InstagramAPI", "LOGGER_NAME", "PublishWait"]

INSTAGRAM_ACCOUNT_FIELDS = ("user_id,username,name,account_type,profile_picture_url,"
                            "followers_count,follows_count,media_count,biography,website")
FACEBOOK_ACCOUNT_FIELDS = ("id,username,name,biography,website,profile_picture_url,"
                           "followers_count,follows_count,media_count")
PAGE_FIELDS = "id,name,access_token,tasks,instagram_business_account"


@dataclass(frozen=True)
class ClientSettings:
    """Configuration shared by the clients of one login flow (its app's credentials)."""

    app_id: str | None = None
    app_secret: str | None = field(default=None, repr=False)
    graph_url: str = "https://graph.instagram.com"
    facebook_graph_url: str = "https://graph.facebook.com"
    oauth_url: str = "https://api.instagram.com"
    rupload_url: str = "https://rupload.facebook.com"
    graph_version: str = "v25.0"
    timeout: Any = (3.05, 20)
    max_retries: int = 3
    appsecret_proof: bool = True
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES  # a larger answer is dropped unread
    redirect_uri: str | None = None  # the dialog's, which authenticate(code) sends again

    def as_kwargs(self) -> dict[str, Any]:
        """The settings as InstagramAPI keyword arguments."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


class InstagramAPI(HighLevelMixin, PublishingMixin, CommentsMixin, WebhooksMixin, ReadingMixin,
                   GraphTransport):
    """Client for Meta's Instagram Graph API, or for the sandbox behind the same base URLs.

    InstagramAPI(access_token=None, *, login_type="instagram"|"facebook", app_id, app_secret,
    graph_url, facebook_graph_url, oauth_url, rupload_url, graph_version="v25.0",
    timeout=(3.05, 20), max_retries=3 (attempts in all), session, usage (UsageTracker),
    breaker (CircuitBreaker), observer (.on_call(CallRecord)), appsecret_proof=True,
    retry_wait (tenacity wait), account_id, redirect_uri, publish_wait (PublishWait),
    deadline (a clock() value), max_response_bytes=4 MiB).
    login_type picks the Graph host.

    For scripts (docs/client.md): authenticate(code) -> (token, user info),
    post_feed(image_url, caption, hashtags), post_story(image_url, text),
    post_reel(video_url, caption, thumbnail_url), get_account_info(), get_insights(post_id),
    get_media(limit, after) -> (posts, next cursor), refresh_access_token(token). Posts
    wait for Meta's processing and are never published twice. The other methods are the
    Graph calls the platform composes.

    Every method returns plain dicts or lists and raises InstagramAPIError subclasses
    (see errors.py); no secret ever appears in their text or in the client's logs.
    """

    def __init__(self, access_token: str | None = None, *, redirect_uri: str | None = None,
                 publish_wait: PublishWait | None = None, **options: Any):
        super().__init__(access_token, **options)
        self.redirect_uri = redirect_uri
        self.publish_wait = publish_wait or PublishWait()
        self.token_expires_at = None  # set when authenticate or a refresh says
        # Metrics Meta refused, not asked for again by get_insights for a day.
        self.rejected_metrics = RejectedMetrics()

    @classmethod
    def from_settings(cls, settings: ClientSettings, access_token: str | None = None,
                      login_type: str = "instagram", **runtime: Any) -> InstagramAPI:
        """A client from shared settings; `runtime` adds session, usage, breaker, observer..."""
        return cls(access_token, login_type=login_type, **{**settings.as_kwargs(), **runtime})

    # --- OAuth (contract 1A, 1B) ---

    def exchange_code(self, code: str, redirect_uri: str) -> dict[str, Any]:
        """Exchange an OAuth code for a short-lived token. Never retried once sent: codes work once.

        Instagram Login: {"access_token", "user_id" (str), "permissions": [..]}, from either the
        documented {"data": [{...}]} answer or the flat one. Facebook Login:
        {"access_token", "expires_in", "token_type"}.
        """
        app_id, secret = self._require_app()
        form = {"client_id": app_id, "client_secret": secret, "redirect_uri": redirect_uri,
                "code": code}
        if self.login_type == "instagram":
            body = self._token_call("POST", self.oauth_url, f"{self.oauth_url}/oauth/access_token",
                                    data={**form, "grant_type": "authorization_code"},
                                    secrets=(code,), idempotent=False)
            return _short_lived_instagram(body)
        url = self.versioned(self.facebook_graph_url, "oauth/access_token")
        body = self._token_call("GET", self.facebook_graph_url, url, params=form,
                                secrets=(code,), idempotent=False)
        return _token_result(body)

    def exchange_long_lived_token(self, short_token: str) -> dict[str, Any]:
        """Short-lived token -> long-lived one: {"access_token", "expires_in", "token_type"}.

        Repeating the exchange is harmless, so it is retried like a read.
        """
        app_id, secret = self._require_app()
        if self.login_type == "instagram":
            params = {"grant_type": "ig_exchange_token", "client_secret": secret,
                      "access_token": short_token}
            url = f"{self.graph_url}/access_token"  # unversioned, as Meta documents it
            return _token_result(self._token_call("GET", self.graph_url, url, params=params,
                                                  secrets=(short_token,)))
        params = {"grant_type": "fb_exchange_token", "client_id": app_id,
                  "client_secret": secret, "fb_exchange_token": short_token}
        url = self.versioned(self.facebook_graph_url, "oauth/access_token")
        return _token_result(self._token_call("GET", self.facebook_graph_url, url,
                                              params=params, secrets=(short_token,)))

    def refresh_access_token(self, token: str | None = None) -> dict[str, Any]:
        """Refresh a long-lived Instagram Login token (default: the client's) for 60 more days.

        Facebook Login has no refresh: exchange a valid token again instead. Refreshing the
        client's own token switches the client to the new one.
        """
        if self.login_type != "instagram":
            raise ValueError("refresh_access_token is Instagram Login only; Facebook Login "
                             "tokens are renewed with exchange_long_lived_token")
        own = token is None or token == self.access_token
        token = token or self._require_token()
        params = {"grant_type": "ig_refresh_token", "access_token": token}
        fresh = _token_result(self._token_call(
            "GET", self.graph_url, f"{self.graph_url}/refresh_access_token", params=params,
            secrets=(token,)))
        if own:
            self.use_token(fresh["access_token"], fresh["expires_in"])
        return fresh

    def debug_token(self, input_token: str | None = None) -> dict[str, Any]:
        """GET graph.facebook.com/debug_token with the app token; returns its `data` object."""
        app_id, secret = self._require_app()
        input_token = input_token or self._require_token()
        app_token = f"{app_id}|{secret}"
        body = self._token_call(
            "GET", self.facebook_graph_url, self.versioned(self.facebook_graph_url, "debug_token"),
            params={"input_token": input_token, "access_token": app_token},
            secrets=(input_token, app_token))
        return body.get("data") or {}

    def _token_call(self, method: str, base: str, url: str, *, params: Any = None,
                    data: Any = None, secrets: tuple[str, ...] = (),
                    idempotent: bool | None = None) -> dict[str, Any]:
        """A call where Meta documents credentials as parameters, so no Bearer header."""
        request = GraphRequest(method, base, url, params, data, {}, self._secrets(*secrets),
                               method == "GET" if idempotent is None else idempotent,
                               APP_ACCOUNT)
        return self._send(request)

    # --- Accounts and pages ---

    def get_account_info(self, ig_user_id: str | None = None,
                         fields: Fields = None) -> dict[str, Any]:
        """The professional account's profile: /me (Instagram Login) or /{ig_user_id}
        (Facebook Login; default: the client's account_id)."""
        if self.login_type == "facebook":
            ig_user_id = ig_user_id or self.account_id
            if not ig_user_id:
                raise ValueError("Facebook Login needs the ig_user_id of the account")
        default = INSTAGRAM_ACCOUNT_FIELDS if self.login_type == "instagram" \
            else FACEBOOK_ACCOUNT_FIELDS
        return self._graph("GET", ig_user_id or "me",
                           params={"fields": comma_list(fields) or default}, account=ig_user_id)

    def get_permissions(self) -> dict[str, list[str]]:
        """Facebook Login: the user's permissions as {"granted", "declined", "expired"}."""
        self._require_facebook("get_permissions")
        result: dict[str, list[str]] = {"granted": [], "declined": [], "expired": []}
        for row in self.paginate("me/permissions"):
            result.setdefault(str(row.get("status")), []).append(str(row.get("permission")))
        return result

    def get_pages(self) -> list[dict[str, Any]]:
        """Facebook Login: every Page of the user (all pages of results), with Page tokens."""
        self._require_facebook("get_pages")
        return list(self.paginate("me/accounts", {"fields": PAGE_FIELDS}))

    def get_page_instagram_account(self, page_id: str) -> dict[str, Any] | None:
        """The Page's linked professional account as {"id": ...}, or None."""
        self._require_facebook("get_page_instagram_account")
        linked = self.get_object(page_id, "instagram_business_account")
        account = linked.get("instagram_business_account")
        return account if isinstance(account, dict) and account.get("id") else None

    def _require_facebook(self, name: str) -> None:
        if self.login_type != "facebook":
            raise ValueError(f"{name} is a Facebook Login call")


def _token_result(body: dict[str, Any]) -> dict[str, Any]:
    return {"access_token": _required_token(body), "expires_in": as_int(body.get("expires_in")),
            "token_type": body.get("token_type") or "bearer"}


def _short_lived_instagram(body: dict[str, Any]) -> dict[str, Any]:
    """Accept both the documented {"data": [{...}]} answer and the flat one."""
    rows = body.get("data")
    row = rows[0] if isinstance(rows, list) and rows and isinstance(rows[0], dict) else body
    permissions = row.get("permissions") or []
    if isinstance(permissions, str):
        permissions = [p.strip() for p in permissions.replace(" ", ",").split(",") if p.strip()]
    user_id = row.get("user_id")
    return {"access_token": _required_token(row),
            "user_id": None if user_id is None else str(user_id),
            "permissions": [str(p) for p in permissions]}


def _required_token(body: dict[str, Any]) -> str:
    token = body.get("access_token")
    if not token:
        raise PermanentError("Meta's token response has no access_token",
                             reason="unexpected_response")
    return str(token)
