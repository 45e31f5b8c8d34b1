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
# The main package lists every platform package as an optional dependency at
# its own version. As napi-rs's pre-publish does, they are written at pack
# time: in the source tree, `npm ci` would demand lock entries for packages
# not yet published.
stage="$out/.node-sdk"
rm -rf "$stage" && mkdir -p "$stage"
(cd bindings-node && npm pack --dry-run --json | node -e '
  const fs = require("fs"), path = require("path")
  const stage = process.argv[1]
  for (const { path: file } of JSON.parse(fs.readFileSync(0, "utf8"))[0].files) {
    fs.mkdirSync(path.dirname(path.join(stage, file)), { recursive: true })
    fs.copyFileSync(file, path.join(stage, file))
  }
  const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"))
  pkg.optionalDependencies = Object.fromEntries(fs.readdirSync("npm").sort()
    .map((platform) => JSON.parse(fs.readFileSync(path.join("npm", platform, "package.json"), "utf8")))
    .map((platformPkg) => [platformPkg.name, pkg.version]))
  fs.writeFileSync(path.join(stage, "package.json"), JSON.stringify(pkg, null, 2) + "\n")
' "$stage")
echo "$out/$(cd "$stage" && npm pack --silent --pack-destination "$out")"
rm -rf "$stage"
for platform in "$@"; do
  addon=bindings-node/payvost.$platform.node
  [ -f "$addon" ] || { echo "pack-node: $addon is missing: build it first (make node, or make dist)" >&2; exit 1; }
  cp "$addon" "bindings-node/npm/$platform/"
  echo "$out/$(cd "bindings-node/npm/$platform" && npm pack --silent --pack-destination "$out")"
done
