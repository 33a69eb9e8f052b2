"""Meta's webhooks on the client side: subscribing accounts, and checking a delivery's signature."""
from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any, Iterable

SIGNATURE_HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="
_HEADER = re.compile(r"sha256=[0-9a-f]{64}")


def signature_of(body: bytes, secret: str) -> str:
    """The X-Hub-Signature-256 value Meta sends for `body`: sha256=<hex HMAC of the raw bytes>."""
    return _PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_is_valid(body: bytes, header: str | None, secrets: Iterable[str | None]) -> bool:
    """True when `header` is `sha256=` and the lowercase hex HMAC-SHA256 of the raw `body`
    under one of `secrets`, exactly as Meta sends it (no other case, no spaces).

    The body is hashed exactly as received (Meta signs its escaped-unicode JSON); every
    secret is compared in constant time, and all of them are tried, so the time taken does
    not say which one (or whether any) came close.
    """
    if not header or not _HEADER.fullmatch(header) or not body:
        return False
    given = header[len(_PREFIX):].encode()
    valid = False
    for secret in secrets:
        if secret:
            expected = signature_of(body, secret)[len(_PREFIX):].encode()
            valid |= hmac.compare_digest(given, expected)
    return valid


class WebhooksMixin:
    """Subscribed apps (contract 7); needs GraphTransport's request methods.

    Instagram Login subscribes the account itself (`me`) to webhook fields; Facebook Login
    subscribes the account's Facebook Page (with the Page token) to any Page field, and the
    Instagram fields come from the app's own webhook configuration.
    """

    def subscribe_app(self, node_id: str, fields: Iterable[str], *,
                      ig_user_id: str | None = None) -> dict[str, Any]:
        """POST /{node_id}/subscribed_apps?subscribed_fields=a,b -> {"success": true}.

        Subscribing again with the same fields changes nothing, so it is retried."""
        return self._graph("POST", f"{node_id}/subscribed_apps",
                           data={"subscribed_fields": ",".join(fields)}, account=ig_user_id,
                           idempotent=True)

    def unsubscribe_app(self, node_id: str, *, ig_user_id: str | None = None) -> dict[str, Any]:
        """DELETE /{node_id}/subscribed_apps -> {"success": true}."""
        return self._graph("DELETE", f"{node_id}/subscribed_apps", account=ig_user_id,
                           idempotent=True)

    def subscribed_apps(self, node_id: str, *, ig_user_id: str | None = None) -> list[dict]:
        """GET /{node_id}/subscribed_apps: the apps subscribed and their fields."""
        body = self._graph("GET", f"{node_id}/subscribed_apps", account=ig_user_id)
        return [row for row in body.get("data") or [] if isinstance(row, dict)]
