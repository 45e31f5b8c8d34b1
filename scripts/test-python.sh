#!/usr/bin/env bash
# Runs the Python suite against the built wheel installed in a fresh venv.
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(scripts/python-env.sh)
# Not from the source tree: `import payvost` must find the installed wheel.
PAYVOST_WHEEL=$(echo "$PWD"/target/wheels/payvost-*.whl) PAYVOST_TOOLS="$PWD/target/py-tools/bin" \
  "$python" -m pytest -p no:cacheprovider bindings-python/tests
