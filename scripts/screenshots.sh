#!/usr/bin/env bash
# Uses the desktop app as a person does, and takes pictures of it: starts a
# --demo server and the app under Xvfb, signs in through the sign-in form
# (typing with the keyboard, xdotool), waits until the feed has rows and
# the status bar says "온라인 · 실시간 연결됨" (failing on an error state),
# then signs out, signs up a new member through the form, resets its
# password through 비밀번호를 잊으셨나요? (the code read from the demo's mail
# folder), verifies its mobile number in 설정 (the texted code read from the
# demo's fake SENS log), signs in with Naver as a newcomer on a second
# data directory (네이버로 계속하기: the demo's fake Naver, a "browser"
# that picks the newcomer there and follows the redirect back to the app's
# loopback port; 모아에 처음 오셨네요! with the proposed handle; 설정 › 연결된
# 계정), and signs out and in as the demo admin — each time waiting for the live feed again. It saves
# a PNG of the home feed, its 추천 tab (reviews picked for the member), a
# review (and its 🔗 공유 link copied; a moa:// link handed to the running
# app by a second launch; scrolled to its 비슷한 리뷰 row), a chat room, the compose screen, search
# results (typed into the search box after Ctrl+K), a group-buy bought
# through the app (the 공동구매 tab, a campaign, 참여하기, the checkout
# "browser" paying at the local fake PortOne, the order paid), requests
# (the 부탁 tab's open requests; a request posted through its form; a quote
# sent from another demo member's app; the requester's page with it, 수락
# refused short of points, 포인트 charged through the same checkout, 수락
# again and the pair's chat room open), the admin report queue, and the back office as the admin uses it (운영 관리 in
# the sidebar: the order table, an order opened from its row with the refund
# form filled in and the refund done, 엑셀 내보내기 through the save dialog
# with the file checked, the 통계 dashboard, the group-buys with the form
# that opens one, and a product's form with its options) into OUTDIR.
# Fails if any step does not happen or a picture is blank. What the window
# shows is read through `moa --probe`.
#   scripts/screenshots.sh OUTDIR
# Uses the debug build in the target directory (builds it when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

out="${1:-}"
[ -n "$out" ] || die "usage: scripts/screenshots.sh OUTDIR"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

ensure_rust
# shellcheck disable=SC2086
ensure_packages build-essential pkg-config cmake nasm $DESKTOP_PACKAGES $SCREENSHOT_PACKAGES
use_target_dir
if [ -z "${MOA_SKIP_BUILD:-}" ]; then
  say "building moa-server and moa"
  cargo build --workspace --locked --bins
fi

work=$(mktemp -d)
port=$(free_port)
url="http://127.0.0.1:$port"
cleanup() {
  [ -n "${app_pid:-}" ] && kill -9 "$app_pid" 2>/dev/null || true
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "${xvfb_pid:-}" ] && kill "$xvfb_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The demo server; a port taken meanwhile (it seeds for a while before it
# binds) means another port and another try.
start_server() {
  rm -rf "$work/server"
  say "starting a demo server on $url"
  MOA_LOG=warn "$TARGET_DIR/debug/moa-server" --demo --data-dir "$work/server" --bind "127.0.0.1:$port" \
    >"$work/server.out" 2>"$work/server.err" &
  server_pid=$!
  for _ in $(seq 1 300); do
    curl -fsS "$url/health" >/dev/null 2>&1 && return 0
    kill -0 "$server_pid" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}
for attempt in 1 2 3; do
  start_server && break
  if [ "$attempt" -lt 3 ] && grep -q "in use" "$work/server.err"; then
    port=$(free_port)
    url="http://127.0.0.1:$port"
    continue
  fi
  cat "$work/server.err" >&2
  die "the server did not start"
done
creds() { awk -v role="$1" '$1 == role { print $2, $3; exit }' "$work/server.out"; }
read -r member_email member_password < <(awk '$2 == "minji@moa.example" { print $2, $3; exit }' "$work/server.out")
read -r admin_email admin_password < <(creds admin)
[ -n "${member_password:-}" ] && [ -n "${admin_password:-}" ] || die "no demo credentials in the server output"

# Ids to open: the most popular review, and the member's group chat room.
token=$(curl -fsS -X POST "$url/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"email\":\"$member_email\",\"password\":\"$member_password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
review=$(curl -fsS "$url/v1/feeds/popular" -H "authorization: Bearer $token" \
  | python3 -c 'import json,sys; print(next(r["id"] for r in json.load(sys.stdin)["items"] if not r["official"]))')
# A popular review with 비슷한 리뷰, for the picture of that row.
similar_review=""
for candidate in $(curl -fsS "$url/v1/feeds/popular" -H "authorization: Bearer $token" |
  python3 -c 'import json,sys; print(" ".join(r["id"] for r in json.load(sys.stdin)["items"] if not r["official"]))'); do
  if curl -fsS "$url/v1/reviews/$candidate/similar" -H "authorization: Bearer $token" |
    python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin) else 1)'; then
    similar_review=$candidate
    break
  fi
