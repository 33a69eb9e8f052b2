"""Per-request access to the sandbox: its state, the Meta host called and the call's params."""
import json
from dataclasses import dataclass

from flask import current_app, g, request

from .hosts import ENV_BASE_URL, ENV_HOST, ENV_ROOT_URL, ENV_VERSION, IG_GRAPH, RUPLOAD
from .usage import charge_account

EXTENSION = "sandbox"


@dataclass
class Runtime:
    """What one sandbox app holds: the live state and the registered Graph node types."""

    state: object
    nodes: object


def runtime():
    return current_app.extensions[EXTENSION]


def get_state():
    return runtime().state


def request_params():
    """Parameters from the query string, a form/multipart body and a JSON object body.

    Meta reads all three; later sources win. Values are strings, as on the wire. On rupload
    the body is the video itself: reading it as a form (curl's default Content-Type) would
    consume the bytes, so only the query string counts there.
    """
    if "sandbox_params" not in g:
        params = dict(request.args.items())
        if meta_host() == RUPLOAD:
            g.sandbox_params = params
            return params
        params.update(request.form.items())
        body = request.get_json(silent=True) if request.is_json else None
        if isinstance(body, dict):
            params.update({k: wire_string(v) for k, v in body.items()})
        g.sandbox_params = params
    return g.sandbox_params


def wire_string(value):
    """A JSON value as the string Meta reads on the wire (booleans as true/false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return "" if value is None else str(value)


def meta_host():
    return request.environ[ENV_HOST]


def api_version():
    return request.environ.get(ENV_VERSION)


def base_url():
    """The client-facing base URL of the Meta host of this request."""
    return request.environ[ENV_BASE_URL]


def root_url():
    """The client-facing root URL of the sandbox (where /_sandbox lives)."""
    return request.environ[ENV_ROOT_URL]


def use_account(account):
    """Charge this call to an Instagram account's Business Use Case budget (once a request)."""
    if account is None or g.get("sandbox_account") is not None:
        return
    g.sandbox_account = account.professional_id
    state = get_state()
    app_id = state.settings.app_for(facebook=meta_host() != IG_GRAPH)[0]
    charge_account(state.usage, app_id, account.professional_id, state.now(),
                   state.settings["usage_calls_per_hour"])
