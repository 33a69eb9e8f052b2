"""Meta's error shapes: the Graph envelope, the api.instagram.com shape and dialog error pages."""
import secrets

from .clock import pacific_text
from .hosts import IG_GRAPH

TRANSIENT_CODES = (1, 2, 4)
STANDARD_MESSAGES = {
    1: "An unknown error occurred",
    2: "An unexpected error has occurred. Please retry your request later.",
    4: "(#4) Application request limit reached",
    10: "(#10) Application does not have permission for this action",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    100: "(#100) Invalid parameter",
    104: "An access token is required to request this resource.",
    190: "Invalid OAuth access token - Cannot parse access token",
    200: "(#200) Permissions error",
    341: "(#341) Application limit reached",
    368: "(#368) The action attempted has been deemed abusive or is otherwise disallowed",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    80002: ("(#80002) There have been too many calls to this Instagram account. Wait a bit and "
            "try again. For more info, please refer to "
            "https://developers.facebook.com/docs/graph-api/overview/rate-limiting."),
}
SESSION_MESSAGES = {
    458: "Error validating access token: The user has not authorized application {app_id}.",
    459: ("Error validating access token: You cannot access the app till you log in to "
          "www.facebook.com and follow the instructions given."),
    460: ("Error validating access token: The session has been invalidated because the user "
          "changed their password or Facebook has changed the session for security reasons."),
    464: "Error validating access token: Sessions for the user are not allowed because the "
         "user is not a confirmed user.",
    467: "Error validating access token: The session is invalid because the user logged out.",
    492: "Error validating access token: The user is not an admin, editor or moderator of the "
         "page.",
    493: ("Error validating access token: The session has been invalidated because the user "
          "has been inactive for 90 days."),
}


def fbtrace_id():
    return "A" + secrets.token_urlsafe(16)[:22]


class GraphError(Exception):
    """An error answered in the Graph envelope of the host serving the request."""

    def __init__(self, code, message=None, subcode=None, *, http_status=None, is_transient=None,
                 user_title=None, user_msg=None, error_type=None):
        self.code = code
        self.message = message or STANDARD_MESSAGES.get(code, f"(#{code}) Sandbox error")
        self.subcode = subcode
        self.http_status = http_status or (403 if 200 <= code < 300 else 400)
        self.is_transient = is_transient
        self.user_title = user_title
        self.user_msg = user_msg
        self.error_type = error_type
        super().__init__(self.message)

    def payload(self, host):
        """The `{"error": {...}}` body; every error on graph.instagram.com is IGApiException."""
        kind = "IGApiException" if host == IG_GRAPH else (self.error_type or "OAuthException")
        error = {"message": self.message, "type": kind, "code": self.code}
        optional = (("error_subcode", self.subcode), ("is_transient", self.is_transient),
                    ("error_user_title", self.user_title), ("error_user_msg", self.user_msg))
        error.update({key: value for key, value in optional if value is not None})
        error["fbtrace_id"] = fbtrace_id()
        return {"error": error}


class OAuthHostError(Exception):
    """An error of api.instagram.com, which uses its own flat shape."""

    def __init__(self, message, code=400):
        self.message = message
        self.code = code
        super().__init__(message)

    def payload(self):
        return {"error_type": "OAuthException", "code": self.code, "error_message": self.message}


class DialogError(Exception):
    """A login dialog refusing the request with an HTML page (Meta does not redirect then)."""

    def __init__(self, title, message, http_status=400):
        self.title = title
        self.message = message
        self.http_status = http_status
        super().__init__(message)


def missing_token():
    return GraphError(104)


def cannot_parse_token():
    return GraphError(190)


def unknown_token(host):
    """A well-formed token this sandbox never issued (or issued before a restart)."""
    if host == IG_GRAPH:
        return GraphError(190, "Invalid OAuth 2.0 Access Token")
    return GraphError(190, "The access token could not be decrypted")


def token_expired(expires_at, now):
    return GraphError(190, "Error validating access token: Session has expired on "
                           f"{pacific_text(expires_at)}. The current time is "
                           f"{pacific_text(now)}.", 463)


def session_invalid(subcode, app_id):
    message = SESSION_MESSAGES.get(subcode, "Error validating access token: The session is "
                                            "invalid.").format(app_id=app_id)
    return GraphError(190, message, subcode)


def object_not_found(object_id, method):
    return GraphError(
        100, f"Unsupported {method.lower()} request. Object with ID '{object_id}' does not "
             "exist, cannot be loaded due to missing permissions, or does not support this "
             "operation. Please read the Graph API documentation at "
             "https://developers.facebook.com/docs/graph-api", 33,
        error_type="GraphMethodException")


def nonexisting_field(name, node_type):
    return GraphError(100, f"(#100) Tried accessing nonexisting field ({name}) on node type "
                           f"({node_type})")


def unknown_path(path):
    return GraphError(100, f"Unknown path components: {path}")


def missing_parameter(name):
    return GraphError(100, f"(#100) The parameter {name} is required")


def invalid_parameter(message):
    return GraphError(100, f"(#100) {message}")


def bad_client_secret():
    return GraphError(1, "Error validating client secret.", is_transient=False)
