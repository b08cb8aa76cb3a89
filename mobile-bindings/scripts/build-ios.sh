#!/usr/bin/env bash
# Builds the iOS bindings as a Swift package: the Rust library as static
# libraries for devices (aarch64-apple-ios) and the simulator
# (aarch64-apple-ios-sim and x86_64-apple-ios, merged with lipo), wrapped
# with the generated C header and module map into MoaBindingsFFI.xcframework,
# next to the generated Swift sources.
#
#   mobile-bindings/scripts/build-ios.sh [--debug] [OUTDIR]
#
# OUTDIR (default mobile-bindings/target/ios) becomes the Swift package
# MoaBindings (see mobile-bindings/README.md, "iOS"). Needs macOS with
# Xcode (xcodebuild, lipo) and the three rustup targets; each is checked
# first, and the script stops with what to install rather than build half.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here/.."
. scripts/lib.sh

profile=release
if [ "${1:-}" = "--debug" ]; then profile=debug; shift; fi
out="${1:-$here/target/ios}"
DEVICE=aarch64-apple-ios
SIMULATORS=(aarch64-apple-ios-sim x86_64-apple-ios)

# ----- what must be there (all of it reported at once) ----------------------
problems=()
if [ "$(uname -s)" != Darwin ]; then
  problems+=("macOS: iOS libraries are built on macOS with Xcode, this is $(uname -s) (here, mobile-bindings/scripts/generate.sh OUTDIR still generates the Swift sources)")
else
  command -v xcodebuild >/dev/null && xcodebuild -version >/dev/null 2>&1 \
    || problems+=("Xcode: install it, then sudo xcode-select -s /Applications/Xcode.app")
  command -v lipo >/dev/null || problems+=("lipo: xcode-select --install")
fi
ensure_rust
if command -v rustup >/dev/null; then
  installed=$(rustup target list --installed)
  missing=()
  for t in "$DEVICE" "${SIMULATORS[@]}"; do grep -qx "$t" <<<"$installed" || missing+=("$t"); done
  [ ${#missing[@]} -eq 0 ] || problems+=("Rust targets for iOS: rustup target add ${missing[*]}")
else
  problems+=("rustup, to add the iOS targets: https://rustup.rs")
fi
command -v cmake >/dev/null || problems+=("cmake (for libjpeg-turbo): brew install cmake")
command -v nasm >/dev/null || problems+=("nasm (libjpeg-turbo for the x86_64 simulator): brew install nasm")
if [ ${#problems[@]} -gt 0 ]; then
  printf 'error: cannot build for iOS here; missing:\n' >&2
  printf '  - %s\n' "${problems[@]}" >&2
  exit 1
fi

# ----- build ---------------------------------------------------------------
use_target_dir
flags=(--locked -p moa-mobile-bindings --lib)
[ "$profile" = release ] && flags+=(--release)
for t in "$DEVICE" "${SIMULATORS[@]}"; do
  say "building libmoa_mobile_bindings.a for $t ($profile)"
  cargo build "${flags[@]}" --target "$t" || die "cargo build --target $t failed"
done
lib() { echo "$TARGET_DIR/$1/$profile/libmoa_mobile_bindings.a"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/simulator" "$work/headers"
lipo -create "$(lib "${SIMULATORS[0]}")" "$(lib "${SIMULATORS[1]}")" \
  -output "$work/simulator/libmoa_mobile_bindings.a" || die "lipo failed"

say "generating the Swift sources"
MOA_BINDINGS_LIB="$(lib "$DEVICE")" "$here/scripts/generate.sh" "$work/generated"
cp "$work/generated/swift/MoaBindingsFFI.h" "$work/headers/"
# Inside an XCFramework the module map must be called module.modulemap.
cp "$work/generated/swift/MoaBindingsFFI.modulemap" "$work/headers/module.modulemap"

say "assembling the Swift package in $out"
mkdir -p "$out"
cp -R "$here/ios/." "$out/"
rm -rf "$out/MoaBindingsFFI.xcframework" "$out/Sources/MoaBindings"
mkdir -p "$out/Sources/MoaBindings"
cp "$work/generated/swift/MoaBindings.swift" "$out/Sources/MoaBindings/"
xcodebuild -create-xcframework \
  -library "$(lib "$DEVICE")" -headers "$work/headers" \
  -library "$work/simulator/libmoa_mobile_bindings.a" -headers "$work/headers" \
  -output "$out/MoaBindingsFFI.xcframework" >/dev/null || die "xcodebuild -create-xcframework failed"

say "done: the Swift package MoaBindings in $out (add it as a local package in Xcode)"
