#!/usr/bin/env bash
# The Kotlin bindings on the JVM: generates the Kotlin source from the
# compiled Linux library, compiles it with the Kotlin compiler from Maven
# Central (mobile-bindings/kotlin/pom.xml: kotlin-maven-plugin, JNA,
# kotlinx-coroutines) and runs the JUnit suite in
# mobile-bindings/kotlin/src/test/kotlin, which loads the library through
# JNA and drives it against real moa-server processes it starts itself.
#
#   mobile-bindings/scripts/kotlin.sh [MVN ARGS...]     # e.g. -Dtest=FlowsTest
#
# Closing line: "kotlin: N passed, M failed" (from Surefire's reports).
# Exits non-zero if anything failed. Installs Maven and a JDK when missing
# (Debian's maven, default-jdk-headless); the first run on a machine
# downloads the plugins and libraries from Maven Central into ~/.m2.
# MOA_SKIP_BUILD=1 uses what the target dir holds (scripts/test.sh). The
# compiled generated source is kept in TARGET_DIR/moa-kotlin and reused
# while the library's interface is unchanged.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
ensure_rust
use_target_dir

if ! command -v mvn >/dev/null || ! command -v javac >/dev/null; then
  ensure_packages maven default-jdk-headless
fi
java_major=$(java -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ { print $2 }')
[ "${java_major%%.*}" -ge 17 ] 2>/dev/null || die "the Kotlin suite needs JDK 17 or newer (java.specification.version is '${java_major}')"

if [ "${MOA_SKIP_BUILD:-}" != 1 ]; then
  say "building the bindings library, uniffi-bindgen and moa-server"
  cargo build --workspace --all-targets --locked >&2 || die "cargo build failed"
fi
lib="$TARGET_DIR/debug/libmoa_mobile_bindings.so"
server="$TARGET_DIR/debug/moa-server"
bindgen="$TARGET_DIR/debug/uniffi-bindgen"
for f in "$lib" "$server" "$bindgen"; do [ -x "$f" ] || [ -f "$f" ] || die "missing $f (cargo build --workspace)"; done

work="$TARGET_DIR/moa-kotlin"
mkdir -p "$work"
fresh=$(mktemp -d /tmp/moa-kotlin.XXXXXX)
trap 'rm -rf "$fresh"' EXIT
"$bindgen" generate --library "$lib" --language kotlin --no-format --out-dir "$fresh" >/dev/null \
  || die "uniffi-bindgen could not generate Kotlin"
kt="app/moa/bindings/moa_mobile_bindings.kt"
[ -s "$fresh/$kt" ] || die "uniffi-bindgen wrote no $kt"

# The 20k-line generated file takes most of the compile time: compile it
# only when it changed (its classes stay in $work/build/classes).
phase=compile
if [ -d "$work/build/classes/app" ] && cmp -s "$fresh/$kt" "$work/generated/$kt"; then
  phase=none
else
  rm -rf "$work/generated" "$work/build/classes"
  mkdir -p "$work/generated"
  cp -R "$fresh/." "$work/generated/"
fi
rm -rf "$work/build/surefire-reports" "$work/build/test-classes"

say "kotlin: the generated Kotlin on the JVM against a real server (main compile: $([ $phase = none ] && echo unchanged, reused || echo yes))"
set +e
# Maven's console still writes colour resets in batch mode: dropped, so that
# the closing line below stands alone.
mvn -q -B -f mobile-bindings/kotlin/pom.xml test \
  -Dmoa.generated="$work/generated" -Dmoa.lib="$lib" -Dmoa.server="$server" \
  -Dmoa.build="$work/build" -Dmoa.compile.phase="$phase" \
  -Dkotlin.compiler.daemon=false -Dsurefire.failIfNoSpecifiedTests=false -Dstyle.color=never "$@" 2>&1 \
  | sed -u -e 's/\x1b\[[0-9;]*m//g' -e '/^$/d'
status=${PIPESTATUS[0]}
set -e

# Surefire's reports, summed: tests - failures - errors - skipped passed.
reports=("$work"/build/surefire-reports/TEST-*.xml)
if [ -e "${reports[0]}" ]; then
  counts=$(sed -n 's/.*<testsuite \(.*\)>.*/\1/p' "${reports[@]}" | awk '
    { t = f = s = 0
      if (match($0, /tests="[0-9]+"/)) t = substr($0, RSTART + 7, RLENGTH - 8)
      if (match($0, /failures="[0-9]+"/)) f += substr($0, RSTART + 10, RLENGTH - 11)
      if (match($0, /errors="[0-9]+"/)) f += substr($0, RSTART + 8, RLENGTH - 9)
      if (match($0, /skipped="[0-9]+"/)) s = substr($0, RSTART + 9, RLENGTH - 10)
      tp += t - f - s; tf += f }
    END { printf "%d %d", tp, tf }')
  passed=${counts% *}
  failed=${counts#* }
else
  passed=0
  failed=0
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "error: the Kotlin build failed before its tests ran (mvn exit $status)" >&2
  failed=1
fi
[ "$status" -ne 0 ] && [ -d "$work/build/surefire-reports" ] \
  && echo "(test output: $work/build/surefire-reports/)" >&2
echo "kotlin: $passed passed, $failed failed"
exit "$status"
