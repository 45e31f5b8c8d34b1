"""What every part of `make dist` shares: where things are, the version,
the platforms, running a command, and the manifest each artifact is
recorded in with its checks (or its failure)."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"
TOOLS = ROOT / "target" / "py-tools" / "bin"
ENV = {**os.environ, "PATH": f"{TOOLS}:{os.environ['PATH']}"}
VERSION = json.loads((ROOT / "bindings-node" / "package.json").read_text())["version"]

# One row per platform: the Rust target, napi-rs's name for it, the wheel's
# maturin arguments, and how its binaries can be run here.
PLATFORMS = [
    # rust target,               napi platform,     zig target suffix, wheel compatibility, runner
    ("x86_64-unknown-linux-gnu", "linux-x64-gnu", ".2.17", ["--compatibility", "manylinux2014"], "native"),
    ("aarch64-unknown-linux-gnu", "linux-arm64-gnu", ".2.17", ["--compatibility", "manylinux2014"], "qemu"),
    ("x86_64-unknown-linux-musl", "linux-x64-musl", "", ["--compatibility", "musllinux_1_2"], "structural"),
    ("aarch64-unknown-linux-musl", "linux-arm64-musl", "", ["--compatibility", "musllinux_1_2"], "structural"),
    ("x86_64-apple-darwin", "darwin-x64", "", [], "structural"),
    ("aarch64-apple-darwin", "darwin-arm64", "", [], "structural"),
    ("x86_64-pc-windows-gnu", "win32-x64-msvc", "", [], "wine"),
]

# `make test` runs a slice of `make dist` (dist.py --host): this machine's
# platform only, for each kind of artifact.
HOST_ONLY = False


def selected(rows, runner):
    """The rows to build: all, or with --host those this machine runs
    natively (`runner(row)` is "native")."""
    return [row for row in rows if not HOST_ONLY or runner(row) == "native"]


manifest: list = []
failures: list = []


def run(*args, cwd=ROOT, env=None, capture=False, timeout=1800, stdin=None):
    print("$", " ".join(str(a) for a in args), flush=True)
    with open(stdin or os.devnull, "rb") as source:
        result = subprocess.run([str(a) for a in args], cwd=cwd, env=env or ENV, timeout=timeout, stdin=source,
                                capture_output=capture, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout or "").strip().splitlines()[-12:] if capture else []
        raise BuildError(f"`{' '.join(str(a) for a in args)}` exited {result.returncode}" +
                         ("\n" + "\n".join(detail) if detail else ""))
    return result.stdout if capture else ""

class BuildError(Exception):
    pass

class CheckError(Exception):
    pass

def record(path, package, target, checks):
    data = path.read_bytes()
    manifest.append({
        "file": str(path.relative_to(DIST)),
        "package": package,
        "target": target,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "checks": checks,
    })

def attempt(what, package, target, build):
    """Runs one build-and-check; a failure is recorded, not raised."""
    try:
        build()
    except (BuildError, CheckError, subprocess.TimeoutExpired, OSError) as error:
        print(f"FAILED {what}: {error}", file=sys.stderr, flush=True)
        failures.append({"what": what, "package": package, "target": target, "error": str(error)})
