"""The InstagramAPI client from a plain script, against the Graph API sandbox.

    python docs/examples/client_walkthrough.py                 # starts a sandbox of its own
    python docs/examples/client_walkthrough.py --sandbox-url http://127.0.0.1:8001

Logs in (the sandbox's dialog stands in for the person clicking "Allow"), reads the
profile, posts a feed image with hashtags, a story and a reel (each waits for Meta's
processing and is published once), pages through the media, reads insights ten minutes
later and refreshes the token a day later (on the sandbox's clock). Needs the virtual environment
of the README. docs/client.md explains each call; CI runs this script.
"""
import argparse
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

# Run from a checkout without installing anything: the repository root is importable.
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from backend.sandbox import base_urls  # noqa: E402
from backend.sandbox.core.server import start_sandbox  # noqa: E402
from backend.services.instagram import InstagramAPI  # noqa: E402
from backend.services.instagram.graph.errors import InstagramAPIError  # noqa: E402

APP_ID, APP_SECRET = "100000000000001", "sandbox-app-secret"  # the sandbox's app
REDIRECT_URI = "https://example.com/instagram/callback"
SCOPES = ("instagram_business_basic,instagram_business_content_publish,"
          "instagram_business_manage_insights")


def say(text):
    print(f"\n== {text}", flush=True)


def dialog_code(urls):
    """The code Meta's dialog would send to REDIRECT_URI once the person allows.

    With Meta, open the URL in a browser and take `code` from the callback's query string.
    The sandbox approves a request without a browser at once.
    """
    query = urlencode({"client_id": APP_ID, "redirect_uri": REDIRECT_URI, "scope": SCOPES,
                       "response_type": "code", "state": "walkthrough"})
    url = f"{urls['INSTAGRAM_DIALOG_URL']}/oauth/authorize?{query}"
    print(url)
    answer = requests.get(url, allow_redirects=False, timeout=10)
    answer.raise_for_status()
    return parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]


def advance(sandbox_url, seconds):
    """Move the sandbox's clock (with Meta, time passes by itself)."""
    requests.post(f"{sandbox_url}/_sandbox/clock", json={"advance_seconds": seconds},
                  timeout=10).raise_for_status()


def walk(sandbox_url):
    urls = base_urls(sandbox_url)
    api = InstagramAPI(app_id=APP_ID, app_secret=APP_SECRET, redirect_uri=REDIRECT_URI,
                       graph_url=urls["INSTAGRAM_GRAPH_URL"],
                       facebook_graph_url=urls["FACEBOOK_GRAPH_URL"],
                       oauth_url=urls["INSTAGRAM_OAUTH_URL"],
                       rupload_url=urls["INSTAGRAM_RUPLOAD_URL"])
    samples = f"{sandbox_url}/_sandbox/samples"

    say("log in: the dialog's code for a long-lived token and the account")
    token, user = api.authenticate(dialog_code(urls))
    print(f"@{user['username']} ({user['account_type']}), token valid until "
          f"{api.token_expires_at:%Y-%m-%d}")

    say("the profile")
    info = api.get_account_info()
    print(f"{info['name']}: {info['followers_count']} followers, {info['media_count']} posts")

    say("a feed image; the hashtags it lacks are appended to the caption")
    feed = api.post_feed(f"{samples}/image.jpg?w=1080&h=1350", "Hello from a script #sandbox",
                         hashtags=["sandbox", "walkthrough"])
    print(f"published as media {feed['id']}:",
          repr(api.get_media(feed["id"], "caption")["caption"]))

    say("a story (Meta's API takes no text for stories: it goes in the image)")
    story = api.post_story(f"{samples}/image.jpg?w=1080&h=1920")
    print(f"story {story['id']}")

    say("a reel: the client waits while Meta processes the video, then publishes it once")
    reel = api.post_reel(f"{samples}/video.mp4?duration=12", "A reel from a script",
                         thumbnail_url=f"{samples}/image.jpg?w=1080&h=1920")
    print(f"reel {reel['id']}")

    say("the account's posts, five at a time, newest first")
    posts, cursor = api.get_media(limit=5)
    for post in posts:
        print(f"  {post['timestamp']}  {post['media_type']:<14} {post['id']}")
    more, _ = api.get_media(limit=5, after=cursor)
    print(f"  ... and {len(more)} more on the next page (after={cursor[:12]}...)")

    say("ten minutes later (the sandbox's clock): Meta has insights of the new posts")
    advance(sandbox_url, 600)
    for name, post in (("feed image", feed), ("story", story), ("reel", reel)):
        try:
            insights = api.get_insights(post["id"])
        except InstagramAPIError as exc:  # e.g. a story seen by fewer than 5 people
            print(f"  {name}: {exc.user_message or exc.message}")
            continue
        shown = ", ".join(f"{k} {v}" for k, v in insights["metrics"].items())
        print(f"  {name}: {shown}")

    say("a day later: Meta refreshes tokens at least 24 hours old, for 60 days more")
    advance(sandbox_url, 24 * 3600)
    fresh = api.refresh_access_token(token)
    print(f"new token, valid for {fresh['expires_in'] // 86400} days; the client uses it:",
          f"@{api.get_account_info(fields='username')['username']}")
    print("\ndone")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox-url", help="a running sandbox, e.g. http://127.0.0.1:8001 "
                        "(default: start one in this process)")
    args = parser.parse_args(argv)
    if args.sandbox_url:
        walk(args.sandbox_url.rstrip("/"))
        return
    sandbox = start_sandbox(port=0)
    try:
        walk(sandbox.url)
    finally:
        sandbox.shutdown()


if __name__ == "__main__":
    main()