done
[ -n "$similar_review" ] || die "no popular review of the demo has similar reviews; the server said: $(tail -n 20 "$work/server.err")"
room=$(curl -fsS "$url/v1/rooms" -H "authorization: Bearer $token" \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); rooms=d["items"] if isinstance(d, dict) else d; print(next(r["room"]["id"] for r in rooms if r["room"]["kind"] == "group"))')

# start_xvfb: a fresh Xvfb on a display nobody holds, waited for until it
# answers. Called again by `launch` if the one we run has gone away.
start_xvfb() {
  local n
  for _ in $(seq 1 50); do
    n=$(( (RANDOM % 400) + 100 ))
    [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ] || break
  done
  display=":$n"
  say "starting Xvfb on $display"
  Xvfb "$display" -screen 0 1280x820x24 -nolisten tcp >/dev/null 2>&1 &
  xvfb_pid=$!
  export DISPLAY="$display"
  for _ in $(seq 1 100); do
    kill -0 "$xvfb_pid" 2>/dev/null || die "Xvfb did not start on $display"
    xdpyinfo >/dev/null 2>&1 && return 0
    xdotool getmouselocation >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "Xvfb on $display never answered"
}
start_xvfb

# The standard deviation of a picture's pixels: ~0 for a blank one.
spread() { convert "$1" -colorspace Gray -format '%[fx:standard_deviation]' info:; }

# --- driving the app -------------------------------------------------------

# launch NAME DATADIR [ARGS...]: starts the app (its probe in $work/NAME.json)
# and waits for its window.
launch() {
  local tries
  for tries in 1 2 3; do
    if start_app "$@"; then return 0; fi
    # The app could not reach the display (GTK failed to start): make sure
    # our Xvfb still runs, then try again, up to three times.
    grep -q "Failed to initialize" "$work/app-$1.log" 2>/dev/null || break
    say "the app could not open the display (try $tries); checking Xvfb"
    kill -0 "$xvfb_pid" 2>/dev/null || start_xvfb
    sleep 1
  done
  cat "$work/app-$1.log" >&2
  die "the app exited ($1)"
}

# start_app NAME DATADIR [ARGS...]: one attempt; fails if the app exits
# before its window is up.
start_app() {
  local name=$1 dir=$2; shift 2
  rm -f "$work/$name.json"
  "$TARGET_DIR/debug/moa" --data-dir "$dir" --server "$url" --size 1280x820 \
    --probe "$work/$name.json" "$@" >"$work/app-$name.log" 2>&1 &
  app_pid=$!
  app_name=$name
  wid=""
  for _ in $(seq 1 300); do
    wid=$(xdotool search --name "모아 Moa" 2>/dev/null | head -1 || true)
    [ -n "$wid" ] && [ -s "$work/$name.json" ] && break
    if ! kill -0 "$app_pid" 2>/dev/null; then
      wait "$app_pid" 2>/dev/null || true
      app_pid=""
      return 1
    fi
    sleep 0.1
  done
  [ -n "$wid" ] || die "no app window for $name"
  xdotool windowmove "$wid" 0 0 windowsize "$wid" 1280 820 2>/dev/null || true
}

# Asks the app to quit (SIGTERM); one that has not gone in 5 s is killed.
quit_app() {
  kill "$app_pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$app_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$app_pid" 2>/dev/null || true
  wait "$app_pid" 2>/dev/null || true
  app_pid=""
}

# probe PYTHON_EXPR: whether what the window shows now (p) satisfies it.
probe() {
  python3 - "$work/$app_name.json" "$1" <<'PY' 2>/dev/null
import json, sys
try:
    p = json.load(open(sys.argv[1]))
except Exception:
    sys.exit(1)
sys.exit(0 if eval(sys.argv[2], {"p": p}) else 1)
PY
}

# until WHAT PYTHON_EXPR [SECONDS]: waits until the window shows it; fails
# with what it shows instead. An error state on screen fails at once.
until_shown() {
  local what=$1 expr=$2 limit=${3:-30} t=0
  while ! probe "$expr"; do
    if probe 'p.get("error")'; then
      die "$what: the window shows an error: $(cat "$work/$app_name.json")"
    fi
    t=$((t + 1))
    [ "$t" -le $((limit * 5)) ] || die "$what: never shown; the window shows $(cat "$work/$app_name.json")"
    sleep 0.2
  done
  printf '  %s\n' "$what" >&2
}

