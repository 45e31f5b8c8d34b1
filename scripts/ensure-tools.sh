#!/usr/bin/env bash
# Installs what `make` needs on a fresh Debian machine, only when missing.
# Facts behind the choices are in ../shared/TOOLCHAIN.md and docs/machine.md.
set -euo pipefail
cd "$(dirname "$0")/.."
WASM_BINDGEN_VERSION=0.2.130
WASMTIME_VERSION=50.0.1

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
  node)
    # Node 20 and npm come with this machine; Debian's nodejs is the fallback.
    command -v node >/dev/null && command -v npm >/dev/null || {
      apt-get update -qq && apt-get install -y -qq nodejs npm
    }
    # Reinstall when the lockfile changed since the last install.
    if [ ! -f bindings-node/node_modules/.package-lock.json ] ||
       [ bindings-node/package-lock.json -nt bindings-node/node_modules/.package-lock.json ]; then
      (cd bindings-node && npm ci --no-audit --no-fund)
    fi
    ;;
  wasm)
    need_rust_target wasm32-unknown-unknown
    # The CLI must equal the wasm-bindgen crate's version exactly; `--locked`
    # fails here (its lockfile pins a crate the registry lacks).
    if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
      cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
    fi
    # wasm-opt (npm binaryen: Debian's 108 emits modules Node cannot load),
    # workerd, deno, bun, playwright-core, esbuild. npm 11 skips their install
    # scripts, which they do not need: their binaries come in npm packages.
    if [ ! -f bindings-wasm/node_modules/.package-lock.json ] ||
       [ bindings-wasm/package-lock.json -nt bindings-wasm/node_modules/.package-lock.json ]; then
      (cd bindings-wasm && npm ci --no-audit --no-fund)
    fi
    # Headless Chromium for the browser test (playwright cannot download one here).
    [ -x /usr/bin/chromium ] || {
      apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium
    }
    ;;
  php)
    # Debian's PHP 8.2 (FFI built in), PHPUnit 9.6 and Composer 2.5.
    command -v php >/dev/null && command -v phpunit >/dev/null && command -v composer >/dev/null || {
      apt-get update -qq && apt-get install -y -qq php-cli phpunit composer
    }
    # Wasmtime's C library: Debian has no WebAssembly engine; the PyPI wheel
    # of wasmtime carries the C API's shared library.
    if [ ! -f target/wasmtime/libwasmtime.so ]; then
      dir=$(mktemp -d)
      python3 -m pip download -q --no-deps --only-binary=:all: "wasmtime==$WASMTIME_VERSION" -d "$dir"
      mkdir -p target/wasmtime
      python3 -c "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); open('target/wasmtime/libwasmtime.so', 'wb').write(z.read('wasmtime/linux-x86_64/_libwasmtime.so'))" "$dir"/wasmtime-*.whl
      rm -rf "$dir"
    fi
    ;;
  fuzz)
    # cargo-fuzz runs libFuzzer with sanitizers, which need a nightly toolchain.
    rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
    command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --version 0.13.2
    ;;
  *)
    echo "ensure-tools: unknown tool set $1" >&2
    exit 2
    ;;
esac
