#!/usr/bin/env bash
# Walkthrough: comments, the inbox, moderation, a first comment, @mentions and Meta's
# webhooks (verification, a signed delivery, a forged one, a redelivery, story insights).
# Needs a running platform in sandbox mode (python start_platform.py, which gives the
# sandbox this platform's webhook callback as Meta's App Dashboard would); BASE and SANDBOX
# override the URLs. Only curl and python3. Followers are played by the sandbox's control
# endpoints; the platform's jobs process the webhook events within seconds.
set -euo pipefail
EMAIL=${EMAIL:-comments-$RANDOM$RANDOM@example.com}
. "$(dirname "$0")/lib.sh"
JSON='Content-Type: application/json'
NAME="comments_demo_$RANDOM$RANDOM"  # an Instagram account of our own in the sandbox
SECRET=sandbox-app-secret            # the sandbox's app secret: it signs the deliveries

# check EXPR: print the JSON answer on stdin, fail unless EXPR holds for it (`d`).
check() {
  python3 -c 'import json,sys
d = json.loads(sys.stdin.read())
print(json.dumps(d)[:400])
if not eval(sys.argv[1]):
    sys.exit("unexpected answer, expected: " + sys.argv[1])' "$1"
}
# until_ok PATH EXPR: GET an API path every second until EXPR holds (the jobs work meanwhile).
until_ok() {
  for _ in $(seq 1 30); do
    if curl -sSf "$API$1" -H "$AUTH" | python3 -c 'import json,sys
d = json.load(sys.stdin)
sys.exit(0 if eval(sys.argv[1]) else 1)' "$2"; then
      curl -sSf "$API$1" -H "$AUTH" | check "$2"; return 0
    fi
    sleep 1
  done
  echo "gave up waiting for: $2" >&2; return 1
}
control() { curl -sSf -X POST "$SANDBOX/_sandbox$1" -H "$JSON" -d "$2"; }
sign() { python3 -c 'import hashlib,hmac,sys; print("sha256=" + hmac.new(sys.argv[1].encode(), sys.stdin.buffer.read(), hashlib.sha256).hexdigest())' "$SECRET"; }

ADVANCED=0
restore_clock() {
  [ "$ADVANCED" = 0 ] || control /clock "{\"advance_seconds\": -$ADVANCED}" >/dev/null ||
    echo "could not move the sandbox clock back" >&2
}
trap restore_clock EXIT

say "log in and connect @$NAME; it is subscribed to webhook fields on connect"
login
CONNECTED=$(browser -sfL "$(dialog_url instagram)&sandbox_username=$NAME")
ACCOUNT=$(echo "$CONNECTED" | json "['account']['id']")
IG_ID=$(echo "$CONNECTED" | json "['account']['ig_user_id']")
curl -sSf "$API/webhooks/subscriptions" -H "$AUTH" | check "d['accounts'][0]['delivery'] == 'webhooks'"

say "Meta's verification request: the challenge comes back as text"
curl -sSf "$API/webhooks?hub.mode=subscribe&hub.verify_token=sandbox-verify-token&hub.challenge=1158201444"
echo
test "$(curl -s -o /dev/null -w '%{http_code}' "$API/webhooks?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1")" = 403

say "a follower comments on the newest post; the signed webhook fills the inbox"
MEDIA=$(curl -sSf "$API/media?account_id=$ACCOUNT&limit=1" -H "$AUTH" | json "['data'][0]['id']")
COMMENT=$(control "/accounts/$NAME/comments" "{\"media_id\":\"$MEDIA\",\"text\":\"Is this vegan?\"}" \
  | json "['data'][0]['id']")
until_ok "/comments?account_id=$ACCOUNT&status=unread" "d['unread'] >= 1 and d['comments'][0]['comment_id'] == '$COMMENT'"

say "the media's comments, newest first, with their first replies and hidden state"
curl -sSf "$API/media/$MEDIA/comments?account_id=$ACCOUNT&limit=5" -H "$AUTH" \
  | check "d['data'][0]['id'] == '$COMMENT' and d['data'][0]['hidden'] is False"

