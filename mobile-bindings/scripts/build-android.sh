#!/usr/bin/env bash
# Builds the Android library module of the bindings: the Rust library for
# each ABI with cargo-ndk (libmoa_mobile_bindings.so into jniLibs/<abi>/),
# the generated Kotlin sources, and the Gradle module around them.
#
#   mobile-bindings/scripts/build-android.sh [--debug] [OUTDIR]
#
# OUTDIR (default mobile-bindings/target/android) becomes a Gradle build
# with one module, :moa-bindings (see mobile-bindings/README.md, "Android").
# Needs: cargo-ndk, an Android NDK (ANDROID_NDK_HOME, or the newest NDK
# under ANDROID_HOME / ANDROID_SDK_ROOT), and the rustup targets of the
# ABIs. Each one is checked first; the script stops with what to install
# rather than build half of it. ABIS="arm64-v8a x86_64" builds fewer ABIs.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here/.."
. scripts/lib.sh

profile=release
if [ "${1:-}" = "--debug" ]; then profile=debug; shift; fi
out="${1:-$here/target/android}"
ABIS="${ABIS:-arm64-v8a armeabi-v7a x86_64 x86}"

triple_of() {
  case "$1" in
    arm64-v8a) echo aarch64-linux-android ;;
    armeabi-v7a) echo armv7-linux-androideabi ;;
    x86_64) echo x86_64-linux-android ;;
    x86) echo i686-linux-android ;;
    *) die "unknown Android ABI '$1' (arm64-v8a, armeabi-v7a, x86_64, x86)" ;;
  esac
}

# ----- what must be there (all of it reported at once) ----------------------
ensure_rust
problems=()
if command -v rustup >/dev/null; then
  installed=$(rustup target list --installed)
  missing=()
  for abi in $ABIS; do
    t=$(triple_of "$abi")
    grep -qx "$t" <<<"$installed" || missing+=("$t")
  done
  [ ${#missing[@]} -eq 0 ] || problems+=("Rust targets for Android: rustup target add ${missing[*]}")
else
  problems+=("rustup, to add the Android targets: https://rustup.rs")
fi
cargo ndk --version >/dev/null 2>&1 || problems+=("cargo-ndk: cargo install cargo-ndk")
if [ -z "${ANDROID_NDK_HOME:-}" ]; then
  sdk="${ANDROID_HOME:-${ANDROID_SDK_ROOT:-$HOME/Android/Sdk}}"
  ndk=$(ls -d "$sdk"/ndk/*/ 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$ndk" ] && export ANDROID_NDK_HOME="${ndk%/}"
fi
if [ -z "${ANDROID_NDK_HOME:-}" ]; then
  problems+=("an Android NDK: install one (Android Studio > SDK Manager > NDK, or sdkmanager 'ndk;<version>') and set ANDROID_NDK_HOME=/path/to/ndk/<version>")
elif [ ! -d "$ANDROID_NDK_HOME/toolchains/llvm" ]; then
  problems+=("an Android NDK: ANDROID_NDK_HOME=$ANDROID_NDK_HOME has no toolchains/llvm")
fi
# The vendored libjpeg-turbo (moa-media) builds with cmake, and nasm for x86.
command -v cmake >/dev/null || problems+=("cmake (for libjpeg-turbo): apt-get install cmake / brew install cmake")
case " $ABIS " in
  *" x86"*) command -v nasm >/dev/null || problems+=("nasm (libjpeg-turbo on x86): apt-get install nasm / brew install nasm") ;;
esac
if [ ${#problems[@]} -gt 0 ]; then
  printf 'error: cannot build for Android here; missing:\n' >&2
  printf '  - %s\n' "${problems[@]}" >&2
  exit 1
fi

# ----- build ---------------------------------------------------------------
use_target_dir
module="$out/moa-bindings"
say "copying the Gradle build into $out"
mkdir -p "$out"
cp -R "$here/android/." "$out/"
rm -rf "$module/src/main/jniLibs" "$module/src/main/kotlin"
mkdir -p "$module/src/main/jniLibs" "$module/src/main/kotlin"

targets=()
for abi in $ABIS; do targets+=(-t "$abi"); done
flags=(--locked -p moa-mobile-bindings --lib)
[ "$profile" = release ] && flags+=(--release)
say "building libmoa_mobile_bindings.so for: $ABIS ($profile)"
cargo ndk "${targets[@]}" -o "$module/src/main/jniLibs" build "${flags[@]}" \
  || die "cargo ndk build failed"
for abi in $ABIS; do
  [ -s "$module/src/main/jniLibs/$abi/libmoa_mobile_bindings.so" ] \
    || die "cargo ndk did not produce jniLibs/$abi/libmoa_mobile_bindings.so"
done

say "generating the Kotlin sources"
gen=$(mktemp -d)
trap 'rm -rf "$gen"' EXIT
first_abi=${ABIS%% *}
MOA_BINDINGS_LIB="$module/src/main/jniLibs/$first_abi/libmoa_mobile_bindings.so" \
  "$here/scripts/generate.sh" "$gen"
cp -R "$gen/kotlin/." "$module/src/main/kotlin/"

say "done: $out (include ':moa-bindings' in your app, see mobile-bindings/README.md)"
find "$module/src/main" -type f | sed "s|^$out/|  |"
