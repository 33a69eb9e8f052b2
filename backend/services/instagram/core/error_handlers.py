"""Maps the client's Meta error classes to the platform's JSON error envelope."""
from backend.errors import error_response
from backend.services.instagram.graph import errors as graph

# Class -> (HTTP status, envelope code). The first matching class (most specific) wins.
MAPPING = (
    (graph.PublishLimitError, 429, "publishing_limit_reached"),
    (graph.CircuitOpenError, 503, "instagram_unavailable"),
    (graph.RateLimitError, 429, "instagram_rate_limited"),
    (graph.SpamBlockError, 403, "instagram_action_blocked"),
    (graph.AuthError, 403, "instagram_reauth_required"),
    (graph.PermissionMissingError, 403, "instagram_permission_missing"),
    (graph.NotReadyError, 409, "instagram_media_not_ready"),
    (graph.ContainerExpiredError, 409, "instagram_container_expired"),
    (graph.DuplicatePostError, 409, "instagram_duplicate_post"),
    (graph.NotFoundError, 404, "instagram_object_not_found"),
    (graph.UserFixableError, 422, "instagram_rejected_request"),
    (graph.ResponseTooLargeError, 502, "instagram_response_too_large"),
    (graph.TransientError, 503, "instagram_unavailable"),
)


def status_and_code(exc):
    for cls, status, code in MAPPING:
        if isinstance(exc, cls):
            return status, code
    return 502, "instagram_error"


def handle_graph_error(exc):
    """Envelope for an InstagramAPIError that reached a view: Meta's codes in details."""
    status, code = status_and_code(exc)
    details = {"meta_code": exc.code, "meta_subcode": exc.subcode,
               "fbtrace_id": exc.fbtrace_id, "category": exc.category}
    headers = {}
    if exc.retry_after:
        headers["Retry-After"] = str(int(exc.retry_after))
    message = exc.user_message or exc.message or "Instagram answered with an error."
    return error_response(code, message, status, details, headers)
