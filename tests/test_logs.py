"""Log lines an operator reads: text lines carry the request id, a client cannot forge a line,
and gunicorn's own lines come in the platform's format with secrets scrubbed."""
import io
import json
import logging
import re
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from backend.gunicorn_logging import PlatformLogger
from backend.config import log_level
from backend.logging_setup import RequestContextFilter, formatter


@pytest.fixture
def lines():
    """Factory: attach a platform handler of `fmt` to the root logger; read its lines."""
    attached = []

    def attach(fmt):
        buffer = io.StringIO()
        handler = logging.StreamHandler(buffer)
        handler.addFilter(RequestContextFilter())
        handler.setFormatter(formatter(fmt, buffer))
        logging.getLogger().addHandler(handler)
        attached.append(handler)
        return lambda: buffer.getvalue().splitlines()
    yield attach
    for handler in attached:
        logging.getLogger().removeHandler(handler)


def test_text_lines_carry_the_request_id(client, lines):
    read = lines("text")
    answer = client.get("/api/sns/instagram/accounts",
                        headers={"X-Request-ID": "trace-from-proxy-7"})
    [line] = [x for x in read() if " backend.request " in x]
    assert "[trace-from-proxy-7]: GET /api/sns/instagram/accounts 401" in line
    assert answer.headers["X-Request-ID"] == "trace-from-proxy-7"
    logging.getLogger("backend.demo").warning("outside any request")
    assert read()[-1].endswith("WARNING backend.demo [-]: outside any request")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_line_break_in_a_path_cannot_forge_a_line(client, lines, fmt):
    read = lines(fmt)
    client.get("/x%0A2026-11-30 15:00:00,000 INFO backend.request [-]: forged%0D%1B[2K")
    [line] = read()  # one request, one line
    if fmt == "json":
        assert json.loads(line)["path"].startswith("/x\n2026")
    else:
        assert "/x\\n2026-11-30" in line and "\\r\\x1b[2K" in line


def test_tracebacks_stay_readable_in_text(lines):
    read = lines("text")
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("backend.demo").exception("failed")
    assert read()[0].endswith("[-]: failed") and read()[-1] == "ValueError: boom"


@pytest.mark.parametrize("given, level", [("debug", "DEBUG"), ("warn", "WARNING"),
                                          ("Info", "INFO"), (" ERROR ", "ERROR")])
def test_log_levels_in_any_case(given, level):
    assert log_level(given) == level


def access(logger, uri, headers=(), response_headers=()):
    path, _, query = uri.partition("?")
    logger.access(SimpleNamespace(status="200 OK", response_length=12, sent=12,
                                  headers=list(response_headers)),
                  SimpleNamespace(headers=list(headers)),
                  {"REQUEST_METHOD": "GET", "RAW_URI": uri, "PATH_INFO": path,
                   "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1",
                   "REMOTE_ADDR": "127.0.0.1"}, timedelta(milliseconds=3))


