#!/usr/bin/env python3
"""`make differential`: the same random cases through every door of the SDK
(napi and WASM in Node, Python, PHP, the CLI), compared outcome by outcome.

Each door is one process fed every case as JSON lines (door.js, door.py,
door.php, `payvost webhooks verify-cases`). Any difference in error code,
event id or secret index, in what a signature error echoes of the header and
payload, or in the typed view of data.object field by field (the doors that
have one at run time: Python, PHP and the CLI's Rust; JavaScript's is types
only), or any foreign exception, fails the run; the seed printed first
reproduces it:

    tests/differential/run.py --cases 100000 --seed 42 --python PYTHON

Run under scripts/php-env.sh, which installs the PHP package with Composer
and exports PAYVOST_PHP_AUTOLOAD.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cases import as_utf8, generate  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "tests" / "differential"


# The doors with typed views at run time; JavaScript's exist only in its types.
TYPED_DOORS = {"python", "php", "cli"}


def untyped(outcome: dict) -> dict:
    return {key: value for key, value in outcome.items() if key != "typed"}


def doors(python: str) -> dict[str, tuple[list[str], dict[str, str], bool]]:
    """Each door: its command, its environment, and whether its strings are
    UTF-8 only (PHP and Rust cannot hold a lone surrogate)."""
    return {
        "napi": (["node", str(HERE / "door.js")],
                 {"PAYVOST_SDK": str(ROOT / "bindings-node"), "PAYVOST_NODE_BACKEND": "napi"}, False),
        "wasm": (["node", str(HERE / "door.js")], {"PAYVOST_SDK": str(ROOT / "bindings-wasm" / "pkg")}, False),
        "python": ([python, str(HERE / "door.py")], {}, False),
        "php": (["php", str(HERE / "door.php")], {}, True),
        "cli": ([str(ROOT / "target" / "release" / "payvost"), "webhooks", "verify-cases"], {}, True),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=None, help="random when absent; printed either way")
    parser.add_argument("--python", required=True, help="a python with the payvost wheel installed")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    print(f"differential: {args.cases} cases, seed {seed}", flush=True)

    work = ROOT / "target" / "differential"
    work.mkdir(parents=True, exist_ok=True)
    cases = list(generate(seed, args.cases))
    files = {False: work / "cases.jsonl", True: work / "cases-utf8.jsonl"}
    files[False].write_text("".join(json.dumps(c) + "\n" for c in cases))
    files[True].write_text("".join(json.dumps(as_utf8(c)) + "\n" for c in cases))

    started = time.monotonic()
    outcomes: dict[str, list[dict]] = {}
    broken = False
    for name, (command, env, utf8_only) in doors(args.python).items():
        door_started = time.monotonic()
        with files[utf8_only].open("rb") as stdin:
            result = subprocess.run(command, stdin=stdin, capture_output=True, env={**os.environ, **env})
        lines = result.stdout.decode("utf-8", "replace").splitlines()
        seconds = time.monotonic() - door_started
        if result.returncode != 0 or len(lines) != len(cases):
            print(f"  {name}: FAILED, exit {result.returncode}, {len(lines)} outcomes for {len(cases)} cases\n"
                  + result.stderr.decode("utf-8", "replace")[-2000:])
            broken = True
            continue
        outcomes[name] = [json.loads(line) for line in lines]
        print(f"  {name}: {len(lines)} cases in {seconds:.1f} s", flush=True)
    if broken:
        return 1

    names = list(outcomes)
    typed = [n for n in names if n in TYPED_DOORS]
    disagreements = [i for i in range(len(cases))
                     if any(untyped(outcomes[n][i]) != untyped(outcomes[names[0]][i]) for n in names)
                     or any(outcomes[n][i].get("typed") != outcomes[typed[0]][i].get("typed") for n in typed)]
    compared = sum(1 for o in outcomes[typed[0]] if o.get("typed")) if typed else 0
    echoed = sum(1 for o in outcomes[names[0]] if "header" in o)
    crashes = [i for i in range(len(cases)) if any("crash" in outcomes[n][i] for n in names)]
    tally: dict[str, int] = {}
    for outcome in outcomes[names[0]]:
        key = outcome.get("code", "ok")
        tally[key] = tally.get(key, 0) + 1
    print("  outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.items(), key=lambda kv: -kv[1])))
    for i in (disagreements + crashes)[:10]:
        shown = {k: (v[:200] + "..." if isinstance(v, str) and len(v) > 200 else v) for k, v in cases[i].items()}
        print(f"\ncase {i}: {json.dumps(shown)}")
        for name in names:
            print(f"  {name}: {json.dumps(outcomes[name][i])}")
    total = time.monotonic() - started
    print(f"  typed views compared: {compared} events; echoes compared: {echoed} signature errors")
    print(f"differential: {len(cases)} cases, seed {seed}, {len(names)} doors, "
          f"{len(disagreements)} disagreements, {len(crashes)} foreign exceptions, {total:.0f} s")
    return 1 if disagreements or crashes else 0


if __name__ == "__main__":
    sys.exit(main())
