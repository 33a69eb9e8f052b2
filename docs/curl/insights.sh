#!/usr/bin/env bash
# Walkthrough: insights of published posts (an image, a story, a reel), of any media of the
# account and of the account itself; the cache, stored values, a removed metric, the media
# listing and the stored history. Needs a running platform in sandbox mode
# (python start_platform.py); BASE and SANDBOX override the URLs. Only curl and python3
# (its standard library) are used: no virtual environment needed.
#
# Instagram has no insights for media younger than a few minutes (the sandbox:
# `insights_lag_seconds`), and stories under 5 viewers have none at all, so the script moves
# the sandbox clock two hours forward instead of waiting; it moves it back when it exits.
set -euo pipefail
EMAIL=${EMAIL:-insights-$RANDOM$RANDOM@example.com}
. "$(dirname "$0")/lib.sh"
IMAGE="$SANDBOX/_sandbox/samples/image.jpg?w=1080&h=1350"
VIDEO="$SANDBOX/_sandbox/samples/video.mp4?duration=12&w=1080&h=1920"
JSON='Content-Type: application/json'

# check EXPR: print the JSON answer on stdin (one line), fail unless EXPR holds for it (`d`).
check() {
  python3 -c 'import json,sys
text = sys.stdin.read()
if not text.strip():
    sys.exit("no answer (see the curl error above)")
d = json.loads(text)
print(json.dumps(d))
if not eval(sys.argv[1]):
    sys.exit("unexpected answer, expected: " + sys.argv[1])' "$1"
}
# get PATH [EXPR]: GET an API path (an HTTP error fails the script), checked with EXPR.
get() { curl -sSf "$API$1" -H "$AUTH" | check "${2:-True}"; }

ADVANCED=0
restore_clock() {  # leave the sandbox clock where it was
  [ "$ADVANCED" = 0 ] || curl -sf -X POST "$SANDBOX/_sandbox/clock" -H "$JSON" \
    -d "{\"advance_seconds\": -$ADVANCED}" >/dev/null || echo "could not move the sandbox clock back" >&2
}
trap restore_clock EXIT

say "log in and connect an account"
login
CONNECTED=$(browser -sfL "$(connect_link instagram)")
ACCOUNT=$(echo "$CONNECTED" | json "['account']['id']")
USERNAME=$(echo "$CONNECTED" | json "['account']['username']")
echo "account $ACCOUNT (@$USERNAME)"

say "publish an image, a story and a reel"
IMAGE_POST=$(curl -sf -X POST "$API/posts" -H "$AUTH" -H "$JSON" \
  -d "{\"account_id\":$ACCOUNT,\"image_url\":\"$IMAGE\",\"caption\":\"Insights walkthrough\"}" \
  | json "['post']['id']")
STORY_POST=$(curl -sf -X POST "$API/stories" -H "$AUTH" -H "$JSON" \
  -d "{\"account_id\":$ACCOUNT,\"image_url\":\"$SANDBOX/_sandbox/samples/image.jpg?w=1080&h=1920\"}" \
  | json "['post']['id']")
REEL_POST=$(curl -sf -X POST "$API/reels" -H "$AUTH" -H "$JSON" \
  -d "{\"account_id\":$ACCOUNT,\"video_url\":\"$VIDEO\",\"caption\":\"A reel\"}" | json "['post']['id']")
echo "image post $IMAGE_POST, story post $STORY_POST, reel post $REEL_POST"

say "the reel finishes in the background (the scheduler polls Instagram)"
wait_published "$REEL_POST"

say "right after publishing: not_available_yet (Instagram's lag), never a zero"
get "/$IMAGE_POST/insights" "d['insights']['status'] == 'not_available_yet' and d['insights']['metrics'] == {}"

say "two hours pass (the sandbox clock moves; the platform's does not)"
LAG=$(curl -sf "$SANDBOX/_sandbox/settings" | json "['insights_lag_seconds']")
ADVANCED=$(python3 -c "print(max(7200, int($LAG) + 60))")
curl -sf -X POST "$SANDBOX/_sandbox/clock" -H "$JSON" -d "{\"advance_seconds\": $ADVANCED}" \
  | json "['now']"

say "insights of the image: fresh from Meta (source meta, one Graph call), stored"
FIRST=$(get "/$IMAGE_POST/insights" "d['insights']['status'] == 'available' and d['insights']['source'] == 'meta' and d['insights']['kind'] == 'FEED' and d['insights']['graph_calls'] == 1 and 'reach' in d['insights']['metrics']")
echo "$FIRST"
REACH=$(echo "$FIRST" | json "['insights']['metrics']['reach']['value']")

say "asked again within INSTAGRAM_INSIGHTS_CACHE_SECONDS: the stored values, no Graph call"
get "/$IMAGE_POST/insights" "d['insights']['source'] == 'cache' and d['insights']['graph_calls'] == 0 and d['insights']['metrics']['reach']['value'] == $REACH"

say "refresh=false: stored values only, never Meta (what a dashboard should use)"
get "/$IMAGE_POST/insights?refresh=false" "d['insights']['source'] == 'stored' and d['insights']['graph_calls'] == 0 and d['insights']['status'] == 'available'"

say "refresh=true: always Meta"
get "/$IMAGE_POST/insights?refresh=true" "d['insights']['source'] == 'meta' and d['insights']['graph_calls'] == 1"

