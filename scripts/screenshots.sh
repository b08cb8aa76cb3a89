#!/usr/bin/env bash
# Takes pictures of the desktop app: starts a --demo server and the app under
# Xvfb, signs in as a demo member and as a demo admin, opens the home feed, a
# review, a chat room, the compose screen and the admin report queue, and
# saves a PNG of each into OUTDIR. Fails if a picture is blank.
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
display=":$(( (RANDOM % 400) + 100 ))"
cleanup() {
  [ -n "${app_pid:-}" ] && kill "$app_pid" 2>/dev/null || true
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "${xvfb_pid:-}" ] && kill "$xvfb_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

say "starting a demo server on $url"
MOA_LOG=warn "$TARGET_DIR/debug/moa-server" --demo --data-dir "$work/server" --bind "127.0.0.1:$port" \
  >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 1 300); do
  curl -fsS "$url/health" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.err" >&2; die "the server did not start"; }
  sleep 0.2
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
room=$(curl -fsS "$url/v1/rooms" -H "authorization: Bearer $token" \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); rooms=d["items"] if isinstance(d, dict) else d; print(next(r["room"]["id"] for r in rooms if r["room"]["kind"] == "group"))')

say "starting Xvfb on $display"
Xvfb "$display" -screen 0 1280x820x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
export DISPLAY="$display"
for _ in $(seq 1 50); do xdpyinfo >/dev/null 2>&1 && break; xdotool getmouselocation >/dev/null 2>&1 && break; sleep 0.1; done

# The standard deviation of a picture's pixels: ~0 for a blank one.
spread() { convert "$1" -colorspace Gray -format '%[fx:standard_deviation]' info:; }

# shot NAME DATADIR EMAIL PASSWORD SCREEN
shot() {
  local name=$1 dir=$2 email=$3 password=$4 screen=$5
  say "screenshot: $name ($screen)"
  "$TARGET_DIR/debug/moa" --data-dir "$dir" --server "$url" --email "$email" --password "$password" \
    --open "$screen" --size 1280x820 >"$work/app-$name.log" 2>&1 &
  app_pid=$!
  local wid=""
  for _ in $(seq 1 300); do
    wid=$(xdotool search --name "Moa" 2>/dev/null | head -1 || true)
    [ -n "$wid" ] && break
    kill -0 "$app_pid" 2>/dev/null || { cat "$work/app-$name.log" >&2; die "the app exited"; }
    sleep 0.1
  done
  [ -n "$wid" ] || die "no app window for $name"
  xdotool windowmove "$wid" 0 0 windowsize "$wid" 1280 820 2>/dev/null || true
  # Wait until the picture stops changing (data loaded, photos decoded).
  local last="" now
  for _ in $(seq 1 40); do
    sleep 0.75
    import -window root "$work/$name.png" 2>/dev/null || continue
    now=$(md5sum <"$work/$name.png")
    if [ "$now" = "$last" ] && awk -v s="$(spread "$work/$name.png")" 'BEGIN { exit !(s > 0.05) }'; then break; fi
    last=$now
  done
  cp "$work/$name.png" "$out/$name.png"
  kill "$app_pid" 2>/dev/null || true
  wait "$app_pid" 2>/dev/null || true
  app_pid=""
  local s
  s=$(spread "$out/$name.png")
  awk -v s="$s" 'BEGIN { exit !(s > 0.05) }' || die "$name.png looks blank (pixel spread $s)"
  printf '  %s.png  (pixel spread %s)\n' "$name" "$s" >&2
}

shot home "$work/member" "$member_email" "$member_password" home
shot review "$work/member" "$member_email" "$member_password" "review:$review"
shot chat "$work/member" "$member_email" "$member_password" "chat:$room"
shot compose "$work/member" "$member_email" "$member_password" compose
shot admin-reports "$work/admin" "$admin_email" "$admin_password" admin
say "screenshots in $out"
