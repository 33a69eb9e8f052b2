"""The Instagram client's error hierarchy; see error_codes for classification."""
from __future__ import annotations

import re
from typing import Any

from .redaction import redact


class InstagramAPIError(Exception):
    """Base of every error the client raises; all text fields are already redacted."""

    category = "permanent"
    transient = False

    def __init__(self, message: str, *, code: int | None = None, subcode: int | None = None,
                 http_status: int | None = None, fbtrace_id: str | None = None,
                 user_title: str | None = None, user_message: str | None = None,
                 retry_after: float | None = None, reason: str | None = None,
                 error_type: str | None = None):
        self.message = redact(message)
        super().__init__(self.message)
        self.code, self.subcode, self.http_status = code, subcode, http_status
        self.fbtrace_id, self.error_type, self.reason = fbtrace_id, error_type, reason
        self.user_title = redact(user_title) if user_title else None
        self.user_message = redact(user_message) if user_message else None
        self.retry_after = retry_after
        self.is_transient = self.transient
        # The class this error becomes once retries are spent (set by the classification).
        self.escalates_to: type[InstagramAPIError] | None = None

    def __str__(self) -> str:
        parts = [f"code={self.code}" if self.code is not None else None,
                 f"subcode={self.subcode}" if self.subcode is not None else None,
                 f"fbtrace_id={self.fbtrace_id}" if self.fbtrace_id else None]
        details = ", ".join(p for p in parts if p)
        return f"{self.message} ({details})" if details else self.message

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(message={self.message!r}, code={self.code}, "
                f"subcode={self.subcode}, http_status={self.http_status})")

    def to_dict(self) -> dict[str, Any]:
        """Fields safe to put in an API response or a log record."""
        return {"type": type(self).__name__, "category": self.category, "message": self.message,
                "code": self.code, "subcode": self.subcode, "http_status": self.http_status,
                "fbtrace_id": self.fbtrace_id, "is_transient": self.is_transient,
                "user_title": self.user_title, "user_message": self.user_message,
                "retry_after": self.retry_after, "reason": self.reason}

    def after_retries(self) -> InstagramAPIError:
        """The error to surface once retries are spent (24/2207008 becomes an expired container)."""
        if self.escalates_to is None:
            return self
        return self.copy_as(self.escalates_to)

    def copy_as(self, cls: type[InstagramAPIError]) -> InstagramAPIError:
        """This error's fields under another class of the hierarchy."""
        return cls(self.message, code=self.code, subcode=self.subcode,
                   http_status=self.http_status, fbtrace_id=self.fbtrace_id,
                   user_title=self.user_title, user_message=self.user_message,
                   retry_after=self.retry_after, reason=self.reason, error_type=self.error_type)


class TransientError(InstagramAPIError):
    """Meta or the network failed temporarily: retry with backoff."""

    category, transient = "transient", True
    container_status: str | None = None  # set by publish_container_safely when it checked


class NetworkError(TransientError):
    """No HTTP response. `ambiguous` is True when the request may have reached Meta."""

    category = "network"

    def __init__(self, message: str, *, ambiguous: bool = True, **fields: Any):
        super().__init__(message, **fields)
        self.ambiguous = ambiguous

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "ambiguous": self.ambiguous}


class ResponseTooLargeError(NetworkError):
    """Meta's answer passed the client's size cap (`max_response_bytes`) and was dropped
    unread. Ambiguous like a lost answer (the call may have done its work), but not
    retried: the same call would bring the same answer."""

    category = "response_too_large"


class CircuitOpenError(TransientError):
    """The breaker refuses calls to a failing host until its cooldown ends; not retried."""

    category = "circuit_open"


class DeadlineExceededError(TransientError):
    """The caller's time budget ran out before this call could be sent; never retried."""

    category = "deadline"


class RateLimitError(InstagramAPIError):
    """Throttled by Meta (or locally while Meta's block lasts); wait `retry_after` seconds."""

    category, transient = "rate_limited", True


class SpamBlockError(InstagramAPIError):
    """Meta's anti-spam or policy block: slow down; never retried automatically."""

    category = "spam_block"


class AuthError(InstagramAPIError):
    """The token no longer works: the user must reconnect. `reason` says why."""

    category = "auth"


class PermissionMissingError(InstagramAPIError):
    """The user did not grant a permission this call needs; `permission` names it if known."""

    category = "permission"

    def __init__(self, message: str, **fields: Any):
        super().__init__(message, **fields)
        found = re.search(r"\b(instagram_[a-z_]+|pages_[a-z_]+|business_management)\b",
                          self.message)
        self.permission = found.group(1) if found else None

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "permission": self.permission}


class UserFixableError(InstagramAPIError):
    """The request's content or parameters are wrong; the user can fix and resubmit."""

    category = "user_fixable"


class MediaError(UserFixableError):
    """The media itself is unusable (size, format, ratio, URL, type, carousel size)."""

    category = "media"


class NotReadyError(InstagramAPIError):
    """The container is still processing: poll its status, then publish."""

    category, transient = "not_ready", True


class ContainerExpiredError(InstagramAPIError):
    """The container can no longer be used (expired, lost or failed): create a new one."""

    category = "container_expired"


class PublishLimitError(InstagramAPIError):
    """The account reached its API publishing limit for the rolling 24 hours."""

    category = "publish_limit"


class DuplicatePostError(InstagramAPIError):
    """Meta rejected the post as a duplicate."""

    category = "duplicate"


class NotFoundError(InstagramAPIError):
    """The object does not exist or the token cannot see it."""

    category = "not_found"


class PermanentError(InstagramAPIError):
    """Any other failure: do not retry."""
