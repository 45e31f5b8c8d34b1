#!/usr/bin/env bash
# Packs @payvost/node-sdk and its per-platform addon packages into OUT_DIR
# (napi-rs layout: bindings-node/npm/<platform>/ gets payvost.<platform>.node
# from bindings-node/), printing each tarball's path.
#
#   scripts/pack-node.sh OUT_DIR [PLATFORM ...]    e.g. linux-x64-gnu
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "$1"); shift
mkdir -p "$out"
echo "$out/$(cd bindings-node && npm pack --silent --pack-destination "$out")"
for platform in "$@"; do
  addon=bindings-node/payvost.$platform.node
  [ -f "$addon" ] || { echo "pack-node: $addon is missing: build it first (make node, or make dist)" >&2; exit 1; }
  cp "$addon" "bindings-node/npm/$platform/"
  echo "$out/$(cd "bindings-node/npm/$platform" && npm pack --silent --pack-destination "$out")"
done
