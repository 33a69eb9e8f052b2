"""Logging for the platform: JSON lines or text, and secrets scrubbed from every record."""
import logging
import re
import sys

from pythonjsonlogger.json import JsonFormatter

# Query/form parameters and JSON fields that carry secrets, in URLs, bodies or messages.
SECRET_PARAMS = ("access_token", "client_secret", "fb_exchange_token", "input_token",
                 "appsecret_proof", "refresh_token", "password", "long_lived_token")
_PARAM_RE = re.compile(
    r"(?P<key>\b(?:%s)\b)(?P<sep>\"?\s*[=:]\s*\"?)(?P<value>[^&\s\"',}]+)"
    % "|".join(SECRET_PARAMS), re.IGNORECASE)
# OAuth codes only in URLs: "code" alone is too common a word (error codes) to scrub.
_CODE_RE = re.compile(r"([?&]code=)[^&\s#\"']+")
_BEARER_RE = re.compile(r"\b(Bearer|OAuth)\s+[A-Za-z0-9._\-|]+", re.IGNORECASE)
# Meta's token shapes: Instagram (IG...), Facebook (EAA...), long enough not to hit words.
_TOKEN_RE = re.compile(r"\b(?:IG[A-Za-z0-9]{2}|EAA)[A-Za-z0-9_\-]{20,}")


def redact(text):
    """Replace anything that looks like a token or secret in text with [REDACTED]."""
    if not text:
        return text
    text = _PARAM_RE.sub(lambda m: f"{m.group('key')}{m.group('sep')}[REDACTED]", text)
    text = _CODE_RE.sub(r"\1[REDACTED]", text)
    text = _BEARER_RE.sub(lambda m: f"{m.group(1)} [REDACTED]", text)
    return _TOKEN_RE.sub("[REDACTED]", text)


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then scrubs the whole line (message, arguments and traceback)."""

    def format(self, record):
        return redact(super().format(record))


_installed = False


def install_record_redaction():
    """Scrub secrets when any log record is created, so every handler sees clean text."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not break logging
            return record
        clean = redact(message)
        if clean != message or record.args:
            record.msg, record.args = clean, ()
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


class RequestContextFilter(logging.Filter):
    """Adds the request id (and the job name) to every record, so each line can be traced."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = _request_id()
        return True


def _request_id():
    from flask import g, has_request_context
    return g.get("request_id") if has_request_context() else None


class RedactingJsonFormatter(JsonFormatter):
    """One JSON object per line; the whole line is scrubbed, extra fields included."""

    def format(self, record):
        return redact(super().format(record))


JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Noisy libraries: urllib3 logs full URLs; APScheduler logs two INFO lines per job run
# (the platform's scheduler logs its own, named, at DEBUG unless something happened).
QUIET = {"urllib3": logging.WARNING, "apscheduler": logging.WARNING}


def choose_format(name, stream=None):
    """"json" or "text": `auto` means text on a terminal, JSON otherwise (files, collectors)."""
    name = (name or "auto").lower()
    if name == "auto":
        stream = stream or sys.stderr
        return "text" if getattr(stream, "isatty", lambda: False)() else "json"
    if name not in ("json", "text"):
        raise ValueError(f"LOG_FORMAT must be json, text or auto, not {name!r}")
    return name


def configure_logging(level="INFO", fmt="auto"):
    """Root handler (JSON lines or text), secrets scrubbed from every record either way."""
    install_record_redaction()
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_platform", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler._platform = True
        handler.addFilter(RequestContextFilter())
        root.addHandler(handler)
    if choose_format(fmt, handler.stream) == "json":
        handler.setFormatter(RedactingJsonFormatter(
            JSON_FIELDS, rename_fields={"asctime": "time", "levelname": "level",
                                        "name": "logger"}))
    else:
        handler.setFormatter(RedactingFormatter(TEXT_FORMAT))
    root.setLevel(level)
    for name, quiet in QUIET.items():
        logging.getLogger(name).setLevel(quiet)
