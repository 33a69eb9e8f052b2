"""No secret in errors or logs (urllib3's included); one log line and record per call."""
import json
import logging
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote_plus

import pytest
import requests
import responses
from hypothesis import example, given, settings
from hypothesis import strategies as st

from backend.services.instagram.graph.errors import AuthError, InstagramAPIError, NetworkError
from backend.services.instagram.graph.redaction import (RedactingFilter, RedactingFormatter,
                                                        install_record_redaction, redact,
                                                        scrub)
from tests.graph.fakes import (APP_ID, APP_SECRET, CODE, FB, IG, IG_USER, OAUTH, SECRETS,
                               SHORT_TOKEN, TOKEN, RecordingObserver, V, meta_error)

LOGGER = "backend.services.instagram.graph.client"


def assert_no_secret(*texts):
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"secret leaked into: {text}"


def test_redact_masks_secrets_encoded_forms_and_token_params():
    text = (f"{TOKEN} url?access_token={SHORT_TOKEN}&code=abc&client_secret=x "
            f"{APP_ID}%7C{APP_SECRET} Authorization: Bearer {'z' * 20}")
    cleaned = redact(text, [TOKEN, f"{APP_ID}|{APP_SECRET}", None, ""])
    assert_no_secret(cleaned)
    assert "abc" not in cleaned and "z" * 20 not in cleaned
    assert redact("Invalid OAuth access token - Cannot parse access token") == (
        "Invalid OAuth access token - Cannot parse access token")


PASSWORD = "correct horse \"battery\" staple"


def test_a_password_in_a_logged_json_body_is_hidden_by_every_logger(caplog):
    install_record_redaction()
    caplog.set_level(logging.INFO)
    body = json.dumps({"email": "ann@example.com", "password": PASSWORD})
    logging.getLogger("backend.auth").info("register body %s", body)
    logging.getLogger("anything.else").info("quoted %r", body)
    assert "horse" not in caplog.text and "staple" not in caplog.text
    assert "ann@example.com" in caplog.text and '"password": "[REDACTED]"' in caplog.text


def test_the_platform_formatter_scrubs_tracebacks_too():
    try:
        raise RuntimeError(f"Authorization: Bearer {SHORT_TOKEN[:12]} "
                           f"{json.dumps({'password': PASSWORD})}")
    except RuntimeError:
        record = logging.LogRecord("backend", logging.ERROR, __file__, 1, "failed", (),
                                   sys.exc_info())
    line = RedactingFormatter("%(message)s").format(record)
    assert SHORT_TOKEN[:12] not in line and "horse" not in line
    assert "Authorization: Bearer [REDACTED]" in line


def test_an_oauth_code_and_state_in_a_url_are_hidden_but_error_codes_stay(caplog):
    install_record_redaction()
    caplog.set_level(logging.INFO)
    url = f"https://app.example.com/callback?state=s1&code={CODE}#_"
    logging.getLogger("backend.services.instagram.accounts").info("redirected to %s", url)
    error = InstagramAPIError(f"Meta said error code 190 for {url}", code=190, subcode=463)
    for text in (caplog.text, str(error), redact(url)):
        assert CODE not in text and "code=[REDACTED]" in text
    assert "state=s1" not in caplog.text and "state=[REDACTED]" in caplog.text
    assert str(error).startswith("Meta said error code 190 for ")
    assert str(error).endswith("(code=190, subcode=463)")
    for kept in ("error code 190", "code=190 subcode=463", '{"code": 190}',
                 "Invalid OAuth access token"):
        assert redact(kept) == kept


def test_a_webhook_verify_token_and_a_callback_state_in_access_lines_are_hidden():
    line = ('127.0.0.1 - - [30/Nov/2026:15:23:49 +0000] "GET /api/sns/instagram/webhooks?'
            'hub.mode=subscribe&hub.verify_token=guessing-secret-value&hub.challenge=12345 '
            'HTTP/1.1" 403 192 "https://app/cb?code=c0de&state=xvVO6BQUDpGpJ4R" "curl/7.88.1"')
    cleaned = redact(line)
    for secret in ("guessing-secret-value", "c0de", "xvVO6BQUDpGpJ4R"):
        assert secret not in cleaned
    assert "hub.challenge=12345" in cleaned and "hub.mode=subscribe" in cleaned
    for kept in ("breaker state=open", "scheduler state: running",
                 "INSTAGRAM_WEBHOOK_VERIFY_TOKEN is not set"):
        assert redact(kept) == kept


