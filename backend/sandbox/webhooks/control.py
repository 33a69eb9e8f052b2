"""Control endpoints of webhooks: the app's callback (the App Dashboard), the delivery log,
sending any event, and story_insights of expired stories."""
from urllib.parse import urlsplit

from flask import jsonify, request

from ..core.context import get_state
from ..core.control import ControlError, body_of
from ..core.hooks import lock_released
from ..core.hosts import SANDBOX_HOST, add_route
from . import delivery, stories, subscriptions
from .delivery import APP_FIELDS, DeliveryError, notify, store

MAX_VALUES = 5000


def webhooks():
    """GET: the app's config and who is subscribed; POST: set the callback (verified now
    unless `verify` is false); DELETE: remove it."""
    hooks = store()
    if request.method == "POST":
        _configure(body_of())
    elif request.method == "DELETE":
        hooks.config = delivery.AppConfig()
    return {"config": hooks.config.describe(),
            "accounts": [{"id": account_id, **entry} for account_id, entry in
                         hooks.accounts.items()],
            "pages": [{"id": page_id, **entry} for page_id, entry in hooks.pages.items()],
            "deliveries": len(hooks.deliveries)}


def _configure(body):
    url = body.get("callback_url")
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        raise ControlError("callback_url must be an http(s) URL")
    token = body.get("verify_token", delivery.DEFAULT_VERIFY_TOKEN)
    fields = body.get("fields", list(APP_FIELDS))
    if not isinstance(token, str) or not token:
        raise ControlError("verify_token must be a non-empty string")
    if not isinstance(fields, list) or not set(fields) <= set(APP_FIELDS):
        raise ControlError(f"fields must be a list of {', '.join(APP_FIELDS)}")
    config = delivery.AppConfig(callback_url=url, verify_token=token, fields=fields)
    if body.get("verify", True):
        with lock_released():
            problem = delivery.verify(url, token)
        if problem is not None:
            raise ControlError(f"The callback URL or verify token couldn't be validated: "
                               f"{problem}")
        config.verified = True
    store().config = config


def deliveries():
    limit = request.args.get("limit", "100")
    if not limit.isdigit():
        raise ControlError("limit must be a whole number")
    return {"data": [d.describe() for d in store().deliveries[-int(limit):][::-1]]}


def retry():
    return delivery.retry_failed()


def send():
    """Any event about an account: `{"username", "field", "values": [...], "delivery"}`."""
    body = body_of()
    account = get_state().accounts.by_username.get(body.get("username"))
    if account is None:
        return jsonify({"error": {"message": "no account with this username"}}), 404
    values = body.get("values", [body.get("value")] if "value" in body else None)
    if (not isinstance(values, list) or not 1 <= len(values) <= MAX_VALUES
            or not isinstance(body.get("field"), str)):
        raise ControlError(f"give field and values (1 to {MAX_VALUES} JSON values)")
    return notify(account, body["field"], values, body.get("delivery"))


def deliver_due():
    return {"data": stories.deliver_due(body_of().get("delivery"))}


def delivery_error(exc):
    return jsonify({"error": {"message": str(exc)}}), 400


def init_app(app):
    app.extensions["sandbox"].state.add_store(delivery.STORE, delivery.WebhookStore)
    subscriptions.init_app(app)
    routes = (("/_sandbox/webhooks", webhooks, ("GET", "POST", "DELETE")),
              ("/_sandbox/webhooks/deliveries", deliveries, ("GET",)),
              ("/_sandbox/webhooks/deliveries/retry", retry, ("POST",)),
              ("/_sandbox/webhooks/send", send, ("POST",)),
              ("/_sandbox/webhooks/deliver_due", deliver_due, ("POST",)))
    for rule, view, methods in routes:
        add_route(app, (SANDBOX_HOST,), rule, view, methods)
    app.register_error_handler(DeliveryError, delivery_error)