say "a removed metric is reported in unavailable_metrics, the others are returned (alias path)"
get "/posts/$IMAGE_POST/insights?metrics=impressions,reach" "d['insights']['unavailable_metrics'] == {'impressions': 'removed'} and set(d['insights']['metrics']) == {'reach'}"

say "the story: its navigation with the taps and exits behind it (two Graph calls)"
get "/$STORY_POST/insights" "d['insights']['kind'] == 'STORY' and d['insights']['status'] == 'available' and d['insights']['graph_calls'] == 2 and d['insights']['metrics']['navigation']['breakdown']['dimensions'] == ['story_navigation_action_type'] and sum(d['insights']['metrics']['navigation']['breakdown']['values'].values()) == d['insights']['metrics']['navigation']['value']"

say "the reel: reels metrics (watch time), no profile metrics"
get "/$REEL_POST/insights" "d['insights']['kind'] == 'REELS' and 'ig_reels_avg_watch_time' in d['insights']['metrics'] and 'profile_visits' not in d['insights']['metrics']"

say "the account's media, five per page, newest first (post_id links media to your posts)"
PAGE=$(get "/media?account_id=$ACCOUNT&limit=5" "len(d['data']) == 5 and d['paging']['next'] and all(set(m) >= {'id', 'media_type', 'media_product_type', 'timestamp', 'post_id'} for m in d['data'])")
echo "$PAGE" | python3 -c 'import json,sys
for m in json.load(sys.stdin)["data"]:
    print(" ", m["id"], m["media_product_type"], m["media_type"], m["timestamp"], "post_id:", m["post_id"])'
echo "$PAGE" | check "$REEL_POST in [m['post_id'] for m in d['data']] and $IMAGE_POST in [m['post_id'] for m in d['data']]" >/dev/null
NEXT=$(echo "$PAGE" | json "['paging']['next']")
FIRST_IDS=$(echo "$PAGE" | json "['data'] and [m['id'] for m in d['data']]")

say "follow paging.next (a URL of this platform, no token in it)"
echo "$NEXT"
curl -sf "$NEXT" -H "$AUTH" | check "len(d['data']) > 0 and not set(m['id'] for m in d['data']) & set($FIRST_IDS)" | python3 -c 'import json,sys
d = json.load(sys.stdin)
for m in d["data"]:
    print(" ", m["id"], m["media_product_type"], m["media_type"], m["timestamp"], "post_id:", m["post_id"])
print("  paging.next:", d["paging"]["next"])'

say "insights of any media of the account: a reel the sandbox seeded (not published here)"
SEEDED=$(curl -sf "$SANDBOX/_sandbox/accounts/$USERNAME/media" | json "['data'] and next(m['id'] for m in d['data'] if m['seeded'] and m['media_product_type'] == 'REELS')")
get "/media/$SEEDED/insights?account_id=$ACCOUNT" "d['insights']['kind'] == 'REELS' and d['insights']['post_id'] is None and d['insights']['status'] == 'available' and d['insights']['graph_calls'] == 2"

say "a seeded story with 3 viewers: not_enough_viewers (a status, not an error)"
FEW=$(curl -sf "$SANDBOX/_sandbox/accounts/$USERNAME/media" | json "['data'] and next(m['id'] for m in d['data'] if m['seeded'] and m['media_product_type'] == 'STORY' and m['media_type'] == 'VIDEO')")
get "/media/$FEW/insights?account_id=$ACCOUNT" "d['insights']['status'] == 'not_enough_viewers' and d['insights']['metrics'] == {}"

say "account insights of the last 7 days: totals by media_product_type, follower_count by day"
get "/accounts/$ACCOUNT/insights?metrics=views,reach,likes,follower_count&breakdown=media_product_type" "d['insights']['metrics']['views']['breakdown']['dimensions'] == ['media_product_type'] and sum(d['insights']['metrics']['views']['breakdown']['values'].values()) == d['insights']['metrics']['views']['value'] and len(d['insights']['metrics']['follower_count']['series']) > 0 and d['insights']['unavailable_metrics'] == {} and d['insights']['graph_calls'] == 2"

say "history of the image: every fetch is a point, oldest first (no Graph call)"
get "/$IMAGE_POST/insights/history?metrics=reach" "set(d['series']) == {'reach'} and len(d['series']['reach']) >= 2 and d['truncated'] is False and [p['fetched_at'] for p in d['series']['reach']] == sorted(p['fetched_at'] for p in d['series']['reach'])"

say "history of the account: stored values by the end of their range (no Graph call)"
get "/accounts/$ACCOUNT/insights/history?metrics=follower_count" "len(d['series']['follower_count']) > 0 and all(p['period'] == 'day' and p['end_time'] for p in d['series']['follower_count'])" \
  | json "['series'] and [(p['end_time'][:10], p['value']) for p in d['series']['follower_count']]"

say "totals over other ranges (the 7 days asked above) are kept apart from the daily series"
get "/accounts/$ACCOUNT/insights/history?metrics=views&period=total_over_range" "d['period'] == 'total_over_range' and len(d['series']['views']) >= 1 and all(p['start_time'] and p['end_time'] for p in d['series']['views'])"

say "done: insights of post $IMAGE_POST, story $STORY_POST, reel $REEL_POST and account $ACCOUNT"
