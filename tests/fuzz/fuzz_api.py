"""Fuzz the platform's public OpenAPI with schemathesis, as a user would: run by .ci/fuzz.sh.

Starts the sandbox and the platform (sandbox mode) on loopback, connects an account through
the real OAuth flow, publishes a post, then runs schemathesis against every documented
operation with that user's JWT, bounded in time. Fails (exit 1) on any 5xx, any status the
document does not list, and any response outside its schema.

    python -m tests.fuzz.fuzz_api [--max-time 120] [--max-examples 40] [--seed N]
"""
import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import requests
from flask_migrate import stamp

from backend.app import MIGRATIONS_DIR
from backend.sandbox.core.server import start_sandbox
from tests.conftest import Live, authorize, make_app, register_and_login

CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_schema_conformance")
# Disconnecting the account (the only DELETE) would leave the rest of the run without one.
EXCLUDED_METHODS = ("DELETE",)


def prepare(workdir):
    """Sandbox + platform with a user, a connected account and a published post."""
    sandbox = start_sandbox(host="127.0.0.1", port=0)
    app = make_app(Path(workdir), sandbox.url,
                   # Limits are tested elsewhere; here they would hide everything behind 429.
                   INSTAGRAM_RATE_LIMIT="100000/minute",
                   INSTAGRAM_CONNECT_RATE_LIMIT="10000/minute",
                   INSTAGRAM_RETRY_WAIT_MAX=0)
    # The tables are the models' (tests/test_platform.py checks they match the migrations):
    # recorded as migrated, so /health/ready answers as in a deployment.
    with app.app_context():
        stamp(directory=MIGRATIONS_DIR)
    # Meta's throttling and publishing quota are tested elsewhere too; turned off here so
    # generated requests reach the platform's own logic rather than 429s.
    requests.post(f"{sandbox.url}/_sandbox/settings",
                  json={"usage_calls_per_hour": 0, "publish_quota": 100000,
                        "container_quota": 0}).raise_for_status()
    live = Live(app)
    headers = register_and_login(live.http, live.url, "fuzz@example.com")
    callback, _state = authorize(live, headers)
    account = live.http.get(callback, headers={"Accept": "application/json"}).json()["account"]
    image = f"{sandbox.url}/_sandbox/samples/image.jpg?w=1080&h=1350"
    posted = live.http.post(live.api("/posts"), headers=headers,
                            json={"account_id": account["id"], "image_url": image})
    assert posted.status_code in (201, 202), posted.text
    return sandbox, live, headers


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-time", type=int, default=120)
    parser.add_argument("--max-examples", type=int, default=40)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir:
        sandbox, live, headers = prepare(workdir)
        try:
            schema = Path(workdir) / "openapi.json"
            # The platform's public document, as a user finds it (no JWT needed for it).
            document = requests.get(f"{live.url}/openapi.json").json()
            schema.write_text(json.dumps(document))
            command = [sys.executable, "-m", "schemathesis.cli", "run", str(schema),
                       "--url", live.url, "-H", f"Authorization: {headers['Authorization']}",
                       "--checks", CHECKS, "--max-time", str(args.max_time),
                       "--max-examples", str(args.max_examples),
                       # One worker: hypothesis describes strategies with ast.parse, which
                       # CPython 3.11 does not survive from two threads at once.
                       "--workers", "1",
                       "--request-timeout", "30", "--suppress-health-check", "all",
                       "--output-sanitize", "true", "--no-shrink"]
            for method in EXCLUDED_METHODS:
                command += ["--exclude-method", method]
            if args.seed is not None:
                command += ["--seed", str(args.seed)]
            return subprocess.run(command, cwd=workdir).returncode
        finally:
            live.stop()
            sandbox.shutdown()


if __name__ == "__main__":
    sys.exit(main())
