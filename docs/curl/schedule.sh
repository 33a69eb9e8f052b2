#!/usr/bin/env bash
# Walkthrough: drafts, publishing later, the account's queue (next_slot), the calendar and
# best times, then a scheduled post going out at its time. Needs a running platform in
# sandbox mode (python start_platform.py); BASE and SANDBOX override the URLs.
set -euo pipefail
EMAIL=${EMAIL:-scheduler-$RANDOM$RANDOM@example.com}
. "$(dirname "$0")/lib.sh"
IMAGE="$SANDBOX/_sandbox/samples/image.jpg?w=1080&h=1350"
at() { python3 -c "import datetime,sys; t=datetime.datetime.now(datetime.timezone.utc)+datetime.timedelta(seconds=int(sys.argv[1])); print(t.replace(microsecond=0).isoformat())" "$1"; }

say "log in and connect an account"
login
ACCOUNT=$(browser -sfL "$(connect_link instagram)" | json "['account']['id']")

say "save a draft: it is checked, and kept even with problems"
DRAFT=$(curl -sf -X POST "$API/drafts" -H "$AUTH" -H 'Content-Type: application/json' \
  -d "{\"type\":\"feed\",\"account_id\":$ACCOUNT,\"image_url\":\"$SANDBOX/_sandbox/samples/image.jpg?w=1080&h=300\",\"caption\":\"Coming soon\"}" \
  | tee /dev/stderr | json "['draft']['id']")

say "fix the draft: the checks run again"
curl -sf -X PATCH "$API/drafts/$DRAFT" -H "$AUTH" -H 'Content-Type: application/json' \
  -d "{\"image_url\":\"$IMAGE\"}" | json "['draft']['validation']"

say "a time without its offset is refused"
curl -s -X POST "$API/drafts/$DRAFT/publish" -H "$AUTH" -H 'Content-Type: application/json' \
  -d '{"publish_at":"2030-01-01T09:00:00"}' | json "['error']['code']"

WHEN=$(at 15)
say "schedule the draft for $WHEN (202, status scheduled)"
curl -sf -X POST "$API/drafts/$DRAFT/publish" -H "$AUTH" -H 'Content-Type: application/json' \
  -d "{\"publish_at\":\"$WHEN\"}" | json "['post']['status'], d['post']['publish_at']"

say "the account's queue: slots in its time zone, at least 30 minutes apart"
curl -sf -X PUT "$API/accounts/$ACCOUNT/schedule" -H "$AUTH" -H 'Content-Type: application/json' \
  -d '{"timezone":"Europe/Paris","min_spacing_minutes":30,"slots":{"mon":["09:00","18:00"],"tue":["09:00","18:00"],"wed":["09:00","18:00"],"thu":["09:00","18:00"],"fri":["09:00","18:00"],"sat":["11:00"],"sun":["11:00"]}}'
echo
QUEUED=$(curl -sf -X POST "$API/posts" -H "$AUTH" -H 'Content-Type: application/json' \
  -d "{\"account_id\":$ACCOUNT,\"image_url\":\"$IMAGE\",\"caption\":\"In the queue\",\"publish_at\":\"next_slot\"}" \
  | tee /dev/stderr | json "['post']['id']")

say "move it, then call it back to the drafts"
curl -sf -X PATCH "$API/posts/$QUEUED/schedule" -H "$AUTH" -H 'Content-Type: application/json' \
  -d "{\"publish_at\":\"$(at 86400)\"}" | json "['post']['publish_at']"
curl -sf -X POST "$API/posts/$QUEUED/cancel" -H "$AUTH" | json "['post']['status']"

say "best times (from the account's insights; its slots until there is enough data)"
curl -sf "$API/accounts/$ACCOUNT/best-times?count=3" -H "$AUTH" | json "['source'], [t['next_at'] for t in d['times']]"

say "the calendar of the next two days"
curl -sf -G "$API/calendar" -H "$AUTH" --data-urlencode "from=$(at -3600)" \
  --data-urlencode "to=$(at 172800)" | python3 -c 'import json,sys
for e in json.load(sys.stdin)["entries"]: print(e["state"], e["at"], "post", e["post"]["id"])'

say "the scheduled post goes out at its time"
for _ in $(seq 1 40); do
  status=$(curl -sf "$API/posts/$DRAFT/status" -H "$AUTH" | json "['post']['status']")
  [ "$status" = published ] && break
  sleep 1
done
curl -sf "$API/posts/$DRAFT/status" -H "$AUTH" | json "['post']['status'], d['post']['publish_at'], d['post']['published_at']"
[ "$status" = published ]
