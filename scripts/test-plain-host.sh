#!/usr/bin/env bash
# The plain WebAssembly module (docs/wasm-abi.md) under a second host: Python
# with the `wasmtime` package from PyPI, in a venv of its own, running the
# conformance vectors on the released module (PAYVOST_PLAIN_WASM, default the
# PHP package's resources/payvost.wasm, as `make wasm` builds it).
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=bindings-wasm/test/plain_host/requirements.txt
wheelhouse=$(scripts/wheelhouse.sh "$requirements")
venv=target/plain-host
if [ ! -x "$venv/bin/pytest" ] || [ "$requirements" -nt "$venv/bin/pytest" ]; then
  rm -rf "$venv" && python3 -m venv "$venv"
  "$venv/bin/pip" install -q --no-index --find-links "$wheelhouse" -r "$requirements"
fi
exec "$venv/bin/python" -m pytest -p no:cacheprovider -q bindings-wasm/test/plain_host "$@"
