"""Response schemas of the webhook endpoints (validation and OpenAPI)."""
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class Received(BaseModel):
    received: int = Field(description="Changes in the delivery.")
    stored: int = Field(description="New events stored for processing.")
    duplicates: int = Field(description="Events already stored (a redelivery).")
    skipped: int = Field(description="Changes not kept: malformed, or not used (messaging).")


class Subscription(BaseModel):
    account_id: int
    delivery: Literal["webhooks", "polling"]
    subscribed_fields: list[str]
    subscribed_at: datetime | None
    error: dict | None = Field(description="Why the last subscription attempt failed.")
    next_attempt_at: datetime | None
    last_event_at: datetime | None
    polled_at: datetime | None


class SubscriptionList(BaseModel):
    webhooks_enabled: bool
    accounts: list[Subscription]
