"""Every request example of docs/api.md works as written, offline, against the sandbox.

The JSON bodies marked `<!-- example: METHOD PATH -->` are sent to their endpoint, the `sh`
blocks run in bash with curl (any HTTP error fails), in the order the reader meets them,
after the README's steps (register, log in, connect sandbox_business as account 1). Only
the ports differ: the documented 8000 and 8001 become this test's platform and sandbox.
"""
import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import register_and_login

pytestmark = pytest.mark.e2e

API_MD = Path(__file__).resolve().parent.parent / "docs" / "api.md"
MARKER = re.compile(r"^<!-- example: (GET|POST|PUT|PATCH|DELETE) (\S+) -->$")
# Fail on any HTTP error, as a reader would notice one; variables a block sets (V1=...)
# stay for the next blocks, as in the reader's terminal.
PROLOGUE = ('curl() { command curl --fail-with-body --max-time 60 "$@"; }\n'
            'set -eo pipefail\n[ -f shell.env ] && . ./shell.env\nset -a\n')
EPILOGUE = "\nexport -p > shell.env\n"
# Hosts of examples that are placeholders by nature, never fetched.
PLACEHOLDER_HOSTS = {"example.com", "..."}


def examples(text):
    """[("json", method, path, body) or ("sh", script)] in document order."""
    found, lines, i, marker = [], text.splitlines(), 0, None
    while i < len(lines):
        line = lines[i]
        if MARKER.match(line):
            marker = MARKER.match(line).groups()
        elif line.startswith("```"):
            end = lines.index("```", i + 1)
            block = "\n".join(lines[i + 1:end])
            if line == "```json" and marker:
                found.append(("json", *marker, json.loads(block)))
            elif line == "```sh":
                found.append(("sh", block))
            marker, i = None, end
        elif line.strip():
            marker = None
        i += 1
    return found


def test_the_examples_name_no_host_but_the_local_ones():
    text = API_MD.read_text()
    hosts = set(re.findall(r"https?://([a-z0-9.-]+)", text))
    assert hosts - {"127.0.0.1", "www.instagram.com", "scontent.cdninstagram.com",
                    "graph.instagram.com", "graph.facebook.com"} <= PLACEHOLDER_HOSTS, hosts
    found = examples(text)
    assert sum(kind == "json" for kind, *_ in found) >= 6
    assert sum(kind == "sh" for kind, *_ in found) >= 12


def test_every_request_example_works_as_written(live, fresh_sandbox, connect_account, tmp_path):
    text = API_MD.read_text().replace("http://127.0.0.1:8001", fresh_sandbox.url) \
        .replace("http://127.0.0.1:8000", live.url)
    found = examples(text)
    kind, method, path, body = found[0]
    assert (kind, method, path) == ("json", "POST", "/api/auth/register")
    assert live.http.post(live.url + path, json=body).status_code == 201
    headers = register_and_login(live.http, live.url, body["email"], body["password"])
    assert connect_account(headers)["id"] == 1
    env = {"BASE": live.url, "API": f"{live.url}/api/sns/instagram",
           "TOKEN": headers["Authorization"].split()[1],
           "VERIFY_TOKEN": "sandbox-verify-token", "APP_SECRET": "sandbox-app-secret",
           "PATH": "/usr/bin:/bin:/usr/local/bin"}
    for example in found[1:]:
        if example[0] == "json":
            _kind, method, path, body = example
            response = live.http.request(method, live.url + path, json=body, headers=headers)
            assert response.status_code in (200, 201, 202), (method, path, response.text)
        else:
            script = PROLOGUE + example[1] + EPILOGUE
            done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env,
                                  capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, (example[1], done.stdout[-1500:], done.stderr[-1500:])
