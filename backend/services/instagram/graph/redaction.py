"""The one secret redaction: for error texts, log records and every log handler of the process."""
from __future__ import annotations

import logging
import re
from typing import Any, Iterable
from urllib.parse import quote, quote_plus

REDACTED = "[REDACTED]"

SECRET_PARAMS = ("access_token", "client_secret", "appsecret_proof", "fb_exchange_token",
                 "input_token", "refresh_token", "password", "long_lived_token",
                 "verify_token")
"""Query/form parameters and JSON fields whose values are secrets wherever they appear."""

# key=value, key: value, "key": "value" (escaped quotes, even escaped twice as in a repr, do not
# end the value; one cut off before its closing quote is still hidden), and JSON quoted into a
# string ({\"password\": ...}).
_PARAM_RE = re.compile(
    r"(?P<key>\b(?:%s)\b)(?P<sep>(?:\\?[\"'])?\s*[=:]\s*)"
    r"(?:(?P<q>[\"'])(?:\\+.|(?!(?P=q))[^\\])*(?:(?P=q)|$)"
    r"|(?P<eq>\\\").*?(?:\\\"|$)"
    r"|\[REDACTED\](?=[&\s\"',;)}\]<>#]|$)"  # already hidden: twice changes nothing
    r"|[^&\s\"',;)}\]<>#]+)"
    % "|".join(SECRET_PARAMS), re.IGNORECASE)
# OAuth codes, states and connect-link tickets only in URLs (a callback's query string, in an
# access log line or a Referer): "code" and "state" alone are too common words ("error code
# 190", "state=open").
_URL_SECRETS = ("code", "state", "ticket")
_CODE_RE = re.compile(r"([?&](?:%s)=)[^&\s#\"'<>]+" % "|".join(_URL_SECRETS))
# A named Authorization header hides its value whatever its length or scheme.
_AUTH_HEADER_RE = re.compile(
    r"(?P<head>\bAuthorization[\"']?\s*[:=]\s*[\"']?)(?P<scheme>(?:Bearer|OAuth|Basic)\s+)?"
    r"[^\s\"',}]+", re.IGNORECASE)
# Tokens are long; the length floor keeps phrases like "Invalid OAuth access token" readable.
_SCHEME_RE = re.compile(r"\b(Bearer|OAuth)\s+[A-Za-z0-9._~+/=|%\-]{16,}", re.IGNORECASE)
# Meta's token shapes: Instagram (IG...), Facebook (EAA...), long enough not to hit words.
_TOKEN_RE = re.compile(r"\b(?:IG[A-Za-z0-9]{2}|EAA)[A-Za-z0-9_\-]{20,}")
_MIN_SECRET_LENGTH = 4
# Words one of which any case-blind pattern above needs (every key of SECRET_PARAMS holds
# token, secret, proof or password); a test keeps the two lists in step.
_WORDS = ("token", "secret", "proof", "password", "authorization", "bearer", "oauth")
_URL_KEYS = tuple(f"{key}=" for key in _URL_SECRETS)


def may_hold_secret(text: str) -> bool:
    """False only for text none of the patterns can match; a few substring tests, about ten
    times faster than the patterns, and most log lines hold nothing to hide. Texts joined by
    a line break answer as any of them would (a match in one is a match in the whole)."""
    if not text.isascii():
        # Beyond ASCII, case-blind matching has more equivalences than lower() (the long s
        # matches s, the Kelvin sign k, the dotless i i): the patterns judge such text.
        return True
    lower = text.lower()
    return (any(word in lower for word in _WORDS) or any(key in text for key in _URL_KEYS)
            or (("IG" in text or "EAA" in text) and _TOKEN_RE.search(text) is not None))


def _mask_param(match: re.Match) -> str:
    quote_mark = match.group("q") or ("\\\"" if match.group("eq") is not None else "")
    return f"{match.group('key')}{match.group('sep')}{quote_mark}{REDACTED}{quote_mark}"


def redact(text: Any, secrets: Iterable[str | None] = ()) -> str:
    """`text` (None reads as "") with each known secret, in plain and URL-encoded forms, and
    every token-like value masked as [REDACTED]."""
    out = "" if text is None else str(text)
    variants = set()
    for secret in secrets:
        if secret and len(str(secret)) >= _MIN_SECRET_LENGTH:
            secret = str(secret)
            variants.update({secret, quote(secret, safe=""), quote_plus(secret, safe="")})
    for secret in sorted(variants, key=len, reverse=True):
        out = out.replace(secret, REDACTED)
    # Most lines hold nothing any pattern below could match: one search says so (a log line
    # is scrubbed twice, as a record and as a formatted line, so this is most of its cost).
    return scrub(out) if may_hold_secret(out) else out


def scrub(out: str) -> str:
    """Every pattern of a secret in `out` masked (redact() without the known secrets)."""
    out = _PARAM_RE.sub(_mask_param, out)
    out = _CODE_RE.sub(rf"\1{REDACTED}", out)
    out = _AUTH_HEADER_RE.sub(
        lambda m: f"{m.group('head')}{m.group('scheme') or ''}{REDACTED}", out)
    out = _SCHEME_RE.sub(lambda m: f"{m.group(1)} {REDACTED}", out)
    return _TOKEN_RE.sub(REDACTED, out)


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Replace the record's message by its redacted text when it held a secret."""
    try:
        message = record.getMessage()
    except Exception:  # a malformed record is logging's problem to report, not ours
        return record
    cleaned = redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, ()
    return record


class RedactingFilter(logging.Filter):
    """Scrubs the records of one logger (urllib3 logs request URLs, query strings included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then scrubs the whole line (message, arguments and traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


_THIRD_PARTY_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry")


def protect_third_party_logs() -> None:
    """Attach RedactingFilter once to the urllib3 loggers that print request URLs.

    The client calls this itself, so a plain script using it leaks nothing either."""
    for name in _THIRD_PARTY_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


_record_factory_installed = False
# Loggers whose records are scrubbed when created (with their children); "" is every logger.
_scrubbed: set[str] = set()


def install_record_redaction() -> None:
    """Scrub secrets when any log record is created, so every handler sees clean text.

    What a platform does for all its logs; an integration inside someone else's host
    scrubs only its own, with redact_loggers()."""
    redact_loggers("")


def redact_loggers(*names: str) -> None:
    """Scrub secrets from the records of these loggers and their children when created."""
    global _record_factory_installed
    _scrubbed.update(names)
    if _record_factory_installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        return redact_record(record) if _in_scope(record.name) else record

    logging.setLogRecordFactory(factory)
    _record_factory_installed = True


def _in_scope(name: str) -> bool:
    return any(scope == "" or name == scope or name.startswith(scope + ".")
               for scope in _scrubbed)
