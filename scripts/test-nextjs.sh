#!/usr/bin/env bash
# examples/nextjs-node as users run it: a Next.js project with the packed
# @payvost/node-sdk installed, built by `next build` (which must leave the
# addon out of its bundle: serverExternalPackages) and served by `next
# start` on 127.0.0.1, then sent real deliveries over HTTP
# (bindings-node/test/nextjs-server.js). Part of make test-node.
#
#   scripts/test-nextjs.sh TARBALL...   (the main package and this platform's)
set -euo pipefail
cd "$(dirname "$0")/.."
project=$PWD/target/npm-scratch/nextjs
rm -rf "$project" && mkdir -p "$project"
cp -r examples/nextjs-node/app examples/nextjs-node/next.config.mjs "$project/"
# The example's own manifest, its SDK dependency the packed tarball.
node -e '
  const fs = require("fs")
  const pkg = JSON.parse(fs.readFileSync("examples/nextjs-node/package.json", "utf8"))
  delete pkg.dependencies["@payvost/node-sdk"]
  fs.writeFileSync(process.argv[1] + "/package.json", JSON.stringify(pkg, null, 2))
' "$project"
tarballs=()
for tarball in "$@"; do tarballs+=("$(realpath "$tarball")"); done
(cd "$project" && npm install --silent --no-audit --no-fund && npm install --silent --no-audit --no-fund "${tarballs[@]}")
(cd "$project" && NEXT_TELEMETRY_DISABLED=1 npx next build > build.log 2>&1) || { cat "$project/build.log"; exit 1; }
node bindings-node/test/nextjs-server.js "$project"
