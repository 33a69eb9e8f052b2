"""gunicorn's own log lines (its error log and access log) in the platform's format.

gunicorn.conf.py names this class as gunicorn's `logger_class`. gunicorn still decides where
its lines go (stderr by default, --error-logfile, --access-logfile, syslog); every handler
it sets up gets the platform's formatter, so its lines are JSON (or text) like the rest,
scrubbed of secrets as a whole, and each access line carries the request's X-Request-ID.
Query strings and Referers are also scrubbed before the access line is made, so an OAuth
callback's code and state, or a webhook's hub.verify_token, never reach it.

A class rather than `logconfig_dict`: a dictConfig replaces gunicorn's handlers with its
own, which would silently ignore --error-logfile and --access-logfile.
"""
import logging
import os
import re
from functools import lru_cache

from gunicorn import glogging

from backend.config import SettingsError, log_format
from backend.logging_setup import RequestContextFilter, formatter
from backend.services.instagram.graph.redaction import install_record_redaction, redact

REQUEST_ID = "{x-request-id}o"  # the response header the platform answers the id in


class AccessRequestId(logging.Filter):
    """The request id of an access line, from the response's X-Request-ID."""

    def filter(self, record):
        # Only access lines carry the atoms; any other record passing through this handler
        # is left as it is, for the other handlers' filters.
        if isinstance(record.args, dict):
            value = record.args.get(REQUEST_ID)
            record.request_id = value if value and value != "-" else None
        return True


@lru_cache(maxsize=8)
def used_atoms(access_log_format):
    """The atoms an access log format prints (%(r)s, %({referer}i)s...): the ones to scrub."""
    return tuple(re.findall(r"%\(([^)]+)\)", access_log_format))


class PlatformLogger(glogging.Logger):
    def setup(self, cfg):
        super().setup(cfg)
        install_record_redaction()
        fmt = os.environ.get("LOG_FORMAT")
        try:
            log_format(fmt)
        except SettingsError:
            # Made before gunicorn.conf.py's on_starting, which then stops the server with
            # one line naming it; raising here would be a traceback instead.
            fmt = "auto"
        for log, fields in ((self.error_log, RequestContextFilter),
                            (self.access_log, AccessRequestId)):
            for handler in log.handlers:
                handler.setFormatter(formatter(fmt, getattr(handler, "stream", None)))
                if not any(isinstance(f, fields) for f in handler.filters):
                    handler.addFilter(fields())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in used_atoms(self.cfg.access_log_format):
            key = name.lower() if name.startswith("{") else name
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        return atoms
