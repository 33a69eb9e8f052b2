"""Each request's time budget: set when it starts, read by everything that waits on the network.

A slow Meta (or a slow media host) must not hold a request past the WSGI server's worker
timeout: Graph calls, their retries and the pre-flight media probes all stop at the
deadline, and the request answers 503, or 202 for a post left to the background job.
"""
import math
import time

from flask import g, has_request_context

from backend.services.instagram.core.blueprint import instagram_bp
from backend.services.instagram.core.runtime import runtime


@instagram_bp.before_request
def start_budget():
    g.instagram_deadline = time.monotonic() + runtime().settings.INSTAGRAM_REQUEST_BUDGET_SECONDS


def request_deadline():
    """The current request's deadline (a time.monotonic() value), or None outside one."""
    return g.get("instagram_deadline") if has_request_context() else None


def within_budget(seconds):
    """A deadline `seconds` from now, or the request's own if that comes first."""
    return min(time.monotonic() + seconds, request_deadline() or math.inf)
