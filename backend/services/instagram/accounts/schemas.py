"""Request and response schemas of the connection endpoints (validation and OpenAPI)."""
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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
    authorize_url: str = Field(description="Open this URL in the user's browser.")
    state: str
    expires_at: datetime
    login: LoginType


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


class AccountEnvelope(BaseModel):
    account: AccountOut
    accounts: list[AccountOut] = Field(
        description="Every account the authorisation connected (Facebook Login may connect "
                    "several Pages' Instagram accounts).")


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
    account_id: int


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