say "reply (the comment is then read), hide and unhide, mark unread and read"
curl -sSf -X POST "$API/comments/$COMMENT/replies" -H "$AUTH" -H "$JSON" \
  -d "{\"account_id\":$ACCOUNT,\"message\":\"Yes, all of it!\"}" | check "d['comment']['id']"
curl -sSf -X PATCH "$API/comments/$COMMENT" -H "$AUTH" -H "$JSON" \
  -d "{\"account_id\":$ACCOUNT,\"hidden\":true}" | check "d['hidden'] is True and d['read'] is True"
curl -sSf -X PATCH "$API/comments/$COMMENT" -H "$AUTH" -H "$JSON" \
  -d "{\"account_id\":$ACCOUNT,\"hidden\":false,\"read\":false}" | check "d['hidden'] is False and d['read'] is False"
curl -sSf -X POST "$API/comments/read" -H "$AUTH" -H "$JSON" \
  -d "{\"all\":true,\"account_id\":$ACCOUNT}" | check "d['marked'] >= 1"

say "delete a spam comment"
SPAM=$(control "/accounts/$NAME/comments" "{\"media_id\":\"$MEDIA\",\"text\":\"Buy followers\",\"username\":\"spam.bot\"}" \
  | json "['data'][0]['id']")
curl -sSf -X DELETE "$API/comments/$SPAM?account_id=$ACCOUNT" -H "$AUTH" | check "d['deleted'] is True"

say "a forged delivery is refused (403) and nothing is stored"
BODY="{\"object\":\"instagram\",\"entry\":[{\"id\":\"$IG_ID\",\"time\":$(date +%s),\"changes\":[{\"field\":\"comments\",\"value\":{\"id\":\"17899999999999999\",\"text\":\"signed by hand\",\"from\":{\"id\":\"1\",\"username\":\"curl\"},\"media\":{\"id\":\"$MEDIA\"}}}]}]}"
test "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$API/webhooks" -H "$JSON" \
  -H 'X-Hub-Signature-256: sha256=0000' -d "$BODY")" = 403

say "the same body signed with the app secret is stored once; a redelivery is a duplicate"
SIGNATURE=$(printf '%s' "$BODY" | sign)
curl -sSf -X POST "$API/webhooks" -H "$JSON" -H "X-Hub-Signature-256: $SIGNATURE" -d "$BODY" \
  | check "d['stored'] == 1"
curl -sSf -X POST "$API/webhooks" -H "$JSON" -H "X-Hub-Signature-256: $SIGNATURE" -d "$BODY" \
  | check "d['stored'] == 0 and d['duplicates'] == 1"
until_ok "/comments?account_id=$ACCOUNT" "any(c['comment_id'] == '17899999999999999' for c in d['comments'])"

say "a post with a first comment: hashtags out of the caption, posted once it is live"
POST=$(curl -sSf -X POST "$API/posts" -H "$AUTH" -H "$JSON" \
  -d "{\"account_id\":$ACCOUNT,\"image_url\":\"$SANDBOX/_sandbox/samples/image.jpg?w=1080&h=1350\",\"caption\":\"Autumn menu\",\"first_comment\":\"#food #autumn #vegan\"}" \
  | json "['post']['id']")
until_ok "/posts/$POST/status" "d['post']['first_comment']['status'] == 'posted'"

say "an @mention in a follower's comment: listed (Instagram Login cannot reply to it)"
control "/accounts/$NAME/mentions" '{"in":"comment","text":"Look at"}' >/dev/null
until_ok "/mentions?account_id=$ACCOUNT" "len(d['mentions']) == 1 and d['mentions'][0]['can_reply'] is False"

say "a story expires; its final insights arrive by webhook an hour later"
STORY=$(curl -sSf -X POST "$API/stories" -H "$AUTH" -H "$JSON" \
  -d "{\"account_id\":$ACCOUNT,\"image_url\":\"$SANDBOX/_sandbox/samples/image.jpg?w=1080&h=1920\"}" \
  | json "['post']['id']")
ADVANCED=$((25 * 3600 + 300))
control /clock "{\"advance_seconds\": $ADVANCED}" >/dev/null
control /webhooks/deliver_due '{}' | check "len(d['data']) >= 1"
until_ok "/$STORY/insights?refresh=false" "d['insights']['status'] == 'available' and 'reach' in d['insights']['metrics']"
echo "comments walkthrough done"
