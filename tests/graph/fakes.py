"""Shared constants and wire-level fakes for the InstagramAPI client tests."""
import json
from urllib.parse import parse_qs, urlsplit

import requests
from requests.structures import CaseInsensitiveDict

TOKEN = "IGQVJuser0token0that0is0long0enough0000"
SHORT_TOKEN = "IGQVJshort0lived0token0000000000000000"
APP_ID = "100000000000001"
APP_SECRET = "app0secret0value0000000000000000"
CODE = "AQBoauth0code0value0000"
IG = "https://graph.instagram.com"
FB = "https://graph.facebook.com"
OAUTH = "https://api.instagram.com"
RUPLOAD = "https://rupload.facebook.com"
V = "v25.0"
IG_USER = "17841400000000001"
SECRETS = (TOKEN, SHORT_TOKEN, APP_SECRET, CODE)


def meta_error(code, subcode=None, message="Graph error", **extra):
    """A Graph API error envelope as Meta sends it."""
    error = {"message": message, "type": "OAuthException", "code": code,
             "fbtrace_id": "AbCdEfTrace", **extra}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


def fake_response(status, body=None, headers=None, text=None, url=f"{IG}/{V}/me"):
    """A requests.Response built in memory, for error_from_response tests."""
    response = requests.Response()
    response.status_code = status
    response.url = url
    response.headers = CaseInsensitiveDict(headers or {})
    if text is not None:
        response._content = text.encode()
    else:
        response._content = json.dumps(body).encode() if body is not None else b""
    return response


def query(call):
    """The query string of a recorded call, as a dict of single values."""
    return {k: v[0] for k, v in parse_qs(urlsplit(call.request.url).query).items()}


def form_body(call):
    """The urlencoded body of a recorded call, as a dict of single values."""
    body = call.request.body or ""
    if isinstance(body, bytes):
        body = body.decode()
    return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}


def path(call):
    return urlsplit(call.request.url).path


class RecordingObserver:
    """Collects CallRecords the way the platform's metrics observer would."""

    def __init__(self):
        self.records = []

    def on_call(self, record):
        self.records.append(record)


class FakeClock:
    """A monotonic clock the tests move by hand."""

    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds
