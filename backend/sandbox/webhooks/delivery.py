"""Webhook delivery (contract 7): the app's callback, signed POSTs, faults, and the delivery log.

The "App Dashboard" part (callback URL, verify token, fields) is set through the control
endpoints; which accounts get events is decided by `subscribed_apps` (subscriptions.py).
Deliveries are sent with the state lock released, so the receiving platform may call the
sandbox meanwhile.
"""
import hashlib
import hmac
import itertools
import json
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

from ..core.context import get_state
from ..core.hooks import lock_released

STORE = "webhooks"
DEFAULT_VERIFY_TOKEN = "sandbox-verify-token"
APP_FIELDS = ("comments", "live_comments", "mentions", "story_insights", "messages")
SIGNATURES = ("valid", "wrong", "missing")
MAX_REPEAT, MAX_CONCURRENCY = 10, 16
TIMEOUT = (3.05, 10)
LOG_LIMIT = 10000  # deliveries kept in the log (the oldest go first)


class DeliveryError(ValueError):
    """A webhook configuration or delivery request the sandbox refuses."""


@dataclass
class AppConfig:
    """The app's webhook settings, as in Meta's App Dashboard."""

    callback_url: str = None
    verify_token: str = DEFAULT_VERIFY_TOKEN
    fields: list = field(default_factory=lambda: list(APP_FIELDS))
    verified: bool = False

    def describe(self):
        return {"callback_url": self.callback_url, "verify_token": self.verify_token,
                "fields": list(self.fields), "verified": self.verified}


@dataclass
class Delivery:
    """One POST to the callback: what was sent, how it was signed, what came back."""

    id: int
    account_id: str
    fields: list
    body: bytes
    secret: str = field(repr=False)
    signature: str = "valid"
    attempt: int = 1
    status: int = None
    error: str = None
    duration_ms: float = None

    @property
    def ok(self):
        return self.status is not None and 200 <= self.status < 300

    def headers(self):
        headers = {"Content-Type": "application/json", "User-Agent": "facebookexternalua"}
        if self.signature == "valid":
            headers["X-Hub-Signature-256"] = sign(self.body, self.secret)
        elif self.signature == "wrong":
            headers["X-Hub-Signature-256"] = sign(self.body, self.secret + "-not-it")
        return headers

    def describe(self):
        return {"id": self.id, "account_id": self.account_id, "fields": self.fields,
                "signature": self.signature, "attempt": self.attempt, "status": self.status,
                "error": self.error, "duration_ms": self.duration_ms,
                "body": json.loads(self.body)}


class WebhookStore:
    """App config, per-account subscriptions and the delivery log."""

    def __init__(self, state):
        self.config = AppConfig()
        # professional id -> {"fields": [...], "since": unix} (Instagram Login subscriptions)
        self.accounts = {}
        # Page id -> {"fields": [...], "since": unix} (Facebook Login Page subscriptions)
        self.pages = {}
        self.deliveries = []
        self.stories_sent = set()
        self._ids = itertools.count(1)

    def new_delivery(self, **fields):
        delivery = Delivery(id=next(self._ids), **fields)
        self.deliveries.append(delivery)
        del self.deliveries[:-LOG_LIMIT]
        return delivery


def store():
    return get_state().stores[STORE]


def sign(body, secret):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def route(account, webhook_field):
    """(app secret, subscribed since) for events of `webhook_field` on `account`, or None
    when Meta would send nothing: no callback, the app or the account not subscribed."""
    state, hooks = get_state(), store()
    if not hooks.config.callback_url or webhook_field not in hooks.config.fields:
        return None
    own = hooks.accounts.get(account.professional_id)
    if own is not None and webhook_field in own["fields"]:
        return state.settings.app_for(facebook=False)[1], own["since"]
    page = state.accounts.linked_page(account)
    if page is not None and page.id in hooks.pages:
        return state.settings.app_for(facebook=True)[1], hooks.pages[page.id]["since"]
    return None


