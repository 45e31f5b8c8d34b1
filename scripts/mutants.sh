#!/usr/bin/env bash
# make mutants: mutation testing (docs/security.md, "Mutation testing").
# Each part plants small bugs in one layer, one at a time, and runs that
# layer's own tests against each: a mutant no test catches is a gap in the
# suite, or a change that cannot be told from the original (an equivalent
# mutant, listed with its reason in docs/security.md).
#
#   scripts/mutants.sh [core|js|python]...   (default: all three)
#
# Run under scripts/services.sh (as `make mutants` does): the idempotency
# tests reach the real Redis and PostgreSQL.
#
# core:   cargo-mutants on the core's verification files (.cargo/mutants.toml)
# js:     StrykerJS on js/ against the Node suite (scripts/mutants/stryker.config.json)
# python: mutmut on bindings-python/python/payvost against the pytest suite
#
# Reports land in target/mutants/. Not part of make test: it takes about four hours.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/target/mutants
mkdir -p "$out"
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(core js python)

# A copy of the tree as git sees it (with uncommitted edits), for tools that
# rewrite sources in place: the checkout is never touched.
tree_copy() {
  local dest=$1
  rm -rf "$dest" && mkdir -p "$dest"
  git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$dest" 2>/dev/null || true
}

core() {
  command -v cargo-mutants >/dev/null || cargo install --locked cargo-mutants --version 27.1.0
  # Exit status 2 means some mutants were missed, 3 that some timed out:
  # the summary says which. 1 and 4 (a usage error, a failing baseline) stop.
  local status=0
  cargo mutants -p payvost-webhooks -j "${MUTANTS_JOBS:-2}" -o "$out" || status=$?
  [ "$status" -eq 0 ] || [ "$status" -eq 2 ] || [ "$status" -eq 3 ]
  python3 scripts/mutants/summary.py core "$out/mutants.out"
}

js() {
  (cd scripts/mutants && { [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --silent --no-audit --no-fund; })
  make --no-print-directory node
  local tree=$out/js-tree
  tree_copy "$tree"
  ln -s "$root/bindings-node/node_modules" "$tree/bindings-node/node_modules"
  cp -r bindings-node/native.js bindings-node/native.d.ts bindings-node/index.mjs bindings-node/*.node bindings-node/lib "$tree/bindings-node/"
  cp scripts/mutants/stryker.config.json "$tree/"
  # MUTANTS_JS narrows the run to some files ("js/webhooks.mjs,js/convert.mjs").
  # Incremental: a mutant whose code and covering tests are unchanged since
  # the last run keeps its result; MUTANTS_FRESH=1 tests every mutant again.
  local again=()
  [ -n "${MUTANTS_FRESH:-}" ] && again=(--force)
  (cd "$tree" && "$root/scripts/mutants/node_modules/.bin/stryker" run stryker.config.json \
    --concurrency "${MUTANTS_JOBS:-2}" ${MUTANTS_JS:+--mutate "$MUTANTS_JS"} \
    --incremental --incrementalFile "$out/js-incremental.json" "${again[@]}")
  python3 scripts/mutants/summary.py js "$out/js-report.json"
}

# mutmut imports the mutated package from src/ of its tree: the package's
# Python beside the native half of the wheel built as users get it.
python() {
  local tree=$out/py-tree venv=$out/py-venv
  scripts/python-env.sh >/dev/null
  if [ ! -x "$venv/bin/mutmut" ] || [ scripts/mutants/requirements.txt -nt "$venv/bin/mutmut" ]; then
    local wheelhouse
    wheelhouse=$(scripts/wheelhouse.sh scripts/mutants/requirements.txt)
    rm -rf "$venv" && python3 -m venv "$venv"
    "$venv/bin/pip" install -q --no-index --find-links "$wheelhouse" \
      -r bindings-python/requirements-test.txt -r scripts/mutants/requirements.txt
  fi
  rm -rf "$tree" && mkdir -p "$tree/src" "$tree/bindings-python" "$tree/tests"
  cp -r bindings-python/python/payvost "$tree/src/"
  unzip -q -o -j target/wheels/payvost-*.whl 'payvost/_native.abi3.so' -d "$tree/src/payvost/"
  cp -r bindings-python/tests "$tree/bindings-python/"
  cp -r tests/vectors "$tree/tests/"
  cp -r examples "$tree/"
  cp scripts/mutants/mutmut.toml "$tree/pyproject.toml"
  # MUTANTS_PYTHON narrows the run to some mutants by name ("payvost._webhook.* payvost.error.*").
  local names=()
  read -ra names <<< "${MUTANTS_PYTHON:-}"
  # The escape test's 100,000 calls are its own soak: 2,000 find an escape as well.
  (cd "$tree" && PAYVOST_ESCAPE_CALLS=2000 "$venv/bin/mutmut" run --max-children "${MUTANTS_JOBS:-2}" "${names[@]}")
  python3 scripts/mutants/summary.py python "$tree"
}

for part in "${parts[@]}"; do
  case $part in
    core|js|python) "$part" ;;
    *) echo "mutants.sh: no part '$part' (core, js, python)" >&2; exit 2 ;;
  esac
done
