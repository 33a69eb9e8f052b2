"""The request id: the client's X-Request-ID when it is a sane token, else generated."""
import re
import uuid

from flask import g, request

HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


def new_request_id():
    given = request.headers.get(HEADER, "")
    return given if _SANE_ID.match(given) else uuid.uuid4().hex


def ensure_request_id():
    """For a drop-in's own requests: give the request an id when the host gave it none
    (remembered, so that `answer_request_id` answers it); the host's requests are left
    alone."""
    if g.get("request_id") is None:
        g.request_id = new_request_id()
        g.request_id_given_here = True


def answer_request_id(response):
    """X-Request-ID on an answer whose id `ensure_request_id` gave (the platform's request
    log answers the others)."""
    if g.get("request_id_given_here"):
        response.headers[HEADER] = g.request_id
    return response