# target TEXT: the window coordinates of the button, link or field so named
# (its words exactly, else words among its words: "⚙ 설정" for "설정").
target() {
  python3 - "$work/$app_name.json" "$1" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
want = sys.argv[2]
targets = p.get("targets", [])
hits = [t for t in targets if t[0] == want] or [t for t in targets if f" {want} " in f" {t[0]} "]
print(f"{hits[0][1]} {hits[0][2]}" if hits else "")
PY
}

# click TEXT: clicks the button, link or field a person sees so named.
click() {
  # What was just asked for may take a moment to show (a menu item that
  # appears once the member's role is read): look for up to five seconds.
  local at tries=0
  at=$(target "$1")
  while [ -z "$at" ] && [ "$tries" -lt 25 ]; do
    sleep 0.2
    tries=$((tries + 1))
    at=$(target "$1")
  done
  [ -n "$at" ] || die "nothing called '$1' on screen: $(cat "$work/$app_name.json")"
  # shellcheck disable=SC2086
  xdotool mousemove --window "$wid" $at
  sleep 0.1
  xdotool click 1
}

# click_last TEXT: clicks the last of several so named (a dialog's button
# over a list with buttons of the same words).
click_last() {
  local at
  at=$(python3 - "$work/$app_name.json" "$1" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
hits = [t for t in p.get("targets", []) if t[0] == sys.argv[2]]
print(f"{hits[-1][1]} {hits[-1][2]}" if hits else "")
PY
)
  [ -n "$at" ] || die "nothing called '$1' on screen: $(cat "$work/$app_name.json")"
  # shellcheck disable=SC2086
  xdotool mousemove --window "$wid" $at
  sleep 0.1
  xdotool click 1
}

# type_into FIELD TEXT: clicks the named field and types, key by key.
type_into() {
  click "$1"
  sleep 0.1
  xdotool type --delay 15 "$2"
}

# retype_into FIELD TEXT: as type_into, over whatever the field held.
retype_into() {
  click "$1"
  sleep 0.1
  xdotool key ctrl+a BackSpace
  xdotool type --delay 15 "$2"
}

# The feed has rows, the status bar says online and live, no error.
LIVE='p["feed_rows"] > 0 and "온라인" in (p["status"] or "") and "실시간 연결됨" in (p["status"] or "") and not p["sign_in_form"]'

# The sign-in form's own answer when a field is empty.
FILL_ALL='p["sign_in_form"] and "모든 칸" in (p["form_error"] or "")'

# sign_in EMAIL PASSWORD: types both into the form and presses Return. Keys
# sent while a just-launched window is still settling can be lost (CI saw
# the form answer "모든 칸을 채워 주세요." once): then the fields are
# cleared and typed again, up to three times.
sign_in() {
  until_shown "the sign-in form" 'p["sign_in_form"]'
  local try
  for try in 1 2 3; do
    retype_into email "$1"
    retype_into password "$2"
    xdotool key Return
    # The probe rewrites its report every 200 ms: an earlier try's answer
    # must not be read as this one's.
    sleep 0.6
    for _ in $(seq 1 50); do
      probe "$LIVE" && break
      probe "$FILL_ALL" && break
      sleep 0.2
    done
    probe "$FILL_ALL" || break
    say "the form missed keystrokes (try $try): typing again"
  done
  until_shown "signed in as $1: the feed live" "$LIVE"
}

# click_until TEXT WHAT EXPR: clicks TEXT until EXPR holds (3 tries, 5 s
# each): a click that lands while a just-launched window is still settling
# (mapped, moved, first layout) can be lost.
click_until() {
  local text=$1 what=$2 expr=$3
  for _ in 1 2 3; do
    click "$text"
    for _ in $(seq 1 25); do
      probe "$expr" && { printf '  %s\n' "$what" >&2; return 0; }
      sleep 0.2
    done
  done
  tail -n 20 "$work/app-$app_name.log" >&2 || true
  die "$what: never shown after 3 clicks on '$text'; the window shows $(cat "$work/$app_name.json")"
}

# scroll_down: the wheel over the screen's middle, to its bottom.
scroll_down() {
  xdotool mousemove --window "$wid" 760 400 click --repeat 12 --delay 30 5
  # The probe rewrites its report every 200 ms: wait for a fresh one.
  sleep 0.8
}

