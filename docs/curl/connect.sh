#!/usr/bin/env bash
# Walkthrough: register, log in, connect Instagram accounts through the OAuth redirect flow,
# inspect them, and disconnect one. Needs a running platform (python start_platform.py)
# in sandbox mode; BASE overrides its URL. Only curl and python3 (its standard library)
# are used: no virtual environment needed.
set -euo pipefail
EMAIL=${EMAIL:-walkthrough-$RANDOM$RANDOM@example.com}
. "$(dirname "$0")/lib.sh"

say "register and log in as $EMAIL"
login

say "start Instagram Login: the platform returns a single-use connect link for this user"
START_URL=$(connect_link instagram)
echo "$START_URL"

say "open it with a cookie jar (the browser), through Meta's dialog (the sandbox approves at"
say "once) into the callback: account connected, to this platform user"
ACCOUNT_ID=$(browser -sfL "$START_URL" | tee /dev/stderr | json "['account']['id']")

say "the same Meta dialog URL approved without the jar (another browser) connects nothing"
DIALOG=$(dialog_url instagram)
curl -sL "$DIALOG" | json "['error']['code']"

say "connect a second account (sandbox_username picks another sandbox account)"
DIALOG=$(dialog_url instagram)
SECOND_ID=$(browser -sfL "$DIALOG&sandbox_username=second_brand" | json "['account']['id']")

say "connect through Facebook Login (Pages with a linked Instagram professional account)"
DIALOG=$(dialog_url facebook)
browser -sfL "$DIALOG&sandbox_persona=creator" | json "['account']['username']"

say "a personal account is refused with a clear error, and nothing is stored"
DIALOG=$(dialog_url instagram)
browser -sL "$DIALOG&sandbox_persona=personal" | json "['error']['code']"

say "list accounts (never a token)"
curl -sf "$API/accounts" -H "$AUTH"

say "connection health, permissions, and the profile from Meta"
curl -sf "$API/accounts/$ACCOUNT_ID/status" -H "$AUTH"
curl -sf "$API/accounts/$ACCOUNT_ID/permissions" -H "$AUTH"
curl -sf "$API/account/info?account_id=$ACCOUNT_ID" -H "$AUTH"

say "disconnect the second account (its post history is kept)"
curl -sf -X DELETE "$API/accounts/$SECOND_ID" -H "$AUTH"
COUNT=$(curl -sf "$API/accounts" -H "$AUTH" | json "['accounts'].__len__()")
[ "$COUNT" = 2 ] || { echo "expected 2 accounts left, got $COUNT" >&2; exit 1; }
say "done: $COUNT accounts connected"
