#!/usr/bin/env bash
# Installs what `make` needs on a fresh Debian machine, only when missing.
# Facts behind the choices are in ../shared/TOOLCHAIN.md and docs/machine.md.
set -euo pipefail

need_rust_target() {
  rustup target list --installed | grep -qx "$1" || rustup target add "$1"
}

need_rust_component() {
  rustup component list --installed | grep -q "^$1" || rustup component add "$1"
}

case "${1:-core}" in
  core)
    need_rust_component rustfmt
    need_rust_component clippy
    need_rust_target wasm32-unknown-unknown
    ;;
  *)
    echo "ensure-tools: unknown tool set $1" >&2
    exit 2
    ;;
esac
