"""The request pipeline around every view: faults, latency, the state lock, usage, errors."""
import logging
import time
from contextlib import contextmanager

from flask import current_app, g, jsonify, make_response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from ..oauth.auth import host_app
from .context import api_version, get_state, meta_host, request_params
from .errors import DialogError, GraphError, OAuthHostError, object_not_found, unknown_path
from .hosts import FB_DIALOG, GRAPH_HOSTS, IG_DIALOG, IG_OAUTH, SANDBOX_HOST
from .nodes import request_account, targets_account
from .pages import render_error
from .usage import charge_app, exhausted_headers, usage_headers

log = logging.getLogger(__name__)
AUTH_CODES = (104, 190, 2500)


def _keep_fault_headers(taken):
    """Headers the fired faults add to this request's answer, over the usual ones."""
    headers = g.setdefault("sandbox_fault_headers", {})
    for fault in taken:
        if fault.usage_exhausted is not None:
            account = request_account(meta_host(), request.path)
            headers.update(exhausted_headers(account and account.professional_id,
                                             fault.usage_exhausted))
        headers.update(fault.headers)


def _apply_faults(phase, response=None):
    """Run the faults matching this request; return a replacement answer if one gives one.

    A request a `before` fault answered did no work, so `after` faults wait for another.
    """
    state = get_state()
    if phase == "after" and g.get("sandbox_fault_answered"):
        return None
    with state.lock:
        taken = state.faults.take(phase, meta_host(), request.method, request.path,
                                  request_params)
        actions = state.fault_actions
        _keep_fault_headers(taken)
    try:
        for fault in taken:
            result = actions[fault.action].apply(fault, request.environ, response)
            if result is not None:
                g.sandbox_fault_answered = True
                return result
    except GraphError:
        g.sandbox_fault_answered = True
        raise
    return None


def lock_free(view):
    """Mark a sandbox-host view that runs without the state lock (e.g. sample media, which the
    sandbox itself fetches while a Graph call waits)."""
    view.sandbox_lock_free = True
    return view


@contextmanager
def lock_released():
    """Let other requests run while this one waits on the network (e.g. fetching a media URL).

    Call it from a view's top level (not inside another `with state.lock`); the state may
    change meanwhile, so look objects up again afterwards.
    """
    state = get_state()
    locked = g.pop("sandbox_locked", False)
    if locked:
        state.lock.release()
    try:
        yield
    finally:
        if locked:
            state.lock.acquire()
            g.sandbox_locked = True


def before_request():
    state, host = get_state(), meta_host()
    if host == SANDBOX_HOST:
        view = current_app.view_functions.get(request.endpoint)
        if getattr(view, "sandbox_lock_free", False):
            return None
    else:
        with state.lock:
            latency = state.settings["latency_ms"]
        if latency:
            time.sleep(latency / 1000)
        replacement = _apply_faults("before")
        if replacement is not None:
            return replacement
    state.lock.acquire()
    g.sandbox_locked = True
    if host in GRAPH_HOSTS:
        charge_app(state.usage, host_app(state, host)[0], state.now(),
                   state.settings["usage_calls_per_hour"],
                   enforce=not targets_account(host, request.path))
    return None


def _release():
    if g.pop("sandbox_locked", False):
        get_state().lock.release()


def after_request(response):
    state, host = get_state(), meta_host()
    if host != SANDBOX_HOST:
        _release()  # an "after" fault may sleep; others need not wait for it
        try:
            replacement = _apply_faults("after", response)
        except GraphError as exc:
            replacement = error_response(exc)
        if replacement is not None:
            response = make_response(replacement)
    if host in GRAPH_HOSTS:
        with state.lock:
            app_id = host_app(state, host)[0]
            response.headers.update(usage_headers(
                state.usage, app_id, g.get("sandbox_account"), state.now(),
                state.settings["usage_calls_per_hour"]))
            response.headers["facebook-api-version"] = (
                api_version() or state.settings["default_api_version"])
    response.headers.update(g.pop("sandbox_fault_headers", None) or {})
    return response


def teardown_request(exc):
    _release()


def error_response(exc):
    """A GraphError in the shape of the host serving the request."""
    host = meta_host()
    if host == IG_OAUTH:
        body = {"error_type": "OAuthException", "code": exc.code, "error_message": exc.message}
        return make_response(jsonify(body), exc.http_status)
    if host in (IG_DIALOG, FB_DIALOG):
        return render_error("Error", exc.message, exc.http_status)
    response = make_response(jsonify(exc.payload(host)), exc.http_status)
    if exc.code in AUTH_CODES:
        response.headers["WWW-Authenticate"] = (
            f'OAuth "Facebook Platform" "invalid_token" "{exc.message}"')
    return response


def oauth_host_error(exc):
    return make_response(jsonify(exc.payload()), 400)


def dialog_error(exc):
    return render_error(exc.title, exc.message, exc.http_status)


def http_error(exc):
    """404/405 and other HTTP errors in each host's own shape."""
    host = meta_host()
    if host == SANDBOX_HOST:
        return make_response(jsonify({"error": {"message": exc.description}}), exc.code)
    if host in (IG_DIALOG, FB_DIALOG):
        return render_error(exc.name, "Sorry, this page isn't available.", exc.code)
    if isinstance(exc, MethodNotAllowed):
        graph_error = object_not_found(request.path.strip("/") or "/", request.method)
    elif isinstance(exc, NotFound):
        graph_error = unknown_path(request.path)
    else:
        graph_error = GraphError(100, f"(#100) {exc.description}", http_status=exc.code)
    return error_response(graph_error)


def unexpected_error(exc):
    if isinstance(exc, HTTPException):
        return http_error(exc)
    log.exception("sandbox error on %s %s", request.method, request.path)
    return error_response(GraphError(1, http_status=500, is_transient=True))


def init_app(app):
    app.before_request(before_request)
    app.after_request(after_request)
    app.teardown_request(teardown_request)
    app.register_error_handler(GraphError, error_response)
    app.register_error_handler(OAuthHostError, oauth_host_error)
    app.register_error_handler(DialogError, dialog_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)
