# Shared helpers for scripts/run and scripts/test: install what is missing
# (Debian/Ubuntu), start a throwaway PostgreSQL cluster. Sourced, not run.

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs Debian packages that are not installed yet (as root, or via sudo).
# What building and running the desktop app needs (webview, fonts), and what
# its screenshots need (a virtual display, xdotool, ImageMagick).
DESKTOP_PACKAGES="libwebkit2gtk-4.1-dev libxdo-dev libssl-dev fonts-noto-cjk fonts-noto-color-emoji"
SCREENSHOT_PACKAGES="xvfb xauth xdotool imagemagick curl dbus-daemon"

ensure_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    die "please install these packages with your system's package manager: ${missing[*]}"
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "run as root, or install: apt-get install -y ${missing[*]}"
    sudo="sudo"
  fi
  say "installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_rust() {
  if ! command -v cargo >/dev/null; then
    die "Rust is not installed. Install it with rustup (https://rustup.rs):
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y && . \"\$HOME/.cargo/env\""
  fi
}

# The build cache: shared across clones when MOA_TARGET_DIR/CARGO_TARGET_DIR is set.
use_target_dir() {
  if [ -n "${MOA_TARGET_DIR:-}" ]; then export CARGO_TARGET_DIR="$MOA_TARGET_DIR"; fi
  TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
}

# Below Linux's ephemeral range (32768-60999), so an outgoing connection
# cannot take it between this check and the bind.
free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$(( (RANDOM % 20000) + 10000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  die "no free port found"
}

# Starts a PostgreSQL cluster in a temp dir on a free port; sets
# MOA_TEST_POSTGRES_URL and PG_TMP. Stop it with stop_throwaway_postgres.
start_throwaway_postgres() {
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -x "$bindir/initdb" ] || die "PostgreSQL server binaries not found (apt-get install postgresql)"
  PG_TMP=$(mktemp -d /tmp/moa-pg.XXXXXX)
  local port; port=$(free_port)
  local as=()
  if [ "$(id -u)" -eq 0 ]; then
    # initdb refuses to run as root: the cluster belongs to the postgres user.
    id postgres >/dev/null 2>&1 || die "user 'postgres' missing (apt-get install postgresql)"
    chown postgres: "$PG_TMP"
    as=(runuser -u postgres --)
  fi
  PG_AS=("${as[@]}")
  PG_BIN="$bindir"
  say "starting a throwaway PostgreSQL ($("$bindir/postgres" --version | awk '{print $3}')) on port $port"
  "${as[@]}" "$bindir/initdb" -D "$PG_TMP/data" -U moa -A trust -E UTF8 --locale=C.UTF-8 >"$PG_TMP/initdb.log" 2>&1 \
    || { cat "$PG_TMP/initdb.log"; die "initdb failed"; }
  "${as[@]}" "$bindir/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 60 start \
    -o "-p $port -k $PG_TMP -c listen_addresses=127.0.0.1 -c max_connections=300 ${PG_DURABILITY:--c fsync=off -c synchronous_commit=off -c full_page_writes=off}" >/dev/null \
    || { cat "$PG_TMP/server.log"; die "PostgreSQL did not start"; }
  export MOA_TEST_POSTGRES_URL="postgres://moa@127.0.0.1:$port/postgres"
}

stop_throwaway_postgres() {
  [ -n "${PG_TMP:-}" ] || return 0
  "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_TMP"
  PG_TMP=""
}

# Where tools built for the scripts (s3s-fs, dssim) are installed.
tools_dir() {
  local dir="${MOA_TOOLS_DIR:-/var/cache/moa-tools}"
  if ! mkdir -p "$dir" 2>/dev/null || [ ! -w "$dir" ]; then dir="$HOME/.cache/moa-tools"; mkdir -p "$dir"; fi
  echo "$dir"
}

