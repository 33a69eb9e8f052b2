"""Headless Chromium for tests that look at pages as a browser shows them (skip without it)."""
import shutil
import subprocess

import pytest

CHROMIUM_TIMEOUT_S = 60
# Every host name but loopback fails to resolve: a page that needs the internet breaks.
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"


@pytest.fixture
def chromium():
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if not binary:
        pytest.skip("no chromium binary on PATH (apt-get install chromium)")
    return binary


def run_chromium(binary, profile, *args, window="480,900"):
    command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
               f"--window-size={window}", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT_S)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout
