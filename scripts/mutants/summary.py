#!/usr/bin/env python3
"""The scores of a `make mutants` part, per file, against the targets of
docs/security.md ("Mutation testing"), from each tool's own report.

    summary.py core target/mutants/mutants.out   (cargo-mutants' outcomes.json)
    summary.py js target/mutants/js-report.json  (StrykerJS's JSON report)
    summary.py python target/mutants/py-tree     (mutmut's .meta files)

A mutant is *caught* when a test failed or timed out with it in place, and
*missed* when the tests passed or none ran it. Mutants that do not build
(cargo's unviable, Stryker's compile errors) are not viable and not counted.
Prints one row per file, the total, and each missed mutant; exits 1 when
the total is under the part's target.
"""

from __future__ import annotations

import json
import pathlib
import sys
from collections import defaultdict
from typing import Dict, Iterator, List, Tuple

# Percent of viable mutants caught (issue 32).
TARGETS = {"core": 95.0, "js": 85.0, "python": 85.0}

Outcome = Tuple[str, str, bool]  # file, mutant, caught


def cargo_mutants(out: pathlib.Path) -> Iterator[Outcome]:
    report = json.loads((out / "outcomes.json").read_text())
    for outcome in report["outcomes"]:
        scenario = outcome["scenario"]
        if not isinstance(scenario, dict) or "Mutant" not in scenario:
            continue  # the baseline
        mutant = scenario["Mutant"]
        summary = outcome["summary"]
        if summary == "Unviable":
            continue
        yield mutant["file"], mutant["name"], summary in ("CaughtMutant", "Timeout")


def stryker(report_path: pathlib.Path) -> Iterator[Outcome]:
    report = json.loads(report_path.read_text())
    for name, entry in report["files"].items():
        for mutant in entry["mutants"]:
            status = mutant["status"]
            if status in ("CompileError", "Ignored"):
                continue
            line = mutant["location"]["start"]["line"]
            text = f"{name}:{line}: {mutant['mutatorName']} -> {mutant.get('replacement', '')!r}"
            yield name, text, status in ("Killed", "Timeout", "RuntimeError")


def mutmut(tree: pathlib.Path) -> Iterator[Outcome]:
    for meta in sorted((tree / "mutants").rglob("*.py.meta")):
        source = str(meta.relative_to(tree / "mutants"))[: -len(".meta")]
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        unchecked = sum(code is None for code in codes.values())
        if unchecked:
            print(f"{source}: {unchecked} of {len(codes)} mutants not checked (a run of some modules only, or stopped)")
        for key, code in codes.items():
            if code is None:
                continue
            # mutmut's codes: 1 and 3 a test failed, 36, 24, 152, 255 and -24 a timeout,
            # 0 the tests passed, 33 and 5 no test ran it.
            yield source, key, code in (1, 3, 36, 24, 152, 255, -24, -9, -11)


READERS = {"core": cargo_mutants, "js": stryker, "python": mutmut}


def main() -> int:
    part, where = sys.argv[1], pathlib.Path(sys.argv[2])
    counts: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
    missed: List[str] = []
    for source, mutant, caught in READERS[part](where):
        counts[source][0] += caught
        counts[source][1] += 1
        if not caught:
            missed.append(mutant)
    width = max(len(s) for s in counts) + 2
    print(f"\n{part}: mutants caught, of those that build")
    for source, (caught, total) in sorted(counts.items()):
        print(f"  {source.ljust(width)}{caught:5} / {total:<5} {100 * caught / total:5.1f}%")
    caught = sum(c for c, _ in counts.values())
    total = sum(t for _, t in counts.values())
    score = 100 * caught / total if total else 0.0
    print(f"  {'total'.ljust(width)}{caught:5} / {total:<5} {score:5.1f}%  (target {TARGETS[part]:.0f}%)")
    if missed:
        print(f"\n{part}: {len(missed)} missed")
        for line in missed:
            print(f"  {line}")
    return 0 if score >= TARGETS[part] else 1


if __name__ == "__main__":
    sys.exit(main())