@pytest.mark.parametrize("text", [
    f"GET /cb?access_token={SHORT_TOKEN}&state=s&code=c", '{"password": "x y"}',
    f"Authorization: Bearer {'z' * 20}", "hub.verify_token=v&x=1", f"{TOKEN} and more"])
def test_scrubbing_twice_changes_nothing(text):
    """Records are scrubbed when made and lines again when formatted: no '[REDACTED]]'."""
    once = redact(text)
    assert redact(once) == once and "]]" not in once


def test_a_known_secret_is_hidden_in_its_url_encoded_forms():
    secret = "p@ss w/rd+1"
    text = f"form a=1&pw={quote_plus(secret)} path /x/{quote_plus(secret, safe='')} {secret}"
    cleaned = redact(text, [secret])
    assert "ss" not in cleaned.replace("[REDACTED]", "") and cleaned.count("[REDACTED]") == 3


def test_meta_messages_echoing_secrets_are_redacted_everywhere(rsps, ig):
    rsps.add(responses.GET, f"{IG}/{V}/me", status=400, json=meta_error(
        190, 467, message=f"Invalid token {TOKEN} (secret {APP_SECRET})",
        error_user_msg=f"token {TOKEN}"))
    with pytest.raises(AuthError) as info:
        ig.get_account_info()
    error = info.value
    assert_no_secret(str(error), repr(error), json.dumps(error.to_dict()), error.user_message)


@pytest.mark.parametrize("method,url,call", [
    ("POST", f"{OAUTH}/oauth/access_token", lambda c: c.exchange_code(CODE, "https://a/cb")),
    ("GET", f"{IG}/access_token", lambda c: c.exchange_long_lived_token(SHORT_TOKEN)),
    ("GET", f"{IG}/{V}/me", lambda c: c.get_account_info()),
])
def test_network_errors_keep_no_url_secret_and_no_chained_original(
        rsps, make_client, method, url, call):
    leaky = requests.exceptions.ConnectionError(
        f"Max retries exceeded with url: /x?access_token={SHORT_TOKEN}&code={CODE}"
        f"&client_secret={APP_SECRET}")
    rsps.add(method, url, body=leaky)
    with pytest.raises(NetworkError) as info:
        call(make_client(max_retries=1))
    error = info.value
    assert_no_secret(str(error), repr(error), json.dumps(error.to_dict()))
    assert error.__cause__ is None and error.__context__ is None


def test_logs_at_debug_hold_no_secret_and_one_line_per_call(rsps, make_client, caplog):
    caplog.set_level(logging.DEBUG)
    rsps.add(responses.POST, f"{OAUTH}/oauth/access_token",
             json={"access_token": SHORT_TOKEN, "user_id": "1"})
    rsps.add(responses.GET, f"{IG}/access_token", json={"access_token": TOKEN})
    rsps.add(responses.GET, f"{FB}/{V}/{IG_USER}", status=400,
             json=meta_error(190, 463, message=f"expired {TOKEN}"))
    rsps.add(responses.GET, f"{FB}/{V}/debug_token", json={"data": {"is_valid": True}})
    make_client(token=None).exchange_code(CODE, "https://a/cb")
    make_client().exchange_long_lived_token(SHORT_TOKEN)
    facebook = make_client("facebook")
    with pytest.raises(AuthError):
        facebook.get_account_info(IG_USER)
    facebook.debug_token()
    assert_no_secret(caplog.text)
    lines = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert len(lines) == 4
    assert lines[2] == ("GET graph.facebook.com/v25.0/{id} -> 400 in "
                        f"{lines[2].split(' in ')[1].split('s ')[0]}s (attempt 1) auth "
                        "code=190 subcode=463 fbtrace_id=AbCdEfTrace")
    assert lines[1].startswith("GET graph.instagram.com/access_token -> 200 in ")


