"""Start the platform (and, in sandbox mode, the Graph API sandbox): `python start_platform.py`.

Reads .env. With no INSTAGRAM_APP_ID, or with --sandbox, it also starts the bundled Graph
API sandbox and points the Instagram integration at it; the sandbox keeps its state in the
instance folder, so connected accounts survive a restart. For production use gunicorn
(README).
"""
import argparse
import errno
import logging
import os
import signal
import socket
import sys

from dotenv import load_dotenv

log = logging.getLogger("start_platform")

SANDBOX_STATE_FILE = "sandbox_state.json"
# Binding to these listens on every interface, but a browser cannot open them as a host.
WILDCARD_HOSTS = ("0.0.0.0", "::")

SANDBOX_BANNER = """
  SANDBOX MODE: Instagram calls go to the bundled Graph API sandbox, a stand-in for
  Meta. No real Instagram account can be connected. Set INSTAGRAM_APP_ID and
  INSTAGRAM_APP_SECRET (and INSTAGRAM_TOKEN_KEYS) in .env to use Meta.
"""
RULE = "=" * 78


class StartError(Exception):
    """A start-up problem the user can fix, said in words (exit status 2)."""


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python start_platform.py",
        description=" ".join(__doc__.split("\n\n")[:2]).replace("\n", " "),
        epilog="Port 0 picks any free port; the block printed at start says which.")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address the platform and the sandbox listen on; 0.0.0.0 "
                        "listens on every interface (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8000,
                        help="the platform's port (default: %(default)s)")
    parser.add_argument("--public-host", default=None,
                        help="host name put in links a browser follows (Meta's dialog, the "
                        "sandbox, uploads); default: --host, or 127.0.0.1 when --host "
                        "listens on every interface")
    parser.add_argument("--sandbox", action="store_true",
                        help="use the Graph API sandbox even when INSTAGRAM_APP_ID is set "
                        "(default: only when it is not)")
    parser.add_argument("--sandbox-port", type=int, default=8001,
                        help="the sandbox's port (default: %(default)s)")
    parser.add_argument("--sandbox-reset", action="store_true",
                        help="start the sandbox clean, forgetting the tokens, media and "
                        f"clock it kept in {SANDBOX_STATE_FILE} in the instance folder "
                        "(INSTANCE_PATH, default ./instance) (default: keep them)")
    return parser.parse_args(argv)


def public_host(args):
    if args.public_host:
        return args.public_host
    return "127.0.0.1" if args.host in WILDCARD_HOSTS else args.host


def listen(option, host, port):
    """A listening socket on host:port; a port in use is said in words naming `option`.

    Bound here rather than by werkzeug, which answers a busy port with its own message and
    exits, so the message could not name the option that changes the port.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=128)
    except OSError as exc:
        if exc.errno not in (errno.EADDRINUSE, errno.EACCES):
            raise
        reason = "is in use" if exc.errno == errno.EADDRINUSE else "is not allowed"
        raise StartError(f"Port {port} {reason}: choose another with {option} <port> "
                         f"(or {option} 0 for any free port).") from None


def serve_on(option, host, port, make):
    """`make(fd)`'s server on a socket listening on host:port (werkzeug keeps a copy)."""
    with listen(option, host, port) as sock:
        return make(sock.fileno())


def bind_sandbox(args):
    from backend.sandbox.core.server import make_sandbox_server

    return serve_on("--sandbox-port", args.host, args.sandbox_port,
                    lambda fd: make_sandbox_server(args.host, args.sandbox_port, quiet=True,
                                                   fd=fd))


def use_sandbox(sandbox_url, settings):
    """Point every Instagram setting at the sandbox, with its app credentials."""
    from backend.sandbox import base_urls

    os.environ["INSTAGRAM_SANDBOX"] = "true"
    os.environ["INSTAGRAM_SANDBOX_URL"] = sandbox_url
    os.environ.update(base_urls(sandbox_url))
    # The sandbox's own app credentials replace any real ones for this run.
    os.environ["INSTAGRAM_APP_ID"] = settings["app_id"]
    os.environ["INSTAGRAM_APP_SECRET"] = settings["app_secret"]
    for key in ("INSTAGRAM_FACEBOOK_APP_ID", "INSTAGRAM_FACEBOOK_APP_SECRET",
                "INSTAGRAM_REDIRECT_URI"):
        os.environ.pop(key, None)


