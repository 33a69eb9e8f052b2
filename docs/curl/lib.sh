# Shared by the walkthroughs: URLs, JSON reading, and a logged-in user with one account.
BASE=${BASE:-http://127.0.0.1:8000}
SANDBOX=${SANDBOX:-http://127.0.0.1:8001}
API=$BASE/api/sns/instagram
PASSWORD=${PASSWORD:-correct-horse-battery}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval('d'+sys.argv[1]))" "$1"; }
say() { printf '\n== %s\n' "$*"; }

login() {  # register and log in EMAIL; sets AUTH
  curl -sf -X POST "$BASE/api/auth/register" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" >/dev/null
  TOKEN=$(curl -sf -X POST "$BASE/api/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" | json "['access_token']")
  AUTH="Authorization: Bearer $TOKEN"
}

# curl's cookie jar plays the user's browser: the connect link sets a cookie there, and only
# a callback that brings it back connects anything (docs/api.md, "Connecting accounts").
JAR=${JAR:-$(mktemp)}
browser() { curl -b "$JAR" -c "$JAR" "$@"; }

connect_link() {  # connect_link LOGIN: a fresh single-use connect link (start_url) for this user
  curl -sf -X POST "$API/oauth/authorize" -H "$AUTH" -H 'Content-Type: application/json' \
    -d "{\"login\":\"$1\"}" | json "['start_url']"
}

dialog_url() {  # dialog_url LOGIN: open a connect link in the jar; prints Meta's dialog URL
  browser -sf -o /dev/null -w '%{redirect_url}' "$(connect_link "$1")"
}

wait_published() {  # wait_published POST_ID: poll its status (the scheduler works) until done
  local status=""
  for _ in $(seq 1 60); do
    status=$(curl -sf "$API/posts/$1/status" -H "$AUTH" | json "['post']['status']")
    [ "$status" = published ] || [ "$status" = failed ] && break
    sleep 1
  done
  echo "post $1: $status"
  [ "$status" = published ]
}
