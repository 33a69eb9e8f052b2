"""The host platform's endpoint registry, and what its routes outside the registry answer.

Register, login and notifications are routed through `platform_api` (backend/auth.py,
backend/notifications.py). Health, metrics and the home page take no input; they are
described here so the platform's OpenAPI document covers every endpoint.
"""
from typing import Literal

from pydantic import BaseModel, Field

from backend.endpoints import Registry

TAGS = (
    ("Auth", "Create a user and log in: the `access_token` is the JWT every other endpoint "
             "takes as `Authorization: Bearer <token>`."),
    ("Notifications", "What the platform tells a user: tokens that could not be renewed, "
                      "accounts to reconnect, failed posts."),
    ("Health", "Liveness, readiness and Prometheus metrics."),
    ("Platform", "The home page, the API docs and this document."),
)
platform_api = Registry("SNS platform", "1.0.0", tags=TAGS)


class Live(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    status: Literal["ready", "degraded", "not_ready"]
    checks: dict[str, str] = Field(description="database, migrations, scheduler, redis.")
    pid: int


_HTML = ("text/html",)
platform_api.describe("/", "GET", "Home page: links to the API docs, this document, health "
                      "and the sandbox", auth=False, produces=_HTML, tag="Platform")
for _path in ("/health", "/health/live"):
    platform_api.describe(_path, "GET", "Liveness: the process answers (no database call)",
                          auth=False, response=Live, tag="Health")
platform_api.describe("/health/ready", "GET", "Readiness: database migrated, scheduler, Redis",
                      auth=False, response=Ready, tag="Health",
                      extra_responses={"503": {"description": "Not ready (same body)"}},
                      description="`degraded` (still 200) while Redis is unavailable.")
platform_api.describe("/metrics", "GET", "Prometheus metrics (loopback, METRICS_ALLOW_FROM or "
                      "METRICS_TOKEN)", auth=False, tag="Health",
                      produces=("text/plain", "application/openmetrics-text"), errors=(403,),
                      description="Never with a user's JWT: 403 `forbidden` otherwise.")
