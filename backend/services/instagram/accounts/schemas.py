"""Request and response schemas of the connection endpoints (validation and OpenAPI)."""
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.services.instagram.core.registry import RowId

LoginType = Literal["instagram", "facebook"]
AccountStatus = Literal["active", "expiring", "needs_reauth", "missing_permissions",
                        "disconnected"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AuthorizeRequest(Strict):
    login: LoginType | None = Field(
        None, description="Login flow: Instagram Login or Facebook Login (default from "
                          "INSTAGRAM_DEFAULT_LOGIN).")


class AuthorizeResponse(BaseModel):
    start_url: str = Field(description="Open this link in the browser that is to approve, "
                                       "at once: it works once, within "
                                       "INSTAGRAM_CONNECT_LINK_TTL_SECONDS, and leads to "
                                       "Meta's dialog.")
    expires_at: datetime = Field(description="When the link stops working.")
    login: LoginType


class StartQuery(Strict):
    ticket: str = Field(max_length=256)


class CallbackQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    code: str | None = Field(None, max_length=2048)
    state: str | None = Field(None, max_length=256)
    error: str | None = Field(None, max_length=256)
    error_reason: str | None = Field(None, max_length=256)
    error_description: str | None = Field(None, max_length=1024)


class AccountOut(BaseModel):
    id: int
    platform: str
    ig_user_id: str
    username: str | None
    name: str | None
    account_type: str | None = Field(
        description="business, creator, or professional (Facebook Login does not say which).")
    login_type: LoginType
    page_id: str | None = None
    page_name: str | None = None
    status: AccountStatus
    token_expires_at: datetime | None
    permissions: list[str]
    missing_permissions: list[str]
    connected_at: datetime


class PlatformUser(BaseModel):
    user_id: int
    email: str | None


class AccountEnvelope(BaseModel):
    account: AccountOut
    accounts: list[AccountOut] = Field(
        description="Every account the authorisation connected (Facebook Login may connect "
                    "several Pages' Instagram accounts).")
    connected_to: PlatformUser = Field(description="The platform user the accounts are now "
                                                   "connected to.")


class AccountList(BaseModel):
    accounts: list[AccountOut]


class LastError(BaseModel):
    code: str | None = None
    subcode: str | None = None
    message: str
    at: datetime | None = None
    fbtrace_id: str | None = Field(None, description="Quote it to Meta's support.")


class StatusOut(BaseModel):
    account_id: int
    status: AccountStatus
    token_expires_at: datetime | None
    days_left: int | None = Field(description="Whole days until the token expires; null when "
                                              "it does not expire (Facebook Page tokens).")
    token_refreshed_at: datetime | None
    next_refresh_after: datetime | None
    data_access_expires_at: datetime | None
    last_error: LastError | None
    action: str | None = Field(description="What the user should do, in words; null when "
                                           "nothing.")


class PermissionsOut(BaseModel):
    account_id: int
    login_type: LoginType
    granted: list[str]
    declined: list[str]
    missing: list[str]
    can_publish: bool
    can_read_insights: bool
    can_manage_comments: bool


class AccountInfoQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account_id: RowId


class ProfileOut(BaseModel):
    account_id: int
    ig_user_id: str
    username: str | None
    name: str | None
    biography: str | None
    website: str | None
    followers_count: int | None
    follows_count: int | None
    media_count: int | None
    profile_picture_url: str | None
    account_type: str | None
    synced_at: datetime


class DisconnectOut(BaseModel):
    disconnected: bool
    account_id: int
    posts_kept: int


class RefreshOut(BaseModel):
    account_id: int
    refreshed: bool
    token_expires_at: datetime | None
    message: str