# The real SMTP server the tests mail through (aiosmtpd from PyPI, pinned),
# in a venv under the tools dir (kept across runs); exports
# MOA_TEST_SMTP_PYTHON for tests/src/smtp.rs.
ensure_smtp_capture() {
  local venv; venv="$(tools_dir)/smtp-venv"
  if ! "$venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
    say "installing aiosmtpd 1.4.6 (a real SMTP server for the tests)"
    python3 -m venv "$venv" >&2 || die "python3 -m venv failed (apt install python3-venv)"
    "$venv/bin/pip" install --quiet --disable-pip-version-check aiosmtpd==1.4.6 >&2 \
      || die "pip install aiosmtpd failed"
  fi
  export MOA_TEST_SMTP_PYTHON="$venv/bin/python"
}

# A real OpenID Connect provider for the sign-in tests (oidc-provider-mock
# from PyPI, pinned: 0.3.4 is its last release for Python 3.11), in a venv
# under the tools dir; exports MOA_TEST_OIDC_PROVIDER (its command) for
# tests/src/oidc.rs, the bindings' tests and the screenshots.
ensure_oidc_provider() {
  local venv; venv="$(tools_dir)/oidc-venv"
  if [ ! -x "$venv/bin/oidc-provider-mock" ]; then
    say "installing oidc-provider-mock 0.3.4 (a real OpenID provider for the tests)"
    python3 -m venv "$venv" >&2 || die "python3 -m venv failed (apt install python3-venv)"
    "$venv/bin/pip" install --quiet --disable-pip-version-check oidc-provider-mock==0.3.4 >&2 \
      || die "pip install oidc-provider-mock failed"
  fi
  export MOA_TEST_OIDC_PROVIDER="$venv/bin/oidc-provider-mock"
}

# Installs a crate's binary into tools_dir (once): ensure_cargo_tool BIN CRATE ARGS...
ensure_cargo_tool() {
  local bin="$1"; shift
  local root; root=$(tools_dir)
  if [ ! -x "$root/bin/$bin" ]; then
    say "installing $bin (cargo install, once)"
    # Its own target dir: the workspace's profile settings must not apply.
    CARGO_TARGET_DIR="$root/target" cargo install --quiet --root "$root" "$@" >&2 \
      || die "cargo install $* failed"
    rm -rf "$root/target"
  fi
  echo "$root/bin/$bin"
}

# Starts s3s-fs, an S3-compatible server over a temp dir, on a free port with
# one bucket; sets MOA_TEST_S3_ENDPOINT/BUCKET/ACCESS_KEY/SECRET_KEY and S3_TMP.
start_throwaway_s3() {
  local bin; bin=$(ensure_cargo_tool s3s-fs s3s-fs --version 0.14.1 --features binary --locked)
  S3_TMP=$(mktemp -d /tmp/moa-s3.XXXXXX)
  mkdir -p "$S3_TMP/data/moa-test"
  local port; port=$(free_port)
  export MOA_TEST_S3_ACCESS_KEY="moa-test-key" MOA_TEST_S3_SECRET_KEY="moa-test-secret"
  "$bin" --host 127.0.0.1 --port "$port" --access-key "$MOA_TEST_S3_ACCESS_KEY" \
    --secret-key "$MOA_TEST_S3_SECRET_KEY" "$S3_TMP/data" >"$S3_TMP/server.log" 2>&1 &
  S3_PID=$!
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    kill -0 "$S3_PID" 2>/dev/null || { cat "$S3_TMP/server.log"; die "s3s-fs did not start"; }
    sleep 0.1
  done
  say "started a throwaway S3 server (s3s-fs) on port $port"
  export MOA_TEST_S3_ENDPOINT="http://127.0.0.1:$port" MOA_TEST_S3_BUCKET="moa-test"
}

stop_throwaway_s3() {
  [ -n "${S3_TMP:-}" ] || return 0
  kill "$S3_PID" 2>/dev/null || true
  wait "$S3_PID" 2>/dev/null || true
  rm -rf "$S3_TMP"
  S3_TMP=""
}
