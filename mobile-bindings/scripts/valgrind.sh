#!/usr/bin/env bash
# The leak check under valgrind, beside the live-handle count the suite
# asserts after every test: runs the Python suite (or what PYTEST ARGS
# select) in valgrind's memcheck and fails on memory definitely or
# indirectly lost. About a minute here; not part of scripts/test.
#
#   mobile-bindings/scripts/valgrind.sh [PYTEST ARGS...]
#
# Uninitialised-value reports are switched off: without CPython's
# suppression file they are all false alarms from its garbage collector.
# The pytest process is checked; the moa-server processes it starts are not.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
ensure_rust
use_target_dir
command -v valgrind >/dev/null || ensure_packages valgrind
python3 -c 'import pytest' 2>/dev/null || die "pytest is missing (mobile-bindings/scripts/test.sh installs it)"
if [ "${MOA_SKIP_BUILD:-}" != 1 ]; then
  cargo build --workspace --all-targets --locked >&2 || die "cargo build failed"
fi

work=$(mktemp -d /tmp/moa-bindings-valgrind.XXXXXX)
trap 'rm -rf "$work"' EXIT
lib="$TARGET_DIR/debug/libmoa_mobile_bindings.so"
"$TARGET_DIR/debug/uniffi-bindgen" generate --library "$lib" --language python --no-format \
  --out-dir "$work/python" >/dev/null || die "uniffi-bindgen could not generate Python"
cp "$lib" "$work/python/"
python=$(python3 -c 'import sys; print(sys.executable)')  # not a pyenv shim script
say "pytest under valgrind"
set +e
MOA_BINDINGS_PY="$work/python" MOA_SERVER_BIN="$TARGET_DIR/debug/moa-server" PYTHONMALLOC=malloc \
  valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --undef-value-errors=no --error-exitcode=99 \
    --num-callers=40 --log-file="$work/valgrind.log" \
    "$python" -m pytest mobile-bindings/tests -p no:cacheprovider -q "$@"
status=$?
set -e
grep -E "definitely lost|indirectly lost|possibly lost|ERROR SUMMARY" "$work/valgrind.log" | sed 's/^==[0-9]*== */valgrind: /'
if [ "$status" -ne 0 ]; then
  cp "$work/valgrind.log" /tmp/moa-bindings-valgrind.log
  die "failed (status $status); valgrind's log: /tmp/moa-bindings-valgrind.log"
fi
