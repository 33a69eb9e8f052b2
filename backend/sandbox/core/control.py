"""Control endpoints under /_sandbox (no auth): reset, settings, clock, faults, accounts, tokens."""
from datetime import datetime

from flask import Response, jsonify, request

from .context import get_state, root_url
from .faults import FaultSpecError
from .hosts import SANDBOX_HOST, add_route, base_urls
from .pages import avatar_png, render_index
from .settings import SettingsError

DEFAULT_INVALIDATE_SUBCODE = 460


class ControlError(ValueError):
    """A control request the sandbox refuses (answered as 400 JSON)."""


def body_of():
    """The control request's JSON object body ({} when there is none)."""
    body = request.get_json(silent=True)
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise ControlError("the body must be a JSON object")
    return body


def index():
    state = get_state()
    return render_index(base_urls(root_url()), state.accounts.listing())


def info():
    state = get_state()
    return {"base_urls": base_urls(root_url()), "settings": state.settings.public(),
            "clock": state.clock.describe()}


def reset():
    get_state().reset()
    return {"success": True}


def settings():
    state = get_state()
    if request.method == "POST":
        try:
            state.update_settings(body_of())
        except SettingsError as exc:
            raise ControlError(str(exc)) from None
    return state.settings.public()


def clock():
    state = get_state()
    if request.method == "POST":
        body = body_of()
        if "advance_seconds" in body:
            seconds = body["advance_seconds"]
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
                raise ControlError("advance_seconds must be a number")
            state.clock.advance(seconds)
        elif "now" in body:
            try:
                state.clock.set(datetime.fromisoformat(str(body["now"])))
            except ValueError:
                raise ControlError("now must be an ISO-8601 date-time") from None
        else:
            raise ControlError("give advance_seconds or now")
    return state.clock.describe()


def faults():
    state = get_state()
    if request.method == "DELETE":
        state.faults.clear()
    elif request.method == "POST":
        body = request.get_json(silent=True)
        specs = body if isinstance(body, list) else [body]
        try:
            added = [state.faults.add(spec).describe() for spec in specs]
        except FaultSpecError as exc:
            raise ControlError(str(exc)) from None
        return jsonify({"added": added, "faults": state.faults.listing()}), 201
    return {"faults": state.faults.listing()}


def accounts():
    return {"data": get_state().accounts.listing()}


def invalidate(username):
    """Make every token of the account (Instagram and its Facebook user's) fail with 190."""
    state = get_state()
    account = state.accounts.by_username.get(username)
    if account is None:
        return jsonify({"error": {"message": f"no account named {username}"}}), 404
    subcode = body_of().get("subcode", DEFAULT_INVALIDATE_SUBCODE)
    if isinstance(subcode, bool) or not isinstance(subcode, int):
        raise ControlError("subcode must be an integer")
    state.tokens.invalidate({account.professional_id, account.fb_user_id}, subcode)
    return {"success": True, "username": username, "subcode": subcode}


def tokens():
    state = get_state()
    return {"data": state.tokens.listing(state.now(), state.owner_name)}


def avatar(username):
    return Response(avatar_png(username), mimetype="image/png")


def control_error(exc):
    return jsonify({"error": {"message": str(exc)}}), 400


def init_app(app):
    routes = (
        ("/", index, ("GET",)), ("/_sandbox", info, ("GET",)),
        ("/_sandbox/reset", reset, ("POST",)),
        ("/_sandbox/settings", settings, ("GET", "POST")),
        ("/_sandbox/clock", clock, ("GET", "POST")),
        ("/_sandbox/faults", faults, ("GET", "POST", "DELETE")),
        ("/_sandbox/accounts", accounts, ("GET",)),
        ("/_sandbox/accounts/<username>/invalidate", invalidate, ("POST",)),
        ("/_sandbox/tokens", tokens, ("GET",)),
        ("/_sandbox/avatars/<username>.png", avatar, ("GET",)),
    )
    for rule, view, methods in routes:
        add_route(app, (SANDBOX_HOST,), rule, view, methods)
    app.register_error_handler(ControlError, control_error)