def what_next(platform_url, sandbox_url=None, state_file=None):
    """The block that ends the start-up output: where things are and a first step."""
    lines = [RULE, f"  Platform    {platform_url}/   (a page linking everything below)",
             f"  API docs    {platform_url}/docs",
             f"  OpenAPI     {platform_url}/openapi.json",
             f"  Health      {platform_url}/health"]
    if sandbox_url:
        lines.append(f"  Sandbox     {sandbox_url}/   (the stand-in for Meta; docs/sandbox.md)")
    lines += ["", "  First step, create a user (then README.md, \"Walkthrough with curl\"):",
              f"  curl -s -X POST {platform_url}/api/auth/register -H 'Content-Type: "
              "application/json' -d '{\"email\":\"me@example.com\",\"password\":"
              "\"correct-horse\"}'", ""]
    if state_file:
        lines.append("  A restart keeps users, accounts, posts and the sandbox's state "
                     f"({state_file});")
        lines.append("  --sandbox-reset starts the sandbox clean. Stop with Ctrl+C.")
    else:
        lines.append("  A restart keeps users, accounts and posts. Stop with Ctrl+C.")
    return "\n".join(lines + [RULE])


def _interrupt(signum, frame):
    # SIGTERM (docker stop, kill) ends the run like Ctrl+C, so the sandbox state is saved.
    raise KeyboardInterrupt


def point_sandbox_webhooks(sandbox_url, public_url):
    """Do what a developer does in Meta's App Dashboard: give the sandbox this platform's
    webhook callback. Verified at the first delivery (the platform is not listening yet)."""
    import requests
    callback = f"{public_url.rstrip('/')}/api/sns/instagram/webhooks"
    response = requests.post(f"{sandbox_url}/_sandbox/webhooks", timeout=5,
                             json={"callback_url": callback, "verify": False})
    response.raise_for_status()


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    load_dotenv()
    try:
        run(args)
    except StartError as exc:
        print(f"start_platform: {exc}", file=sys.stderr, flush=True)
        sys.exit(2)


def run(args):
    host = public_host(args)
    sandbox = sandbox_url = None
    if args.sandbox or not os.environ.get("INSTAGRAM_APP_ID"):
        sandbox = bind_sandbox(args)
        sandbox_url = f"http://{host}:{sandbox.server.port}"
        use_sandbox(sandbox_url, sandbox.state.settings)

    from werkzeug.serving import make_server

    from backend.app import (SETTINGS_ERRORS, create_app, start_background_jobs,
                             upgrade_database)
    platform = None
    try:
        # Bound before the app exists: a busy port fails at once, and with --port 0 the
        # app learns its real port (PUBLIC_BASE_URL, where Meta fetches uploads).
        platform = serve_on("--port", args.host, args.port,
                            lambda fd: make_server(args.host, args.port, None, threaded=True,
                                                   fd=fd))
        platform_url = f"http://{host}:{platform.port}"
        os.environ.setdefault("PUBLIC_BASE_URL", platform_url)
        try:
            app = create_app()
        except SETTINGS_ERRORS as exc:
            raise StartError(str(exc)) from None
        platform.app = app
        upgrade_database(app)
        state_file = None
        if sandbox is not None:
            state_file = os.path.join(app.instance_path, SANDBOX_STATE_FILE)
            sandbox.keep_state(state_file, reset=args.sandbox_reset)
            sandbox.start_thread()
            point_sandbox_webhooks(sandbox_url, os.environ["PUBLIC_BASE_URL"])
            print(SANDBOX_BANNER, file=sys.stderr, flush=True)
        start_background_jobs(app)
        signal.signal(signal.SIGTERM, _interrupt)
        print(what_next(platform_url, sandbox_url, state_file), flush=True)
        platform.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if platform is not None:
            platform.server_close()
        if sandbox is not None:
            if sandbox.thread is not None:
                sandbox.shutdown()
            else:
                sandbox.close()


if __name__ == "__main__":
    main()