class _TokenHandler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        body = json.dumps({"access_token": TOKEN, "token_type": "bearer",
                           "expires_in": 5183944}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TokenHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_urllib3_request_lines_are_redacted_over_real_http(make_client, loopback, caplog):
    caplog.set_level(logging.DEBUG)
    # The platform keeps urllib3 at WARNING once an app was made; this test wants its lines.
    caplog.set_level(logging.DEBUG, logger="urllib3")
    client = make_client(graph_url=loopback)
    assert client.exchange_long_lived_token(SHORT_TOKEN)["access_token"] == TOKEN
    urllib3_lines = [r.getMessage() for r in caplog.records if r.name.startswith("urllib3")]
    assert any("/access_token?" in line for line in urllib3_lines)
    assert_no_secret(caplog.text, *urllib3_lines)


def test_redacting_filter_leaves_clean_records_alone():
    record = logging.LogRecord("urllib3.connectionpool", logging.DEBUG, __file__, 1,
                               '"%s %s" %s', ("GET", "/v25.0/me?fields=id", 200), None)
    assert RedactingFilter().filter(record) and record.args == ("GET", "/v25.0/me?fields=id", 200)


def test_observer_gets_one_record_per_attempt(rsps, make_client):
    observer = RecordingObserver()
    client = make_client("facebook", observer=observer)
    rsps.add(responses.GET, f"{FB}/{V}/{IG_USER}/media", status=502, body="x",
             headers={"X-App-Usage": '{"call_count": 30}'})
    rsps.add(responses.GET, f"{FB}/{V}/{IG_USER}/media", json={"data": []})
    rsps.add(responses.POST, f"{FB}/{V}/{IG_USER}/media", status=400,
             json=meta_error(36001, 2207005))
    client.list_media(IG_USER)
    with pytest.raises(InstagramAPIError):
        client.create_container(IG_USER, image_url="https://cdn.example.com/a.png")
    first, second, third = observer.records
    assert (first.method, first.host, first.endpoint) == ("GET", "graph.facebook.com",
                                                          "/v25.0/{id}/media")
    assert (first.status, first.attempt, first.error_category) == (502, 1, "transient")
    assert first.usage.max_percent == 30 and not first.ok
    assert (second.status, second.attempt, second.ok) == (200, 2, True)
    assert (third.method, third.error_code, third.error_subcode) == ("POST", 36001, 2207005)
    assert all(r.duration_s >= 0 for r in observer.records)
    assert client.calls_made == 3


def test_a_failing_observer_never_breaks_a_call(rsps, make_client):
    class Broken:
        def on_call(self, record):
            raise RuntimeError("metrics backend down")

    rsps.add(responses.GET, f"{IG}/{V}/me", json={"user_id": IG_USER})
    assert make_client(observer=Broken()).get_account_info() == {"user_id": IG_USER}


FRAGMENTS = ["access_token", "ACCESS_TOKEN", "paſſword", "password", "client_secret",
             "appsecret_proof", "verify_token", "hub.", "Authorization", "bearer ", "OAuth ",
             "?code=", "&state=", "?ticket=", "code", "state", "ticket", "IGQVJ", "EAAB", "=",
             ": ", '"', "'", "\\", "&", "?", " ", "\n", "x", "Z9", "_-", "]", "[REDACTED]",
             "0123456789" * 3, "é", "ı", "\u212a", "İ"]


@given(st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join))
@example("paſſword=hunter2")  # a case-blind pattern matches the long s as an s
@example("Authorızation: x")  # and the dotless i as an i
@example("?ticket=abc")
@settings(max_examples=400, deadline=None)
def test_the_quick_check_never_skips_a_line_the_patterns_would_change(text):
    """redact() skips the patterns for lines without a hint of a secret: that must never
    leave anything they would have hidden."""
    assert redact(text) == scrub(text)


def test_every_secret_parameter_holds_a_word_the_quick_check_looks_for():
    from backend.services.instagram.graph import redaction
    for key in redaction.SECRET_PARAMS:
        assert any(word in key for word in redaction._WORDS), key
