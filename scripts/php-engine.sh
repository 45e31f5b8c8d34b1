#!/usr/bin/env bash
# Builds the Wasmtime engine the PHP package bundles (bindings-wasm/php/engine:
# the published wasmtime-c-api-impl crate, trimmed) for one platform, into
# bindings-wasm/php/resources/engine/<platform>/, where Engine::library()
# looks after the environment variable and php.ini. Linked by zig, like the
# napi addon: glibc 2.17 on Linux. A library newer than its sources is kept.
#
#   scripts/php-engine.sh [RUST_TARGET]    (default: x86_64-unknown-linux-gnu)
#
# Prints the library's path.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-x86_64-unknown-linux-gnu}
zig=""
case $target in
  x86_64-unknown-linux-gnu) platform=linux-x86_64 zig=.2.17 ;;
  aarch64-unknown-linux-gnu) platform=linux-aarch64 zig=.2.17 ;;
  x86_64-unknown-linux-musl) platform=linux-x86_64-musl ;;
  aarch64-unknown-linux-musl) platform=linux-aarch64-musl ;;
  x86_64-apple-darwin) platform=darwin-x86_64 ;;
  aarch64-apple-darwin) platform=darwin-aarch64 ;;
  *) echo "php-engine.sh: no engine platform for $target" >&2; exit 2 ;;
esac
case $target in *apple*) file=libwasmtime.dylib ;; *) file=libwasmtime.so ;; esac
engine=bindings-wasm/php/engine
out=bindings-wasm/php/resources/engine/$platform
if [ -f "$out/$file" ] && [ "$out/$file" -nt "$engine/Cargo.lock" ] && [ "$out/$file" -nt "$engine/src/lib.rs" ]; then
  echo "$out/$file"
  exit 0
fi
scripts/ensure-tools.sh zig >&2
rustup target list --installed | grep -qx "$target" || rustup target add "$target" >&2
if [[ $target == *musl* ]]; then
  # A cdylib cannot be a static-CRT musl binary.
  export RUSTFLAGS="-C target-feature=-crt-static"
fi
PATH="$PWD/target/py-tools/bin:$PATH" CARGO_TARGET_DIR="$PWD/target/php-engine" \
  cargo zigbuild --release --locked --manifest-path "$engine/Cargo.toml" --target "$target$zig" >&2
mkdir -p "$out"
cp "target/php-engine/$target/release/$file" "$out/$file"
echo "$out/$file"
