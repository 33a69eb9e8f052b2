"""Command line: `python -m backend.sandbox --host 127.0.0.1 --port 8001`."""
import argparse
import logging

from .core.server import make_sandbox_server, serve_forever


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m backend.sandbox",
        description="Graph API sandbox: a local stand-in for Meta's Instagram Graph API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--app-id", help="Instagram app id (default 100000000000001)")
    parser.add_argument("--app-secret", help="Instagram app secret")
    parser.add_argument("--facebook-app-id", help="default: the Instagram app id")
    parser.add_argument("--facebook-app-secret", help="default: the Instagram app secret")
    parser.add_argument("--redirect-uri", action="append", dest="redirect_uris",
                        help="registered redirect URI (repeatable; default: accept any)")
    parser.add_argument("--state-file", help="keep tokens, media, containers and the clock "
                        "in this JSON file across restarts (default: memory only)")
    parser.add_argument("--reset-state", action="store_true",
                        help="with --state-file: forget the saved state and start clean")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    settings = {name: value for name, value in vars(args).items()
                if name not in ("host", "port", "state_file", "reset_state")
                and value is not None}
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sandbox = make_sandbox_server(args.host, args.port, settings, state_file=args.state_file,
                                  reset_state=args.reset_state)
    print(f"Graph API sandbox on {sandbox.url}  (control: {sandbox.url}/_sandbox)")
    if sandbox.state_file:
        print(f"State kept in {sandbox.state_file}")
    print("Base URLs for the platform's .env:")
    for key, url in sandbox.base_urls.items():
        print(f"{key}={url}")
    state = sandbox.state
    print(f"App id {state.settings['app_id']}, secret {state.settings['app_secret']}", flush=True)
    serve_forever(sandbox)


if __name__ == "__main__":
    main()
