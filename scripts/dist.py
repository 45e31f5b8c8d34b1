#!/usr/bin/env python3
"""Builds every release artifact into dist/, checks each, and writes
dist/SHA256SUMS and dist/manifest.json (`make dist`; docs/platforms.md).
One module of scripts/release/ per kind of artifact; this drives them.

Each artifact is checked as far as this x86-64 Linux machine can: run
natively, under qemu-aarch64 (arm64 Linux), under Wine (Windows), or
structurally (file format, architecture, exported entry point, dynamic
dependencies, glibc symbol versions, wheel tags and RECORD). A target that
fails to build is named in the manifest with its error; the run then exits 1.

    scripts/dist.py [--only npm,python,php,plain,crates,cli] [--host]

--host builds this machine's platform only, of each kind (the linux-x64
addon and wheel, the PHP archive with its host engine, the x86-64 Linux CLI,
the sdist, the crates, the WASM packages): the slice `make test` runs, so
that a change that breaks a release fails CI.
"""

import argparse
import json
import shutil
import sys

from release import cli, common, crates, npm, php, plain, python
from release.common import DIST, VERSION, attempt, failures, manifest

STEPS = {"npm": npm.dist_npm, "python": python.dist_python, "php": php.dist_php, "plain": plain.dist_plain,
         "crates": crates.dist_crates, "cli": cli.dist_cli}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="npm,python,php,plain,crates,cli")
    parser.add_argument("--host", action="store_true", help="this machine's platform only")
    args = parser.parse_args()
    parts = args.only.split(",")
    common.HOST_ONLY = args.host
    shutil.rmtree(DIST, ignore_errors=True)
    DIST.mkdir()
    for part in parts:
        attempt(part, part, "-", STEPS[part])

    manifest.sort(key=lambda entry: entry["file"])
    (DIST / "manifest.json").write_text(json.dumps({
        "version": VERSION,
        "files": manifest,
        "failed": failures,
        "counts": {
            "napi targets": sum(1 for e in manifest if e["package"].startswith("@payvost/node-sdk-")),
            "wheels": sum(1 for e in manifest if e["file"].endswith(".whl")),
            "sdist": sum(1 for e in manifest if e["file"].endswith(".tar.gz") and e["file"].startswith("python/")),
            "cli binaries": sum(1 for e in manifest if e["file"].startswith("cli/")),
        },
    }, indent=2) + "\n")
    (DIST / "SHA256SUMS").write_text("".join(f"{e['sha256']}  {e['file']}\n" for e in manifest))
    print(f"\ndist/: {len(manifest)} artifacts, {len(failures)} failed")
    for entry in manifest:
        print(f"  {entry['file']:<64} {entry['size']:>10,}  {entry['target']}")
    for failure in failures:
        print(f"  FAILED {failure['what']}: {failure['error'].splitlines()[0]}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