def test_a_client_cannot_break_or_extend_a_json_access_line(monkeypatch, capsys):
    # Quotes after a scrubbed value (in a Referer, a User-Agent, a path) used to lose their
    # escape when the written line was scrubbed: the line was no longer JSON, or had keys the
    # client chose.
    monkeypatch.setenv("LOG_FORMAT", "json")
    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", '%(h)s "%(r)s" %(s)s "%(f)s" "%(a)s"')
    logger = PlatformLogger(config)
    access(logger, '/health?code=P1"&state=P2\\"',
           headers=[("Referer", 'http://a/?code=R1"'),
                    ("User-Agent", 'x&code=U1", "level": "CRITICAL", "y&state=U2"')])
    [line] = capsys.readouterr().out.splitlines()
    entry = json.loads(line)
    assert entry["level"] == "INFO" and set(entry) >= {"time", "logger", "message"}
    for secret in ("P1", "P2", "R1", "U1", "U2"):
        assert secret not in line


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_gunicorn_lines_in_the_platform_format_without_secrets(monkeypatch, capsys, fmt):
    monkeypatch.setenv("LOG_FORMAT", fmt)
    config = Config()
    config.set("accesslog", "-")
    logger = PlatformLogger(config)
    logger.info("Booting worker with pid: %s", 4242)
    access(logger, "/api/sns/instagram/callback?code=SECRET-CODE&state=SECRET-STATE",
           headers=[("Referer", "https://app/cb?code=REF-CODE&state=REF-STATE")],
           response_headers=[("X-Request-ID", "0123456789abcdef")])
    access(logger, "/api/sns/instagram/webhooks?hub.mode=subscribe"
                   "&hub.verify_token=VERIFY-SECRET&hub.challenge=42")
    output = capsys.readouterr()
    text = output.out + output.err
    for secret in ("SECRET-CODE", "SECRET-STATE", "REF-CODE", "REF-STATE", "VERIFY-SECRET"):
        assert secret not in text
    booting, callback, webhook = output.err.splitlines() + output.out.splitlines()
    if fmt == "json":
        booting, callback, webhook = map(json.loads, (booting, callback, webhook))
        assert booting["logger"] == "gunicorn.error" and "4242" in booting["message"]
        assert callback["logger"] == "gunicorn.access"
        assert callback["request_id"] == "0123456789abcdef" and webhook["request_id"] is None
        assert "hub.challenge=42" in webhook["message"]
    else:
        assert " INFO gunicorn.error [-]: Booting worker with pid: 4242" in booting
        assert " gunicorn.access [0123456789abcdef]: 127.0.0.1 - - " in callback


def test_json_lines_have_an_iso_time_and_no_colour_codes(lines):
    read = lines("json")
    # Werkzeug's access line for a terminal: a 404 in yellow.
    logging.getLogger("werkzeug").warning('127.0.0.1 - - "%s" %s -',
                                          "\x1b[33mGET /nope HTTP/1.1\x1b[0m", "404")
    entry = json.loads(read()[-1])
    assert entry["message"] == '127.0.0.1 - - "GET /nope HTTP/1.1" 404 -'
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"]), entry
    assert datetime.fromisoformat(entry["time"]).utcoffset() == timedelta(0)


class _Holder:
    """An object in `extra=` written by the JSON encoder as its str()."""

    def __str__(self):
        return "session access_token=hidden-in-str"


def test_a_released_memoryview_is_written_not_a_logging_error(lines, capsys):
    read = lines("json")
    view = memoryview(b"gone")
    view.release()
    logging.getLogger("backend.test").warning("released", extra={"body": view})
    line = json.loads(read()[-1])
    assert line["message"] == "released" and "released" in line["body"]
    assert "Logging error" not in capsys.readouterr().err


@pytest.mark.parametrize("extra", [
    {"payload": _Holder()},
    {"payload": {"sent access_token=hidden-in-a-set"}},
    {"payload": {"client_secret=hidden-in-a-key": 1}},
    # A field named as a secret is one (SECRET_PARAMS: parameters and JSON fields), at the
    # top of the line as in a nested object, whatever its value looks like.
    {"access_token": "hidden-by-its-name"},
    {"response": {"Client_Secret": "hidden-by-its-name", "ok": True}},
    {"response": [{"password": "hidden-by-its-name"}]},
    # Bytes are written as text, scrubbed (base64 would carry the secret past the patterns).
    {"body": b"grant access_token=hidden-in-bytes&x=1"},
    {"body": bytearray(b"\xff access_token=hidden-in-bytes")},
])
def test_json_extra_fields_of_any_kind_hold_no_secret(lines, extra):
    read = lines("json")
    logging.getLogger("backend.test").warning("something happened", extra=extra)
    line = read()[-1]
    assert "hidden" not in line and "[REDACTED]" in line, line
    assert json.loads(line)["message"] == "something happened"
