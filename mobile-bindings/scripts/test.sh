#!/usr/bin/env bash
# The mobile bindings' test: builds the library and uniffi-bindgen, generates
# the Python module, runs the pytest suite in mobile-bindings/tests/ against
# real moa-server processes (the suite starts and stops them itself), then
# generates the Kotlin and Swift sources and compiles the C header
# (scripts/generate.sh), then compiles the Kotlin on the JVM and runs its
# JUnit suite against real servers too (scripts/kotlin.sh). Installs pytest,
# Maven and a JDK if they are missing, and oidc-provider-mock (a real OpenID
# provider for the sign-in tests, scripts/lib.sh's ensure_oidc_provider).
#
#   mobile-bindings/scripts/test.sh [PYTEST ARGS...]
#
# Closing lines: "mobile-bindings: N passed, M failed" (the Python suite;
# pytest's own summary is above it), then "kotlin: N passed, M failed" (the
# JUnit suite). Exits non-zero if anything failed. MOA_SKIP_BUILD=1 uses
# what the target dir holds (scripts/test, which has just built it all);
# MOA_SKIP_KOTLIN=1 leaves the JVM out (a quick Python-only run).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
ensure_rust
use_target_dir

PY=python3
ensure_pytest() {
  command -v python3 >/dev/null || ensure_packages python3
  "$PY" -c 'import pytest' 2>/dev/null && return 0
  say "installing pytest"
  if "$PY" -m pip --version >/dev/null 2>&1 \
    && "$PY" -m pip install --quiet --disable-pip-version-check pytest >&2 2>/dev/null \
    && "$PY" -c 'import pytest' 2>/dev/null; then
    return 0
  fi
  # Debian's own Python refuses pip installs (PEP 668): use its package.
  ensure_packages python3-pytest
  PY=/usr/bin/python3
  "$PY" -c 'import pytest' 2>/dev/null || die "cannot install pytest (python3 -m pip install pytest)"
}
ensure_pytest
command -v gcc >/dev/null || ensure_packages gcc
# A real OpenID Connect provider for test_social.py (MOA_TEST_OIDC_PROVIDER).
ensure_oidc_provider

if [ "${MOA_SKIP_BUILD:-}" != 1 ]; then
  say "building the bindings library, uniffi-bindgen and moa-server"
  # The same command as scripts/test (one feature set, one copy of each
  # dependency in the cache): nothing to do when it ran just before.
  cargo build --workspace --all-targets --locked >&2 || die "cargo build failed"
fi
lib="$TARGET_DIR/debug/libmoa_mobile_bindings.so"
server="$TARGET_DIR/debug/moa-server"

work=$(mktemp -d /tmp/moa-bindings-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/python"
"$TARGET_DIR/debug/uniffi-bindgen" generate --library "$lib" --language python --no-format \
  --out-dir "$work/python" >/dev/null || die "uniffi-bindgen could not generate Python"
# The generated module loads the library from its own directory.
cp "$lib" "$work/python/"

say "pytest: the bindings against a real server"
set +e
MOA_BINDINGS_PY="$work/python" MOA_SERVER_BIN="$server" \
  "$PY" -m pytest mobile-bindings/tests -p no:cacheprovider -q "$@" 2>&1 | tee "$work/pytest.log"
status=${PIPESTATUS[0]}
set -e

say "generating the Kotlin and Swift sources"
if ! MOA_BINDINGS_LIB="$lib" mobile-bindings/scripts/generate.sh "$work/generated"; then
  status=1
  echo "error: generating the Kotlin and Swift sources failed" >&2
fi

# pytest's last line, e.g. "1 failed, 4 passed in 20.1s", summed up.
awk '/ in [0-9.]+s/ { line = $0 }
     END { n = split(line, w, /[ ,]+/); for (i = 2; i <= n; i++) {
             if (w[i] ~ /^passed/) p += w[i-1]; if (w[i] ~ /^(failed|errors?)/) f += w[i-1] }
           printf "mobile-bindings: %d passed, %d failed\n", p, f }' "$work/pytest.log"

# The Kotlin bindings on the JVM; its closing line "kotlin: N passed, M
# failed" is the last line of this script.
if [ "${MOA_SKIP_KOTLIN:-}" != 1 ]; then
  MOA_SKIP_BUILD=1 mobile-bindings/scripts/kotlin.sh || status=1
fi
exit "$status"
