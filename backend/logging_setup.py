"""Logging for the platform: JSON lines or text, and secrets scrubbed from every record."""
import logging
import re
import sys
import time
from itertools import chain

from pythonjsonlogger.json import JsonEncoder, JsonFormatter

from backend.config import log_format, log_level
# The integration's client owns the one redaction (it runs without the platform too).
from backend.services.instagram.graph.redaction import (REDACTED, SECRET_PARAMS,
                                                        RedactingFormatter,
                                                        install_record_redaction,
                                                        may_hold_secret, redact)


class RequestContextFilter(logging.Filter):
    """Adds the request id (and the job name) to every record, so each line can be traced."""

    def filter(self, record):
        if getattr(record, "request_id", None) is None:
            record.request_id = _request_id()
        return True


def _request_id():
    from flask import g, has_request_context
    return g.get("request_id") if has_request_context() else None


class RedactingJsonFormatter(JsonFormatter):
    """One JSON object per line; every value is scrubbed before the line is written, extra
    fields and tracebacks included. Values, not the written line: scrubbing JSON text could
    cut an escape (`code=x\\"` becoming `code=[REDACTED]"`), and a client's Referer or
    User-Agent could then break the line or add keys to it."""

    def process_log_record(self, log_record):
        log_record = super().process_log_record(log_record)
        # Most lines hold flat values and nothing to hide: one test over all their text,
        # field names included (a line each), says so, instead of one scrub per value.
        values = log_record.values()
        if all(isinstance(value, _FLAT) for value in values):
            text = "\n".join(chain(log_record, (value for value in values
                                                if isinstance(value, str))))
            if "\x1b" not in text and not may_hold_secret(text):
                return log_record
        return _scrubbed(log_record)

    _second = (None, "")  # (a whole second, its text): formatting it is most of the cost

    def formatTime(self, record, datefmt=None):
        """ISO 8601 in UTC with milliseconds: 2026-11-30T16:54:15.449Z."""
        second, text = self._second
        if int(record.created) != second:
            second = int(record.created)
            text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = (second, text)
        return f"{text}.{int(record.msecs):03d}Z"


# Values a line holds as they are: text is scrubbed, numbers and the rest are not text.
_FLAT = (str, int, float, type(None))


def _scrubbed(value):
    if isinstance(value, str):
        # Werkzeug colours its access lines for a terminal: no escape codes in JSON.
        return redact(_COLOUR.sub("", value))
    if isinstance(value, dict):
        # A field named as a secret holds one, whatever its value looks like.
        return {_scrubbed(key) if isinstance(key, str) else key:
                REDACTED if _secret_field(key, item) else _scrubbed(item)
                for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_scrubbed(item) for item in value]
    if isinstance(value, _FLAT):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        # As text, scrubbed (the encoder's base64 would carry a secret past every pattern);
        # bytes that are not UTF-8 keep their escapes.
        try:
            return _scrubbed(bytes(value).decode("utf-8", "backslashreplace"))
        except ValueError:  # a released memoryview has no bytes left: its str() is written
            return _scrubbed(str(value))
    # Anything else is written as the encoder renders it (str() for most objects): scrubbed
    # as that.
    return _scrubbed(_ENCODER.default(value))


def _secret_field(key, value):
    return isinstance(key, str) and key.lower() in _SECRET_FIELDS and value is not None


_SECRET_FIELDS = frozenset(SECRET_PARAMS)
_ENCODER = JsonEncoder()


JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
JSON_RENAMES = {"asctime": "time", "levelname": "level", "name": "logger"}
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
# Noisy libraries: urllib3 logs full URLs; APScheduler logs two INFO lines per job run
# (the platform's scheduler logs its own, named, at DEBUG unless something happened).
QUIET = {"urllib3": logging.WARNING, "apscheduler": logging.WARNING}
# A message is one line: a decoded %0A in a path must not start a forged line, nor a
# terminal escape rewrite one. Colours (werkzeug's) are dropped; other controls escaped.
_COLOUR = re.compile(r"\x1b\[[0-9;]*m")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def one_line(text):
    """`text` without line breaks or other control characters (shown as \\n, \\x1b...)."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], _COLOUR.sub("", text))


class TextFormatter(RedactingFormatter):
    """Text lines with the request id ("-" outside a request); the message on one line."""

    def formatMessage(self, record):
        # The record is shared by every handler: it leaves as it came, so that a handler after
        # this one (a JSON file beside a text console) still fills in its own request id.
        had = "request_id" in record.__dict__
        message, request_id = record.message, getattr(record, "request_id", None)
        if not had:
            request_id = _request_id()
        record.message, record.request_id = one_line(message), request_id or "-"
        try:
            return super().formatMessage(record)
        finally:
            record.message = message
            if had:
                record.request_id = request_id
            else:
                del record.request_id


def choose_format(name, stream=None):
    """"json" or "text": `auto` means text on a terminal, JSON otherwise (files, collectors)."""
    name = log_format(name)
    if name == "auto":
        stream = stream or sys.stderr
        return "text" if getattr(stream, "isatty", lambda: False)() else "json"
    return name


def formatter(fmt="auto", stream=None):
    """The platform's formatter for a handler writing to `stream`: JSON lines or text, each
    scrubbed of secrets as a whole (gunicorn's own lines use it too: gunicorn_logging.py)."""
    if choose_format(fmt, stream) == "json":
        return RedactingJsonFormatter(JSON_FIELDS, rename_fields=JSON_RENAMES)
    return TextFormatter(TEXT_FORMAT)


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
    handler.setFormatter(formatter(fmt, handler.stream))
    root.setLevel(log_level(level))
    for name, quiet in QUIET.items():
        logging.getLogger(name).setLevel(quiet)
