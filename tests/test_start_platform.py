"""`python start_platform.py` as the README says: the "what next" block, `/`, options, restarts.

The platform runs as a real process (free ports, its own instance folder), stopped with
SIGTERM as `docker stop` or `kill` would.
"""
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

import start_platform
from tests.conftest import make_app

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.e2e


def clean_env(instance):
    """This environment without Instagram settings (sandbox mode), with its own instance."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INSTAGRAM_", "FACEBOOK_"))}
    # An empty INSTAGRAM_APP_ID wins over a developer's .env: these runs never reach Meta.
    return {**env, "INSTAGRAM_APP_ID": "", "INSTANCE_PATH": str(instance),
            "PYTHONUNBUFFERED": "1"}


class Platform:
    """One run of start_platform.py; `block` is the "what next" block it printed."""

    def __init__(self, instance, *args, timeout=60):
        env = clean_env(instance)
        self.log = open(instance.parent / f"platform-{time.monotonic_ns()}.log", "w+")
        self.process = subprocess.Popen(
            [sys.executable, "start_platform.py", *args], cwd=ROOT, env=env,
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        self.block = self._read_block(timeout)
        self.url = self.link("Platform")
        self.sandbox = self.link("Sandbox")

    def _read_block(self, timeout):
        lines, done = [], threading.Event()

        def read():  # a thread: the pipe is read line by line, never past the block's end
            for line in self.process.stdout:
                lines.append(line.rstrip("\n"))
                if len(lines) > 1 and line.startswith("====="):
                    break
            done.set()
        threading.Thread(target=read, daemon=True).start()
        if done.wait(timeout) and len(lines) > 1 and lines[-1].startswith("====="):
            return "\n".join(lines)
        self.process.kill()
        self.log.seek(0)
        raise AssertionError(f"no what-next block; output {lines}; log:\n{self.log.read()}")

    def link(self, label):
        found = re.search(rf"^  {label} +(http://\S+?)/?(\s|$)", self.block, re.MULTILINE)
        return found and found.group(1)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=30)
        self.process.stdout.close()
        self.log.close()
        return code


@pytest.fixture
def instance(tmp_path):
    return tmp_path / "instance"


def start(instance, *args):
    return Platform(instance, "--port", "0", "--sandbox-port", "0", *args)


def login(base, email="newcomer@example.com", password="correct-horse"):
    requests.post(f"{base}/api/auth/register", json={"email": email, "password": password},
                  timeout=10)
    response = requests.post(f"{base}/api/auth/login",
                             json={"email": email, "password": password}, timeout=10)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def connect(base, headers):
    """The README's connect: the connect link, followed like `curl -L` with a cookie jar (the
    sandbox says yes). Returns (Meta's dialog URL, the account)."""
    response = requests.post(f"{base}/api/sns/instagram/oauth/authorize", headers=headers,
                             json={"login": "instagram"}, timeout=10)
    assert response.status_code == 200, response.text
    with requests.Session() as browser:
        started = browser.get(response.json()["start_url"], allow_redirects=False, timeout=10)
        callback = browser.get(started.headers["Location"], timeout=10,
                               headers={"Accept": "application/json"})
    assert callback.status_code == 201, callback.text
    return started.headers["Location"], callback.json()["account"]


def account_info(base, headers, account_id):
    return requests.get(f"{base}/api/sns/instagram/account/info", headers=headers,
                        params={"account_id": account_id}, timeout=10)


def test_the_start_ends_with_what_next_and_every_link_answers(instance):
    platform = start(instance)
    try:
        block = platform.block
        for label in ("Platform", "API docs", "OpenAPI", "Health", "Sandbox"):
            assert platform.link(label), f"{label} missing from:\n{block}"
        assert "instance" in block and "--sandbox-reset" in block
        assert requests.get(f"{platform.url}/health", timeout=10).status_code == 200
        assert requests.get(f"{platform.sandbox}/", timeout=10).status_code == 200

        home = requests.get(f"{platform.url}/", timeout=10)
        assert home.status_code == 200 and home.headers["Content-Type"].startswith("text/html")
        for href in ("/docs", "/openapi.json", "/health",
                     f"{platform.sandbox}/"):
            assert f'href="{href}"' in home.text, href
        for label in ("API docs", "OpenAPI"):  # public: no JWT needed to read them
            assert requests.get(platform.link(label), timeout=10).status_code == 200, label
        # The first curl line works as printed.
        curl = next(line.strip() for line in block.splitlines()
                    if line.strip().startswith("curl "))
        created = subprocess.run(shlex.split(curl), capture_output=True, text=True, timeout=30)
        assert json.loads(created.stdout)["user"]["email"] == "me@example.com", created
    finally:
        assert platform.stop() == 0


def test_a_restart_keeps_connected_accounts_and_sandbox_reset_forgets_them(instance):
    platform = start(instance)
    try:
        headers = login(platform.url)
        _url, account = connect(platform.url, headers)
        assert account_info(platform.url, headers, account["id"]).status_code == 200
    finally:
        platform.stop()
    assert (instance / "sandbox_state.json").exists()

    platform = start(instance)  # new ports too: nothing depends on the old ones
    try:
        info = account_info(platform.url, headers, account["id"])  # the same login still works
        assert info.status_code == 200, info.text
        assert info.json()["username"] == account["username"]
    finally:
        platform.stop()

    platform = start(instance, "--sandbox-reset")
    try:
        info = account_info(platform.url, headers, account["id"])
        assert info.status_code == 403, info.text
        assert info.json()["error"]["code"] == "instagram_reauth_required"
        _url, again = connect(platform.url, headers)  # connecting again is the way back
        assert account_info(platform.url, headers, again["id"]).status_code == 200
    finally:
        platform.stop()


def test_listening_on_every_interface_gives_links_a_browser_can_open(instance):
    platform = start(instance, "--host", "0.0.0.0")
    try:
        assert platform.url.startswith("http://127.0.0.1:")
        assert platform.sandbox.startswith("http://127.0.0.1:")
        dialog_url, account = connect(platform.url, login(platform.url))
        assert dialog_url.startswith(f"{platform.sandbox}/www.instagram.com/")
        assert account["username"] == "sandbox_business"
    finally:
        platform.stop()


def run_briefly(instance, *args):
    return subprocess.run([sys.executable, "start_platform.py", *args], cwd=ROOT,
                          env=clean_env(instance), capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("option", ["--sandbox-port", "--port"])
def test_a_busy_port_names_the_option_that_changes_it(instance, option):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        ports = {"--port": "0", "--sandbox-port": "0", option: port}
        result = run_briefly(instance, "--sandbox", *[x for pair in ports.items() for x in pair])
    assert result.returncode == 2, result.stderr
    assert f"Port {port} is in use: choose another with {option} <port>" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_explains_every_option_with_its_default(capsys):
    with pytest.raises(SystemExit):
        start_platform.parse_args(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    options = re.findall(r"\[(--[a-z-]+)", text)
    assert set(options) == {"--host", "--port", "--public-host", "--sandbox",
                            "--sandbox-port", "--sandbox-reset"}
    for option, following in zip(options, options[1:] + [None]):
        start = text.index(f" {option} ", text.index("options:"))
        end = text.index(f" {following} ", start) if following else len(text)
        assert "default" in text[start:end], option


@pytest.mark.parametrize("host, given, expected", [
    ("127.0.0.1", None, "127.0.0.1"), ("0.0.0.0", None, "127.0.0.1"), ("::", None, "127.0.0.1"),
    ("0.0.0.0", "192.168.1.20", "192.168.1.20"), ("myhost.local", None, "myhost.local")])
def test_links_use_a_host_a_browser_can_open(host, given, expected):
    args = start_platform.parse_args(["--host", host] + (["--public-host", given] if given else []))
    assert start_platform.public_host(args) == expected


def test_the_home_page_escapes_what_it_did_not_write(tmp_path, fresh_sandbox):
    """Configured URLs are text on the page, never markup (autoescaped template)."""
    app = make_app(tmp_path, 'http://127.0.0.1:1/x?a="><b>x')
    page = app.test_client().get("/")
    assert page.status_code == 200
    assert "<b>x" not in page.text
    assert 'href="http://127.0.0.1:1/x?a=&#34;&gt;&lt;b&gt;x/"' in page.text
