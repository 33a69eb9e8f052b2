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

say "start Instagram Login: the platform returns Meta's dialog URL (here the sandbox's)"
AUTHORIZE_URL=$(authorize_url instagram)
echo "$AUTHORIZE_URL"

say "follow the dialog (the sandbox approves at once) into the callback: account connected"
ACCOUNT_ID=$(curl -sfL "$AUTHORIZE_URL" | tee /dev/stderr | json "['account']['id']")

say "connect a second account (sandbox_username picks another sandbox account)"
AUTHORIZE_URL=$(authorize_url instagram)
SECOND_ID=$(curl -sfL "$AUTHORIZE_URL&sandbox_username=second_brand" | json "['account']['id']")

say "connect through Facebook Login (Pages with a linked Instagram professional account)"
AUTHORIZE_URL=$(authorize_url facebook)
curl -sfL "$AUTHORIZE_URL&sandbox_persona=creator" | json "['account']['username']"

say "a personal account is refused with a clear error, and nothing is stored"
AUTHORIZE_URL=$(authorize_url instagram)
curl -sL "$AUTHORIZE_URL&sandbox_persona=personal" | json "['error']['code']"

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
