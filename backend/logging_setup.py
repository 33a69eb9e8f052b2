"""Logging for the platform: JSON lines or text, and secrets scrubbed from every record."""
import logging
import sys

from pythonjsonlogger.json import JsonFormatter

# The integration's client owns the one redaction (it runs without the platform too).
from backend.services.instagram.graph.redaction import (RedactingFormatter,
                                                        install_record_redaction, redact)


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
