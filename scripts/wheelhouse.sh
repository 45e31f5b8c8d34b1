#!/usr/bin/env bash
# Downloads what a requirements file names from PyPI into target/py-wheelhouse,
# once (again when the file changes), so that venvs install from it with
# --no-index. Prints the wheelhouse's path.
#
#   scripts/wheelhouse.sh REQUIREMENTS
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=$1
wheelhouse=target/py-wheelhouse
# A stamp per file, named by its path: two files may share a name.
stamp="$wheelhouse/.$(echo "$requirements" | tr / _).stamp"
if [ ! -f "$stamp" ] || [ "$requirements" -nt "$stamp" ]; then
  mkdir -p "$wheelhouse"
  python3 -m pip download -q -d "$wheelhouse" -r "$requirements" >&2
  touch "$stamp"
fi
echo "$wheelhouse"
