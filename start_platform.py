"""Start the platform: `python start_platform.py [--host H] [--port P] [--sandbox]`.

Reads .env. With no INSTAGRAM_APP_ID, or with --sandbox, it also starts the bundled Graph
API sandbox and points the Instagram integration at it. For production use gunicorn (README).
"""
import argparse
import logging
import os
import sys

from dotenv import load_dotenv

log = logging.getLogger("start_platform")

BANNER = """
==============================================================================
  SANDBOX MODE: Instagram calls go to the bundled Graph API sandbox at
  {url}
  No real Instagram account can be connected. Set INSTAGRAM_APP_ID and
  INSTAGRAM_APP_SECRET (and INSTAGRAM_TOKEN_KEYS) in .env to use Meta.
==============================================================================
"""


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--sandbox", action="store_true",
                        help="use the Graph API sandbox even when Meta credentials are set")
    parser.add_argument("--sandbox-port", type=int, default=8001)
    return parser.parse_args(argv)


def start_sandbox(host, port):
    """Start the sandbox in this process and point every Instagram setting at it."""
    from backend.sandbox import base_urls
    from backend.sandbox.core.server import start_sandbox as run_sandbox

    server = run_sandbox(host=host, port=port)
    os.environ["INSTAGRAM_SANDBOX"] = "true"
    os.environ["INSTAGRAM_SANDBOX_URL"] = server.url
    os.environ.update(base_urls(server.url))
    # The sandbox's own app credentials replace any real ones for this run.
    os.environ["INSTAGRAM_APP_ID"] = server.state.settings["app_id"]
    os.environ["INSTAGRAM_APP_SECRET"] = server.state.settings["app_secret"]
    for key in ("INSTAGRAM_FACEBOOK_APP_ID", "INSTAGRAM_FACEBOOK_APP_SECRET",
                "INSTAGRAM_REDIRECT_URI"):
        os.environ.pop(key, None)
    print(BANNER.format(url=server.url), file=sys.stderr, flush=True)
    return server


def point_sandbox_webhooks(sandbox, public_url):
    """Do what a developer does in Meta's App Dashboard: give the sandbox this platform's
    webhook callback. Verified at the first delivery (the platform is not listening yet)."""
    import requests
    callback = f"{public_url.rstrip('/')}/api/sns/instagram/webhooks"
    response = requests.post(f"{sandbox.url}/_sandbox/webhooks", timeout=5,
                             json={"callback_url": callback, "verify": False})
    response.raise_for_status()


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    load_dotenv()
    sandbox = None
    if args.sandbox or not os.environ.get("INSTAGRAM_APP_ID"):
        sandbox = start_sandbox(args.host, args.sandbox_port)
    os.environ.setdefault("PUBLIC_BASE_URL", f"http://{args.host}:{args.port}")
    if sandbox is not None:
        point_sandbox_webhooks(sandbox, os.environ["PUBLIC_BASE_URL"])

    from werkzeug.serving import run_simple

    from backend.app import create_app, start_background_jobs, upgrade_database
    app = create_app()
    upgrade_database(app)
    start_background_jobs(app)
    log.info("platform on http://%s:%d (health: /health, API: /api/sns/instagram)",
             args.host, args.port)
    try:
        run_simple(args.host, args.port, app, threaded=True, use_reloader=False)
    finally:
        if sandbox is not None:
            sandbox.shutdown()


if __name__ == "__main__":
    main()
