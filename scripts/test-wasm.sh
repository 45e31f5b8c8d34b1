#!/usr/bin/env bash
# Tests @payvost/webhooks-wasm as users install it: the tarball `npm pack`
# makes of bindings-wasm/pkg, installed into a scratch project.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=target/npm-scratch/webhooks-wasm
rm -rf "$scratch" && mkdir -p "$scratch"
tarball=$(cd bindings-wasm/pkg && npm pack --silent --pack-destination "../../$scratch")
echo '{"name":"scratch","private":true,"type":"module"}' > "$scratch/package.json"
(cd "$scratch" && npm install --silent --no-audit --no-fund "./$tarball")
project="$PWD/$scratch"
# The Node package's test files, unchanged, against the WASM build.
PAYVOST_SDK="$project/node_modules/@payvost/webhooks-wasm" node --test bindings-node/test/*.test.js
# The package itself, and the runtimes.
PAYVOST_WASM_PROJECT="$project" node --test bindings-wasm/test/*.test.mjs
