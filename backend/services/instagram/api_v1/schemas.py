"""Request and response schemas of the Sprint 2 API (most are the integration's own)."""
import re
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from backend.services.instagram.accounts.schemas import AccountOut, StatusOut
from backend.services.instagram.core.registry import RowId
from backend.services.instagram.publishing.schemas import PreviewRequest

ACCOUNT_ID = Field(None, description="Which of your accounts; may be left out when you have "
                                     "one (with several, 422 lists them).")


def _tag_list(value):
    """Hashtags as a form sends them: "food, #autumn" or "food autumn" as well as a list."""
    if isinstance(value, str):
        return [tag for tag in re.split(r"[\s,]+", value) if tag]
    return value


Hashtags = Annotated[list[str] | None, BeforeValidator(_tag_list)]


class AccountQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account_id: RowId | None = ACCOUNT_ID


class ConnectionStatus(BaseModel):
    connected: bool = Field(description="Whether the account (yours, or the one given) is "
                                        "connected; false when you have none.")
    account: AccountOut | None
    status: StatusOut | None = Field(description="Its token's health and what to do.")


class PhotoRequest(BaseModel):
    """A feed photo: an `image` (or `file`) part of a multipart body, or `image_url`."""

    model_config = ConfigDict(extra="forbid")
    account_id: RowId | None = ACCOUNT_ID
    image_url: str | None = Field(None, description="Instead of an uploaded image.")
    caption: str | None = Field(None, description="At most 2,200 characters, 30 hashtags and "
                                                  "20 @mentions, counting `hashtags`.")
    hashtags: Hashtags = Field(None, description="A list, or one text (`food, #autumn`); "
                                                 "appended to the caption.")
    alt_text: str | None = None


class PreviewV1Request(PreviewRequest):
    """A preview body (`type` defaults to a feed post; the account to your only one)."""

    type: Literal["feed", "story", "reel"] = "feed"
    hashtags: Hashtags = Field(None, description="A list, or one text (`food, #autumn`).")
