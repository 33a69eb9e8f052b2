"""APIError and the one JSON error envelope used for every error of the platform."""
import logging

from flask import current_app, g, has_request_context, jsonify, request
from flask_jwt_extended import exceptions as jwt_errors
from jwt import exceptions as pyjwt_errors
from pydantic_core import to_jsonable_python
from werkzeug import exceptions as http
from werkzeug.exceptions import HTTPException

from backend.request_id import answer_request_id, ensure_request_id

log = logging.getLogger(__name__)

# Werkzeug's names are English phrases; the envelope's code is the snake_case form.
HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "unprocessable_entity", 429: "rate_limited",
    500: "internal_error", 502: "bad_gateway", 503: "service_unavailable",
}
# Retry-After tells a client when to try again after a 429 or a 503 (RFC 9110 10.2.3);
# on any other answer it would only suggest a retry that cannot help.
RETRY_AFTER_STATUSES = (429, 503)

# JWT failures, as every 401 of the platform tells them (backend/auth.py's JWT callbacks and
# the Instagram blueprint's own handlers answer the same).
JWT_MESSAGES = {
    "authorization_required": "Send 'Authorization: Bearer <token>' from /api/auth/login.",
    "invalid_token": "The access token is not valid.",
    "token_expired": "The access token has expired; log in again.",
    "token_revoked": "The access token was revoked.",
    "fresh_token_required": "Log in again.",
    "unknown_user": "The user no longer exists.",
}
JWT_ERRORS = (jwt_errors.JWTExtendedException, pyjwt_errors.PyJWTError)
_JWT_CODES = ((jwt_errors.NoAuthorizationError, "authorization_required"),
              (jwt_errors.CSRFError, "authorization_required"),
              (pyjwt_errors.ExpiredSignatureError, "token_expired"),
              (jwt_errors.RevokedTokenError, "token_revoked"),
              (jwt_errors.FreshTokenRequired, "fresh_token_required"),
              (jwt_errors.UserLookupError, "unknown_user"))


class APIError(Exception):
    """An error a client should see: HTTP status, snake_case code, sentence and details."""

    status = 400
    code = "bad_request"

    def __init__(self, message, *, code=None, status=None, details=None, headers=None):
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.status = status or self.status
        self.details = details or {}
        self.headers = headers or {}


class NotFound(APIError):
    status = 404
    code = "not_found"


def invalid_field(field, problem, message, *, code="validation_error", **details):
    """A 422 in the one shape every validation error has: `details.errors` lists
    {field, code, message} (here one, `problem` its code), beside any further `details`."""
    return APIError(message, code=code, status=422,
                    details={"errors": [{"field": field, "code": problem, "message": message}],
                             **details})


def error_response(code, message, status, details=None, headers=None):
    """Build the envelope {"error": {"code", "message", "details", "request_id"}} as a Flask
    response; the request id is the one in the X-Request-ID header and in the logs."""
    request_id = None
    if has_request_context():
        # An envelope answered before any hook of the blueprint ran (a drop-in's 429 from
        # the limiter's check, in a host without request ids) gets one all the same.
        ensure_request_id()
        request_id = g.request_id
    # Details may hold datetimes: ISO 8601 whatever JSON provider the host app has.
    details = to_jsonable_python(details or {}, fallback=str)
    response = jsonify({"error": {"code": code, "message": message, "details": details,
                                  "request_id": request_id}})
    response.status_code = status
    for name, value in (headers or {}).items():
        if name.lower() != "retry-after" or status in RETRY_AFTER_STATUSES:
            response.headers[name] = value
    return response


def handle_api_error(error):
    return error_response(error.code, error.message, error.status, error.details, error.headers)


def handle_http_exception(error):
    status = error.code or 500
    code = HTTP_CODES.get(status, "http_error")
    message = error.description or error.name
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
        message = "This endpoint does not accept that HTTP method."
    if status == 404:
        message = "No such endpoint or resource."
    if status == 413:
        message = "The request body is larger than this server accepts."
    if status == 429:
        message = f"Too many requests: limit is {error.description}. Try again later."
        retry_after = _retry_after(error)
        if retry_after:
            headers["Retry-After"] = retry_after
    return error_response(code, message, status, headers=headers)


def _retry_after(error):
    response = error.get_response() if hasattr(error, "get_response") else None
    return response.headers.get("Retry-After") if response is not None else None


def handle_unexpected(error):
    log.exception("unhandled error: %s", type(error).__name__)
    return error_response("internal_error", "Something went wrong on our side.", 500)


def jwt_failure_code(error):
    return next((code for cls, code in _JWT_CODES if isinstance(error, cls)), "invalid_token")


def handle_jwt_error(error):
    code = jwt_failure_code(error)
    return error_response(code, JWT_MESSAGES[code], 401)


def retry_after_only_when_meaningful(response):
    """After-request hook: drop a Retry-After that is not on a 429 or a 503.

    Flask-Limiter adds one to every answer of a limited endpoint, successes included.
    Register it before the limiter (after-request hooks run last-registered first).
    """
    if response.status_code not in RETRY_AFTER_STATUSES:
        response.headers.pop("Retry-After", None)
    return response


def scope_to_blueprint(blueprint, absolute_prefixes=()):
    """The envelope for one blueprint's routes only, as a drop-in needs it in a foreign host.

    Its views' errors (JWT failures, HTTP errors by code, anything unexpected) are answered
    by handlers registered on the blueprint, which Flask consults before the app's; a 404 or
    405 under the URL prefix it is registered with (whatever `url_prefix=` the host gives),
    or under one of `absolute_prefixes` (its views routed outside that prefix), is answered
    before dispatch: no view matched, so no blueprint is known. The host's own error pages
    stay the host's. Every request of the blueprint has a request id (X-Request-ID), its
    own when the host gives none. Call before the blueprint is first registered.
    """
    key = f"envelope_prefixes.{blueprint.name}"

    @blueprint.record
    def remember_prefix(state):
        prefixes = state.app.extensions.setdefault(key, set(absolute_prefixes))
        if state.url_prefix and state.url_prefix.strip("/"):
            prefixes.add(state.url_prefix.rstrip("/"))

    # First of its hooks, so that an answer of any other (a refusal) has the id too.
    blueprint.before_request_funcs.setdefault(None, []).insert(0, ensure_request_id)
    blueprint.after_request(answer_request_id)
    blueprint.register_error_handler(APIError, handle_api_error)
    for error in JWT_ERRORS:
        blueprint.register_error_handler(error, handle_jwt_error)
    # By code too: Flask looks for a handler of the exact status (the blueprint's, then the
    # host's) before one of HTTPException, so a host's 404 page would win otherwise.
    for status in http.default_exceptions:
        blueprint.register_error_handler(status, handle_http_exception)
    blueprint.register_error_handler(HTTPException, handle_http_exception)
    blueprint.register_error_handler(Exception, handle_unexpected)

    def routing_error():
        error = request.routing_exception
        path = request.path.rstrip("/")
        prefixes = current_app.extensions.get(key, ())
        if isinstance(error, (http.NotFound, http.MethodNotAllowed)) and any(
                path == p or path.startswith(p + "/") for p in prefixes):
            ensure_request_id()
            return answer_request_id(handle_http_exception(error))
        return None
    blueprint.before_app_request(routing_error)


def init_app(app):
    """Install the envelope for every error of the app; safe to call more than once."""
    if app.extensions.get("error_envelope"):
        return
    app.extensions["error_envelope"] = True
    app.register_error_handler(APIError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
