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

authorize_url() {  # authorize_url LOGIN: Meta's (the sandbox's) dialog URL for this user
  curl -sf -X POST "$API/oauth/authorize" -H "$AUTH" -H 'Content-Type: application/json' \
    -d "{\"login\":\"$1\"}" | json "['authorize_url']"
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
