#!/usr/bin/env bash
# Builds the payvost wheel and installs it, with --no-index, into a venv made
# fresh each time (target/py-test); prints the venv's python. Test and bench
# dependencies come from a wheelhouse downloaded once from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=${1:-bindings-python/requirements-test.txt}

scripts/ensure-tools.sh zig >&2

# The wheel users get: linked by zig against glibc 2.17 (manylinux2014).
# A stale wheel beside the new one would be installed instead: clear first.
rm -rf target/wheels
(cd bindings-python && PATH="$PWD/../target/py-tools/bin:$PATH" CARGO_TARGET_DIR=../target/maturin \
  maturin build --release --zig --compatibility manylinux2014 --out ../target/wheels) >&2

wheelhouse=$(scripts/wheelhouse.sh "$requirements")

venv=target/py-test
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --no-index --find-links "$wheelhouse" -r "$requirements" >&2
"$venv/bin/pip" install -q --no-index target/wheels/payvost-*.whl >&2
echo "$PWD/$venv/bin/python"
