#!/usr/bin/env bash
# Walkthrough: preview and publish a feed image, an uploaded PNG, a carousel, a story and a
# reel, follow a video post to "published", and see errors and idempotency. Needs a running
# platform in sandbox mode (python start_platform.py); BASE and SANDBOX override the URLs.
# Only curl and python3 (its standard library) are used: no virtual environment needed.
set -euo pipefail
EMAIL=${EMAIL:-publisher-$RANDOM$RANDOM@example.com}
. "$(dirname "$0")/lib.sh"
IMAGE="$SANDBOX/_sandbox/samples/image.jpg?w=1080&h=1350"
SQUARE="$SANDBOX/_sandbox/samples/image.jpg?w=1080&h=1080"
VIDEO="$SANDBOX/_sandbox/samples/video.mp4?duration=12&w=1080&h=1920"

say "log in and connect an account"
login
ACCOUNT=$(browser -sfL "$(connect_link instagram)" | json "['account']['id']")

say "preview: every problem, no call to Instagram"
curl -sf -X POST "$API/preview" -H "$AUTH" -H 'Content-Type: application/json' -d "{\"type\":\"feed\",\"account_id\":$ACCOUNT,\"image_url\":\"$SANDBOX/_sandbox/samples/image.jpg?w=1080&h=300\",\"caption\":\"Hello @friend\",\"hashtags\":[\"one\",\"#two\"]}"

say "publish a feed image by URL (201, published at once)"
curl -sf -X POST "$API/posts" -H "$AUTH" -H 'Content-Type: application/json' \
  -H 'Idempotency-Key: walkthrough-image-1' \
  -d "{\"account_id\":$ACCOUNT,\"image_url\":\"$IMAGE\",\"caption\":\"From curl\",\"hashtags\":[\"sandbox\"]}" \
  | tee /dev/stderr | json "['post']['permalink']"

say "the same Idempotency-Key again returns the same post, nothing new is posted"
curl -sf -X POST "$API/posts" -H "$AUTH" -H 'Content-Type: application/json' \
  -H 'Idempotency-Key: walkthrough-image-1' \
  -d "{\"account_id\":$ACCOUNT,\"image_url\":\"$IMAGE\",\"caption\":\"From curl\",\"hashtags\":[\"sandbox\"]}" \
  | json "['post']['id']"

say "upload a PNG: converted to JPEG, metadata stripped, published"
PNG="${TMPDIR:-/tmp}/walkthrough-$$.png"
curl -sf "$SANDBOX/_sandbox/samples/image.png?w=1080&h=1080" -o "$PNG"  # any PNG of yours works
curl -sf -X POST "$API/posts" -H "$AUTH" -F file=@"$PNG" -F account_id=$ACCOUNT \
  -F caption="Uploaded" | json "['post']['status']"
rm -f "$PNG"

say "a carousel of three (one video): 202, finished in the background"
POST=$(curl -sf -X POST "$API/posts" -H "$AUTH" -H 'Content-Type: application/json' \
  -d "{\"account_id\":$ACCOUNT,\"caption\":\"Three\",\"items\":[{\"image_url\":\"$SQUARE\"},{\"video_url\":\"$SANDBOX/_sandbox/samples/video.mp4?duration=8&w=1080&h=1080\"},{\"image_url\":\"$SQUARE\"}]}" \
  | json "['post']['id']")

say "a story and a reel"
curl -sf -X POST "$API/stories" -H "$AUTH" -H 'Content-Type: application/json' \
  -d "{\"account_id\":$ACCOUNT,\"image_url\":\"$SANDBOX/_sandbox/samples/image.jpg?w=1080&h=1920\"}" | json "['post']['status']"
REEL=$(curl -sf -X POST "$API/reels" -H "$AUTH" -H 'Content-Type: application/json' \
  -d "{\"account_id\":$ACCOUNT,\"video_url\":\"$VIDEO\",\"caption\":\"A reel\",\"share_to_feed\":true}" \
  | json "['post']['id']")

say "follow the reel and the carousel until published (the scheduler polls Instagram)"
wait_published "$REEL"
wait_published "$POST"

say "a refused post: the error says why"
curl -s -X POST "$API/posts" -H "$AUTH" -H 'Content-Type: application/json' \
  -d "{\"account_id\":$ACCOUNT,\"items\":[{\"image_url\":\"$SQUARE\"}]}" | json "['error']['details']['errors'][0]['code']"

say "history, newest first"
curl -sf "$API/posts?limit=3" -H "$AUTH" | json "['posts'].__len__()"
