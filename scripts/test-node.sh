#!/usr/bin/env bash
# Runs the Node test suite against what users install: the tarball from
# `npm pack`, installed into a scratch project.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=target/npm-scratch/node-sdk
rm -rf "$scratch" && mkdir -p "$scratch"
tarball=$(cd bindings-node && npm pack --silent --pack-destination "../$scratch")
echo '{"name":"scratch","private":true}' > "$scratch/package.json"
(cd "$scratch" && npm install --silent --no-audit --no-fund "./$tarball")
PAYVOST_SDK="$PWD/$scratch/node_modules/@payvost/node-sdk" node --test bindings-node/test/*.test.js
