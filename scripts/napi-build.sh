#!/usr/bin/env bash
# Builds the napi addon for one target the way it is released: `napi build -x`
# (cargo-zigbuild), so Linux addons link against glibc 2.17 or musl and macOS
# ones against the SDK zig carries. Usage: scripts/napi-build.sh TARGET [napi build options...]
# (paths in the options are relative to bindings-node/).
set -euo pipefail
cd "$(dirname "$0")/../bindings-node"
target=$1
shift
if [[ $target == *musl* ]]; then
  # A cdylib cannot be a static-CRT musl binary.
  export RUSTFLAGS="-C target-feature=-crt-static"
fi
PATH="$PWD/../target/py-tools/bin:$PATH" CARGO_TARGET_DIR=../target/napi \
  exec npx napi build --platform --release -x --target "$target" "$@"
