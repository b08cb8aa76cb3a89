#!/usr/bin/env bash
# Generates the Kotlin and Swift sources of moa-mobile-bindings (and the C
# header and module map Swift needs) into OUTDIR, from the compiled library
# of this machine: the interface is read from the library's metadata, which
# is the same for every target, so the sources fit the Android and iOS
# builds too. Then checks that the header compiles (gcc -fsyntax-only).
#
#   mobile-bindings/scripts/generate.sh OUTDIR
#
# OUTDIR/kotlin/app/moa/bindings/moa_mobile_bindings.kt
# OUTDIR/swift/MoaBindings.swift, MoaBindingsFFI.h, MoaBindingsFFI.modulemap
#
# Set MOA_BINDINGS_LIB to generate from an already built library instead of
# building this machine's (any target's works: .so, .dylib or the iOS .a).
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
mkdir -p "$1"
out=$(cd "$1" && pwd)
cd "$(dirname "$0")/../.."
. scripts/lib.sh
ensure_rust
use_target_dir
command -v gcc >/dev/null || die "gcc is needed to check the generated C header (apt-get install gcc)"

bindgen="$TARGET_DIR/debug/uniffi-bindgen"
if [ -z "${MOA_BINDINGS_LIB:-}" ]; then
  say "building the bindings library and uniffi-bindgen"
  # The same command as scripts/test: one feature set, so no second copy of
  # the dependencies in the build cache.
  cargo build --workspace --all-targets --locked >&2 || die "cargo build failed"
  case "$(uname -s)" in
    Darwin) MOA_BINDINGS_LIB="$TARGET_DIR/debug/libmoa_mobile_bindings.dylib" ;;
    *) MOA_BINDINGS_LIB="$TARGET_DIR/debug/libmoa_mobile_bindings.so" ;;
  esac
elif [ ! -x "$bindgen" ]; then
  # A library built for another target (an Android .so, an iOS .a) carries
  # the same interface; only the generator has to run here.
  say "building uniffi-bindgen"
  cargo build --locked -p moa-uniffi-bindgen >&2 || die "cargo build -p moa-uniffi-bindgen failed"
fi
[ -f "$MOA_BINDINGS_LIB" ] || die "no library at $MOA_BINDINGS_LIB"
[ -x "$bindgen" ] || die "no uniffi-bindgen at $bindgen (cargo build --workspace)"

rm -rf "$out/kotlin" "$out/swift"
for lang in kotlin swift; do
  # Run inside the workspace: uniffi-bindgen reads mobile-bindings/uniffi.toml
  # through cargo metadata. No formatter here (ktlint/swift-format are not on
  # this machine); the sources are valid as generated.
  "$bindgen" generate --library "$MOA_BINDINGS_LIB" --language "$lang" --no-format \
    --out-dir "$out/$lang" >/dev/null || die "uniffi-bindgen could not generate $lang"
done

kt="$out/kotlin/app/moa/bindings/moa_mobile_bindings.kt"
for f in "$kt" "$out/swift/MoaBindings.swift" "$out/swift/MoaBindingsFFI.h" "$out/swift/MoaBindingsFFI.modulemap"; do
  [ -s "$f" ] || die "expected $f to be generated"
done
grep -q "class MoaClient" "$kt" || die "MoaClient missing from the Kotlin source"
grep -q "class MoaClient" "$out/swift/MoaBindings.swift" || die "MoaClient missing from the Swift source"

# The header as a C compiler sees it. Clang's nullability qualifiers are
# defined away for gcc; -Werror so that a warning fails too.
printf '#include "MoaBindingsFFI.h"\nint main(void) { return 0; }\n' \
  | gcc -fsyntax-only -Werror -Wall -std=c11 -D_Nullable= -D_Nonnull= -I "$out/swift" -x c - \
  || die "the generated C header does not compile"
say "generated Kotlin and Swift sources in $out (the C header compiles)"