# scroll_into_view TEXT: the wheel, a notch at a time, until the button,
# link or field so named is in the upper part of the window (or as far up
# as the page lets it go): settings are longer than a window.
scroll_into_view() {
  local at y last=""
  for _ in $(seq 1 60); do
    at=$(target "$1")
    [ -n "$at" ] || die "nothing called '$1' on screen: $(cat "$work/$app_name.json")"
    y=${at#* }
    if [ "$y" -ge 80 ] && { [ "$y" -le 420 ] || { [ "$y" = "$last" ] && [ "$y" -le 760 ]; }; }; then
      return 0
    fi
    last=$y
    if [ "$y" -lt 80 ]; then
      xdotool mousemove --window "$wid" 760 400 click 4
    else
      xdotool mousemove --window "$wid" 760 400 click 5
    fi
    # A fresh report (every 200 ms) before looking again.
    sleep 0.5
  done
  die "'$1' never came into view: $(cat "$work/$app_name.json")"
}

sign_out() {
  click_until "설정" "the settings screen" 'p["screen"] == "설정"'
  scroll_into_view "로그아웃"
  click "로그아웃"
  until_shown "signed out: the sign-in form" 'p["sign_in_form"]' 15
}

# snap NAME: saves what is on screen once it stops changing.
snap() {
  local name=$1 last="" now
  for _ in $(seq 1 40); do
    sleep 0.75
    import -window root "$work/$name.png" 2>/dev/null || continue
    now=$(md5sum <"$work/$name.png")
    if [ "$now" = "$last" ] && awk -v s="$(spread "$work/$name.png")" 'BEGIN { exit !(s > 0.05) }'; then break; fi
    last=$now
  done
  cp "$work/$name.png" "$out/$name.png"
  local s
  s=$(spread "$out/$name.png")
  awk -v s="$s" 'BEGIN { exit !(s > 0.05) }' || die "$name.png looks blank (pixel spread $s)"
  printf '  %s.png  (pixel spread %s)\n' "$name" "$s" >&2
}

# shot NAME SCREEN [DATA_DIR]: a picture of SCREEN, opened at launch with the stored
# session of the member signed in through the form.
shot() {
  say "screenshot: $1 ($2)"
  launch "$1" "${3:-$work/member}" --open "$2"
  snap "$1"
  quit_app
}

say "signing in through the form as $member_email"
launch home "$work/member"
sign_in "$member_email" "$member_password"
snap home
quit_app

shot review "review:$review"

say "the 추천 tab: reviews picked for the member (with little to go on yet, popular ones not read)"
launch for-you "$work/member"
until_shown "the stored session: the feed live" "$LIVE"
click_until "추천" "the 추천 tab with its reviews" 'p["tab"] == "추천" and p["feed_rows"] > 0'
snap for-you
quit_app

say "a review with 비슷한 리뷰 under it, scrolled into view"
SIMILAR_ROW='any(s[0] == "비슷한 리뷰" and s[1] > 0 for s in p["similar"])'
SIMILAR_IN_VIEW='any(s[0] == "비슷한 리뷰" and s[1] > 0 and 0 <= s[2] and s[3] <= 785 for s in p["similar"])'
launch review-similar "$work/member" --open "review:$similar_review"
until_shown "the 비슷한 리뷰 row with its cards" "$SIMILAR_ROW" 30
for _ in $(seq 1 30); do
  probe "$SIMILAR_IN_VIEW" && break
  # One notch of the wheel at a time, then a fresh report (every 200 ms).
  xdotool mousemove --window "$wid" 760 400 click 5
  sleep 0.5
done
probe "$SIMILAR_IN_VIEW" || die "the 비슷한 리뷰 row never came into view: $(cat "$work/$app_name.json")"
printf '  %s\n' "the 비슷한 리뷰 row in view" >&2
snap review-similar
quit_app

say "sharing: 🔗 공유 copies the review's https link (its page previews it), and a link clicked elsewhere opens in the running app"
launch share "$work/member" --open "review:$review"
until_shown "the review with its share button" 'any(t[0] == "🔗 공유" for t in p["targets"])' 20
click "🔗 공유"
until_shown "the link copied" "any(\"/r/$review\" in s for s in p[\"statuses\"])" 10
snap review-share
curl -fsS "$url/r/$review" | grep -q "og:title" || die "the review's share page has no preview"
# What the system runs when a moa:// link is clicked: a second launch on the
# same data directory hands the link over and quits.
"$TARGET_DIR/debug/moa" --data-dir "$work/member" --server "$url" "moa://chat/$room" >"$work/app-handoff.log" 2>&1 ||
  die "the second launch failed: $(cat "$work/app-handoff.log")"
until_shown "the link opened in the running app" 'p["screen"] == "채팅"' 15
quit_app
shot chat "chat:$room"
shot compose compose

say "searching as a person does: Ctrl+K, typing, Enter"
launch search "$work/member"
until_shown "the stored session: the feed live" "$LIVE"
xdotool key ctrl+k
sleep 0.3
xdotool type --delay 40 "카페"
xdotool key Return
until_shown "the search results for 카페" 'p["screen"] == "‘카페’ 검색 결과" and "모두 보기 →" in [t[0] for t in p["targets"]]' 20
snap search
quit_app

say "download my data and what deleting the account means, in settings"
export MOA_DOWNLOAD_DIR="$work/downloads"
launch my-data "$work/member"
until_shown "the stored session: the feed live" "$LIVE"
click_until "설정" "the settings screen" 'p["screen"] == "설정"'
scroll_into_view "내 데이터 받기"
click "내 데이터 받기"
until_shown "the data downloaded" 'any("저장했어요" in s for s in p["statuses"])' 60
ls "$MOA_DOWNLOAD_DIR"/moa-data-*.zip >/dev/null 2>&1 || die "no zip in $MOA_DOWNLOAD_DIR"
python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert "reviews.json" in z.namelist()' \
  "$(ls "$MOA_DOWNLOAD_DIR"/moa-data-*.zip | head -1)" || die "the downloaded zip has no reviews.json"
scroll_into_view "계정 삭제…"
click "계정 삭제…"
until_shown "what deleting the account means" 'any(t[0] == "password" for t in p["targets"])' 10
scroll_down
snap my-data
quit_app

say "a group-buy as a person does it: the 공동구매 tab, a campaign, 참여하기, paying"
# The app opens the checkout in the system browser (xdg-open): this one
# notes the address, and the person's payment is the page's 결제하기 form,
# posted below as the browser would.
mkdir -p "$work/bin"
printf '#!/bin/sh\nprintf "%%s\\n" "$1" >>"%s/opened"\n' "$work" >"$work/bin/xdg-open"
chmod +x "$work/bin/xdg-open"
export PATH="$work/bin:$PATH"
launch shop "$work/member"
until_shown "the stored session: the feed live" "$LIVE"
click_until "공동구매" "the group-buys" 'p["screen"] == "공동구매" and any("진공 텀블러" in t[0] for t in p["targets"])'
snap shop
click "[모두] 진공 텀블러 공동구매"
until_shown "the campaign page" 'any("참여하기" in t[0] for t in p["targets"])' 15
snap campaign
click "참여하기"
until_shown "the checkout open and the app waiting" '"결제 확인" in [t[0] for t in p["targets"]]' 15
checkout=$(tail -1 "$work/opened" 2>/dev/null || true)
case "$checkout" in http*/checkout/*) ;; *) die "the app did not open a checkout (opened: '$checkout')" ;; esac
pay=$(curl -fsS "$checkout" | grep -o 'action="/checkout/[^"]*/pay[^"]*"' | head -1 |
  sed 's/^action="//; s/"$//; s/&amp;/\&/g')
[ -n "$pay" ] || die "no 결제하기 form on the checkout page $checkout"
curl -fsS -X POST "${checkout%%/checkout/*}$pay" >/dev/null
until_shown "the payment landed: the order shown, paid" 'p["screen"] == "주문 내역" and "주문 취소" in [t[0] for t in p["targets"]]' 30
snap order
quit_app

say "requests (부탁) as people use them: the 부탁 tab, a request posted through its form, a quote from another member's app, accepting it short of points, charging points, accepting"
read -r helper_email helper_password < <(awk '$2 == "seojun@moa.example" { print $2, $3; exit }' "$work/server.out")
[ -n "${helper_password:-}" ] || die "no demo credentials for seojun@moa.example in the server output"
starts=$(TZ=Asia/Seoul date -d '+10 days' +%F)
ends=$(TZ=Asia/Seoul date -d '+12 days' +%F)
# (ASCII: xdotool's Hangul loses syllables in WebKit's inputs.)
request_title="Ghibli Museum tickets for two"
targets_have() { printf '%s in [t[0] for t in p["targets"]]' "$1"; }
SENT='"보낼 변경" not in (p["status"] or "")'
launch requests "$work/member"
until_shown "the stored session: the feed live" "$LIVE"
click_until "부탁" "the 부탁 tab" "p[\"screen\"] == \"부탁\" and $(targets_have '"둘러보기"')"
until_shown "the open requests listed" 'not any("불러오는 중" in s for s in p["statuses"])' 20
snap requests
click_until "+ 부탁하기" "the request form" "$(targets_have '"title"')"
type_into title "$request_title"
click "대리 구매"
type_into region "Tokyo Mitaka"
type_into starts_on "$starts"
type_into ends_on "$ends"
type_into budget_min "50000"
type_into budget_max "150000"
type_into details "Two tickets for the 3pm slot on any of these days, and a photo of the receipt please."
# Back to the top of the form for its picture.
xdotool mousemove --window "$wid" 760 400 click --repeat 10 --delay 40 4
snap request-form
click budget_max
xdotool key Return
until_shown "the request posted: its page, for its requester" "$(targets_have '"부탁 취소"') and $(targets_have '"수정"')" 20
until_shown "the request sent to the server" "$SENT" 30
quit_app
token=$(curl -fsS -X POST "$url/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"email\":\"$member_email\",\"password\":\"$member_password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
request_id=$(curl -fsS "$url/v1/me/requests" -H "authorization: Bearer $token" |
  python3 -c 'import json,sys; print(next(r["id"] for r in json.load(sys.stdin)["items"] if r["title"] == sys.argv[1]))' "$request_title")
[ -n "$request_id" ] || die "the request posted through the form is not on the server"

say "another member quotes on it through their app"
launch helper-signin "$work/helper"
sign_in "$helper_email" "$helper_password"
quit_app
launch helper-quote "$work/helper" --open "request:$request_id"
until_shown "the request's page with the quote form" "$(targets_have '"price"')" 30
type_into price "120000"
type_into message "I live near Mitaka and can go on the first day. Receipt photo included."
click "견적 보내기"
until_shown "the quote sent: shown as the member's own" "$(targets_have '"견적 철회"') and $SENT" 30
snap request-quote
quit_app

say "the requester accepts it: short of points, charges, accepts"
launch request "$work/member" --open "request:$request_id"
until_shown "the requester's page with the quote and 수락" "$(targets_have '"수락"')" 30
snap request-detail
click "수락"
until_shown "asked before accepting" "$(targets_have '"수락하기"')" 10
click "수락하기"
until_shown "accepted, or short of points" "$(targets_have '"💰 포인트 충전하기"') or p[\"screen\"] == \"채팅\"" 20
if probe "$(targets_have '"💰 포인트 충전하기"')"; then
  snap request-short
  click "💰 포인트 충전하기"
  until_shown "the points screen" "p[\"screen\"] == \"포인트\" and $(targets_have '"amount"')" 15
  # A preset amount (typing into a freshly shown field can lose keys);
  # 90,000P of the demo + 100,000P covers the 120,000원 quote.
  click_until "10만원" "the 100,000P preset picked" "$(targets_have '"100,000원 결제하고 충전하기"')"
  click "100,000원 결제하고 충전하기"
  until_shown "the checkout open and the app waiting" "$(targets_have '"결제 확인"')" 15
  checkout=$(tail -1 "$work/opened" 2>/dev/null || true)
  case "$checkout" in http*/checkout/*) ;; *) die "the app did not open a checkout for the points (opened: '$checkout')" ;; esac
  pay=$(curl -fsS "$checkout" | grep -o 'action="/checkout/[^"]*/pay[^"]*"' | head -1 |
    sed 's/^action="//; s/"$//; s/&amp;/\&/g')
  [ -n "$pay" ] || die "no 결제하기 form on the checkout page $checkout"
  curl -fsS -X POST "${checkout%%/checkout/*}$pay" >/dev/null
  until_shown "the charge landed: the points in, refundable" "not p[\"dialog\"] and $(targets_have '"환불"')" 30
  snap points
  click "←"
  until_shown "back on the request" "$(targets_have '"수락"')" 15
  click "수락"
  until_shown "asked before accepting" "$(targets_have '"수락하기"')" 10
  click "수락하기"
  until_shown "accepted: the pair's chat room open" 'p["screen"] == "채팅"' 20
else
  shot_points=1
fi
snap request-chat
quit_app
if [ -n "${shot_points:-}" ]; then shot points points; fi

say "signing out, signing up a new member through the form, then in as the admin"
launch switch "$work/member"
until_shown "the stored session: the feed live" "$LIVE"
sign_out
click "처음이신가요? 가입하기"
until_shown "the sign-up form" 'any(t[0] == "handle" for t in p["targets"])' 10
newbie="form$RANDOM"
type_into email "$newbie@moa.example"
type_into password "password-$newbie"
type_into handle "$newbie"
type_into display_name "새 회원"
xdotool key Return
until_shown "signed up as $newbie: the feed live" "$LIVE and \"@$newbie\" in (p[\"member\"] or \"\")"
sign_out
say "the new member forgets the password: a code by mail (the demo's mail folder), a new password"
click_until "비밀번호를 잊으셨나요?" "the reset form" 'any(t[0] == "코드 받기" for t in p["targets"])'
type_into email "$newbie@moa.example"
click "코드 받기"
until_shown "the code step" 'any(t[0] == "code" for t in p["targets"])' 15
reset_code() {
  python3 - "$work/server/mail" "$newbie@moa.example" <<'PY'
import email, email.policy, pathlib, re, sys
mails = sorted(pathlib.Path(sys.argv[1]).glob("*.eml"), key=lambda p: p.stat().st_mtime)
for path in reversed(mails):
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    if sys.argv[2] in str(msg["To"]):
        print(re.search(r"\b\d{6}\b", msg.get_body(("plain",)).get_content()).group(0))
        break
PY
}
code=""
for _ in $(seq 1 25); do code=$(reset_code 2>/dev/null || true); [ -n "$code" ] && break; sleep 0.2; done
[ -n "$code" ] || die "no reset code mailed to $newbie@moa.example in $work/server/mail"
snap reset-password
type_into code "$code"
type_into new_password "new-password-$newbie"
type_into new_password_again "new-password-$newbie"
xdotool key Return
until_shown "the password reset: signed in as $newbie" "$LIVE and \"@$newbie\" in (p[\"member\"] or \"\")"
say "the new member verifies a mobile number in 설정: a code texted (the demo's fake SENS logs it), typed back"
click_until "설정" "the settings screen" 'p["screen"] == "설정"'
until_shown "the phone verification form" 'any(t[0] == "verify-phone" for t in p["targets"])' 15
scroll_into_view verify-phone
newbie_phone="010-7$(printf '%03d' $((RANDOM % 1000)))-$(printf '%04d' $((RANDOM % 10000)))"
type_into verify-phone "$newbie_phone"
sleep 0.3
click "인증번호 받기"
until_shown "the code step" 'any(t[0] == "phone-code" for t in p["targets"])' 15
phone_digits=$(printf '%s' "$newbie_phone" | tr -d -)
phone_code=""
for _ in $(seq 1 25); do
  phone_code=$(grep -h "FAKE SENS got a text" "$work/server.out" "$work/server.err" 2>/dev/null | grep "$phone_digits" |
    tail -1 | grep -o '인증번호 \[[0-9]\{6\}\]' | grep -o '[0-9]\{6\}' || true)
  [ -n "$phone_code" ] && break
  sleep 0.2
done
[ -n "$phone_code" ] || die "no verification code for $phone_digits in the demo server's log"
type_into phone-code "$phone_code"
snap phone-verify
click "확인"
until_shown "the number verified" 'any("인증된 번호" in s for s in p["statuses"])' 15
sign_out
# The admin signs in on an app started afresh. (Signing in again in the same
# app right after this sign-out sometimes stayed signed out or offline under
# load: a race left for its own issue, see the closing note of issue 18.)
quit_app

say "sign-in with Naver as a newcomer (the demo's fake Naver): the providers' buttons, the sign-up form, 연결된 계정"
# The system browser, as the app's BROWSER: on the fake Naver's login page
# the person picks 새봄 (its form posts id=naver-demo-newcomer to the same
# address), and the browser follows the answer's redirect to the app's
# loopback address (http://127.0.0.1:PORT/oauth/callback?code=…&state=…).
mkdir -p "$work/bin"
cat >"$work/bin/naver-browser" <<BROWSER
#!/bin/sh
exec >>"$work/naver-browser.log" 2>&1
echo "opened: \$1"
curl -fsS "\$1" | grep -q 'value="naver-demo-newcomer"' || echo "no newcomer on the login page"
back=\$(curl -sS -o /dev/null -D - -X POST --data 'id=naver-demo-newcomer' "\$1" |
  tr -d '\r' | awk 'tolower(\$1) == "location:" { print \$2; exit }')
echo "redirected to: \$back"
case "\$back" in http://127.0.0.1:*/oauth/callback\?*) ;; *) echo "not the app's loopback address"; exit 1 ;; esac
curl -fsS "\$back" >"$work/naver-browser.page" && echo "the app answered"
BROWSER
chmod +x "$work/bin/naver-browser"
SIGNUP_FORM='any(t[0] == "social-handle" for t in p["targets"])'
export BROWSER="$work/bin/naver-browser"
launch social "$work/social"
unset BROWSER
until_shown "the sign-in form with the providers' buttons" 'p["sign_in_form"] and any(t[0] == "네이버로 계속하기" for t in p["targets"])' 20
snap social-signin
click_until "네이버로 계속하기" "the browser opened, the app waiting" \
  "any(\"브라우저에서 로그인을 마쳐 주세요\" in s for s in p[\"statuses\"]) or $SIGNUP_FORM"
for _ in $(seq 1 100); do
  probe "$SIGNUP_FORM or p[\"form_error\"]" && break
  sleep 0.2
done
probe "$SIGNUP_FORM" ||
  die "no sign-up form after Naver; the browser: $(cat "$work/naver-browser.log" 2>/dev/null); the window shows $(cat "$work/$app_name.json")"
printf '  %s\n' "the newcomer's sign-up form (모아에 처음 오셨네요!)" >&2
grep -q "모아로 돌아가세요" "$work/naver-browser.page" ||
  die "the browser was not told to go back to Moa: $(cat "$work/naver-browser.page" 2>/dev/null)"
snap social-signup
click "가입하기"
until_shown "signed up through Naver as 새봄: the feed live" "$LIVE and \"새봄\" in (p[\"member\"] or \"\")" 30
click_until "설정" "the settings screen" 'p["screen"] == "설정"'
until_shown "the linked sign-ins: Naver, saebom@naver.com" '"saebom@naver.com" in (p.get("linked") or "")' 15
scroll_into_view "💰 포인트 관리"
snap linked-accounts
quit_app

say "the admin signs in"
launch admin-signin "$work/admin"
sign_in "$admin_email" "$admin_password"
until_shown "the admin's own account shown" "\"@$newbie\" not in (p[\"member\"] or \"\") and any(\"신고 처리\" in t[0] for t in p[\"targets\"])" 10
quit_app

shot admin-reports admin "$work/admin"

say "the back office as the admin: orders, one order refunded, the Excel export, the dashboard"
# The save dialog: rfd asks the XDG desktop portal, and without one (as
# under Xvfb) runs zenity; this zenity notes what it was asked and answers
# with a path, as a person keeping the offered name in a folder would.
mkdir -p "$work/exports"
printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>"%s/zenity-args"\nprintf "%%s\\n" "%s/exports/orders"\n' \
  "$work" "$work" >"$work/bin/zenity"
chmod +x "$work/bin/zenity"
launch back-office "$work/admin"
until_shown "the stored session: the feed live" "$LIVE"
click_until "운영 관리" "the order table with its totals" \
  'p["screen"] == "운영 관리" and any("결제 완료 금액" in s for s in p["statuses"]) and "[모두] 진공 텀블러 공동구매" in [t[0] for t in p["targets"]]'
snap admin-orders
# The newest order first: the member's, paid above through the checkout.
click "[모두] 진공 텀블러 공동구매"
until_shown "the order opened over the table" '"진행 상황" in (p["dialog"] or "") and "환불" in [t[0] for t in p["targets"]]' 15
click "환불"
until_shown "the refund asks for a reason" 'any(t[0] == "reason" for t in p["targets"])' 10
# (A ticket number: xdotool's Hangul loses syllables in WebKit's textarea.)
type_into reason "CS-1042"
snap admin-order-refund
click "환불"
until_shown "the refund done: the order refunding" '"환불 진행 중" in (p["dialog"] or "") or "환불 완료" in (p["dialog"] or "")' 20
snap admin-order
click "×"
until_shown "the order closed" 'not p["dialog"]' 10
click "엑셀 내보내기"
until_shown "the export saved" 'any("건을 저장했습니다" in s for s in p["statuses"])' 60
grep -q -- "--save" "$work/zenity-args" || die "the save dialog was not asked to save: $(cat "$work/zenity-args")"
grep -q "moa-orders-[0-9]\{8\}\.xlsx" "$work/zenity-args" || die "the save dialog did not offer moa-orders-YYYYMMDD.xlsx: $(cat "$work/zenity-args")"
[ "$(head -c 2 "$work/exports/orders.xlsx" 2>/dev/null)" = "PK" ] || die "no Excel workbook at $work/exports/orders.xlsx"
snap admin-export
click_until "통계" "the dashboard" '"최근 30일" in [t[0] for t in p["targets"]]'
until_shown "the dashboard's charts" 'not any("불러오는 중" in s for s in p["statuses"])' 20
snap admin-dashboard
# Further down: sign-ups, reports, and each group-buy's funnel.
xdotool mousemove --window "$wid" 760 560 click --repeat 7 --delay 40 5
snap admin-dashboard-funnels
click_until "상품·공동구매" "the group-buys" '"+ 새 공동구매" in [t[0] for t in p["targets"]] and "조기 마감" in [t[0] for t in p["targets"]]'
snap admin-shop
click_until "+ 새 공동구매" "the form that opens a group-buy" '"공동구매 열기" in [t[0] for t in p["targets"]]'
snap admin-campaign-form
click_last "취소"
until_shown "the form closed" 'not p["dialog"]' 10
click_until "상품" "the products" '"+ 새 상품" in [t[0] for t in p["targets"]]'
click_until "수정" "a product's form with its options" '"+ 옵션 추가" in [t[0] for t in p["targets"]] or "+ 선택지 추가" in [t[0] for t in p["targets"]]'
snap admin-product-form
click_last "취소"
until_shown "the form closed" 'not p["dialog"]' 10
click_until "문자" "the texts form" '"미리 보기" in [t[0] for t in p["targets"]]'
# (ASCII: xdotool's Hangul loses syllables in WebKit's textarea.)
type_into text-body "Winter group-buy opens Friday 6pm"
click "미리 보기"
until_shown "the preview: recipients and cost" 'any("받는 사람" in s and "예상 비용" in s for s in p["statuses"])' 20
snap admin-texts
# The send button is below the fold: scroll to it.
xdotool mousemove --window "$wid" 760 560 click --repeat 8 --delay 40 5
until_shown "the send button in view" 'any(t[0] == "보내기" and t[2] < 780 for t in p["targets"])' 10
# (A click that lands while the scroll is still settling can be lost: the
# next tries click again until the confirmation shows.)
click_until "보내기" "asked once more" 'any(t[0] == "취소" for t in p["targets"]) and any(t[0] == "보내기" and t[2] < 780 for t in p["targets"])'
click_last "보내기"
until_shown "sent: the send listed, delivered" 'any("보냄" in s and "대기 0" in s for s in p["statuses"])' 30
snap admin-texts-sent
quit_app
say "screenshots in $out"