def parse_options(options):
    """The delivery faults of a control request: signature, repeat, batch, concurrency."""
    options = options if options is not None else {}
    if not isinstance(options, dict):
        raise DeliveryError("delivery must be an object")
    signature = options.get("signature", "valid")
    if signature not in SIGNATURES:
        raise DeliveryError(f"delivery.signature must be one of {', '.join(SIGNATURES)}")
    repeat, concurrency = options.get("repeat", 1), options.get("concurrency", 1)
    for name, value, top in (("repeat", repeat, MAX_REPEAT),
                             ("concurrency", concurrency, MAX_CONCURRENCY)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
            raise DeliveryError(f"delivery.{name} must be an integer from 1 to {top}")
    if not isinstance(options.get("batch", False), bool):
        raise DeliveryError("delivery.batch must be true or false")
    return {"signature": signature, "repeat": repeat, "batch": options.get("batch", False),
            "concurrency": concurrency}


def notify(account, webhook_field, values, options=None):
    """Send `values` (change values of one field) about `account` to the callback.

    One POST per value (`batch`: one POST with all of them), each sent `repeat` times (a
    redelivery: the same body again), `concurrency` at a time, signed as `signature` says.
    Returns a summary; nothing is sent (and `skipped` says why) when Meta would send nothing.
    """
    options = parse_options(options)
    found = route(account, webhook_field)
    if found is None:
        return {"sent": 0, "skipped": "not subscribed (see GET /_sandbox/webhooks)"}
    secret, _since = found
    now = int(get_state().now())
    groups = [values] if options["batch"] else [[value] for value in values]
    hooks = store()
    deliveries = []
    for group in groups:
        body = payload(account, webhook_field, group, now)
        for attempt in range(1, options["repeat"] + 1):
            deliveries.append(hooks.new_delivery(
                account_id=account.professional_id, fields=[webhook_field], body=body,
                secret=secret, signature=options["signature"], attempt=attempt))
    return send(deliveries, options["concurrency"])


def payload(account, webhook_field, values, now):
    """Meta's envelope, serialised as Meta does (escaped unicode, no spaces)."""
    changes = [{"field": webhook_field, "value": value} for value in values]
    entry = {"id": account.professional_id, "time": now, "changes": changes}
    return json.dumps({"object": "instagram", "entry": [entry]},
                      separators=(",", ":")).encode()


def send(deliveries, concurrency=1):
    """POST each delivery to the callback (verifying the callback first if it never was)."""
    config = store().config
    url = config.callback_url
    with lock_released():
        problem = None if config.verified else verify(config.callback_url, config.verify_token)
        if problem is None:
            config.verified = True
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                list(pool.map(lambda d: _post(url, d), deliveries))
    if problem is not None:
        for delivery in deliveries:
            delivery.error = f"callback not verified: {problem}"
    return summary(deliveries)


def _post(url, delivery):
    started = time.perf_counter()
    try:
        response = requests.post(url, data=delivery.body, headers=delivery.headers(),
                                 timeout=TIMEOUT)
        delivery.status = response.status_code
    except requests.RequestException as exc:
        delivery.error = type(exc).__name__
    delivery.duration_ms = round((time.perf_counter() - started) * 1000, 2)


def verify(url, token):
    """Meta's verification request; None when the callback echoed the challenge."""
    challenge = str(secrets.randbelow(10 ** 9) + 10 ** 9)
    try:
        response = requests.get(url, timeout=TIMEOUT, params={
            "hub.mode": "subscribe", "hub.challenge": challenge, "hub.verify_token": token})
    except requests.RequestException as exc:
        return f"{type(exc).__name__} while calling the callback URL"
    if response.status_code != 200 or response.text.strip() != challenge:
        return (f"the callback answered HTTP {response.status_code} without echoing "
                "hub.challenge (wrong verify token?)")
    return None


def summary(deliveries):
    durations = [d.duration_ms for d in deliveries if d.duration_ms is not None]
    statuses = {}
    for delivery in deliveries:
        key = str(delivery.status) if delivery.status is not None else "no_response"
        statuses[key] = statuses.get(key, 0) + 1
    return {"sent": len(deliveries), "delivered": sum(d.ok for d in deliveries),
            "statuses": statuses, "ids": [d.id for d in deliveries],
            "max_ms": max(durations) if durations else None,
            "errors": sorted({d.error for d in deliveries if d.error})}


def retry_failed():
    """Send again every delivery that was not answered 2xx (Meta retries for a while)."""
    hooks = store()
    answered = {d.body for d in hooks.deliveries if d.ok}
    failed = {d.body: d for d in hooks.deliveries
              if d.signature == "valid" and d.body not in answered}
    again = [hooks.new_delivery(account_id=d.account_id, fields=d.fields, body=d.body,
                                secret=d.secret, attempt=d.attempt + 1)
             for d in failed.values()]
    return send(again)
