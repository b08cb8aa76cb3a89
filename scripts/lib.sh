# Shared helpers for scripts/run and scripts/test: install what is missing
# (Debian/Ubuntu), start a throwaway PostgreSQL cluster. Sourced, not run.

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs Debian packages that are not installed yet (as root, or via sudo).
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

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$(( (RANDOM % 20000) + 30000 ))
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
    -o "-p $port -k $PG_TMP -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null \
    || { cat "$PG_TMP/server.log"; die "PostgreSQL did not start"; }
  export MOA_TEST_POSTGRES_URL="postgres://moa@127.0.0.1:$port/postgres"
}

stop_throwaway_postgres() {
  [ -n "${PG_TMP:-}" ] || return 0
  "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_TMP"
  PG_TMP=""
}
