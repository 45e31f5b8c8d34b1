#!/usr/bin/env bash
# The core as a published crate meets the programs that depend on it:
#   1. a scratch crate that depends on payvost-webhooks and on serde_json
#      gets no serde_json feature from us (the core needs no JSON library);
#   2. with every dependency at the lowest version its requirement allows
#      (cargo -Z minimal-versions), the core builds and its tests pass;
#   3. it builds with its declared MSRV (rust-version in Cargo.toml).
# Each runs in a copy outside the workspace, so the workspace's own lockfile
# and feature unification play no part.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
msrv=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' "$root/Cargo.toml")
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
rustup toolchain list | grep -q "^$msrv" || rustup toolchain install "$msrv" --profile minimal

echo "== 1. a dependent's serde_json carries no feature of ours"
mkdir -p "$work/scratch/src"
cat > "$work/scratch/Cargo.toml" <<TOML
[package]
name = "scratch"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
payvost-webhooks = { path = "$root/core" }
serde_json = "1"

[workspace]
TOML
echo 'fn main() {}' > "$work/scratch/src/main.rs"
tree=$(cd "$work/scratch" && cargo tree -q -e features -i serde_json)
echo "$tree"
if grep -q payvost-webhooks <<<"$tree"; then
  echo "FAIL: payvost-webhooks enables a feature of serde_json"; exit 1
fi

echo "== 2. minimal versions: the core alone, every dependency at its lowest"
# A workspace of the core only, with the root's shared settings.
mkdir -p "$work/min/tests"
cp -r "$root/core" "$work/min/core"
cp -r "$root/tests/vectors" "$work/min/tests/vectors"
cp "$root/README.md" "$work/min/README.md"
sed -e 's/^members = .*/members = ["core"]/' "$root/Cargo.toml" > "$work/min/Cargo.toml"
(cd "$work/min" && cargo +nightly update -q -Z minimal-versions && cargo test -q -p payvost-webhooks --locked 2>&1 | grep -E '^test result|FAILED|panicked|^error' )

echo "== 3. MSRV $msrv builds the core, with and without std"
(cd "$work/min" && rm Cargo.lock && cargo "+$msrv" check -q -p payvost-webhooks && cargo "+$msrv" check -q -p payvost-webhooks --no-default-features)
echo "crate checks: 3 passed, 0 failed"
