"""The plain WebAssembly module on its own (docs/wasm-abi.md)."""

import shutil

from .common import DIST, ENV, ROOT, CheckError, record, run


def dist_plain():
    """The plain module on its own (docs/wasm-abi.md), for hosts in any
    language, put through the second host's tests (Python's wasmtime)."""
    module = ROOT / "bindings-wasm" / "php" / "resources" / "payvost.wasm"
    if not module.exists():
        raise CheckError(f"{module} is missing: run make wasm")
    dest = DIST / "wasm" / "payvost_plain.wasm"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(module, dest)
    out = run(ROOT / "scripts" / "test-plain-host.sh", env={**ENV, "PAYVOST_PLAIN_WASM": str(dest)}, capture=True)
    record(dest, "payvost_plain.wasm (the plain module)", "wasm32 (any WebAssembly runtime)",
           [f"ABI version 1, every export as docs/wasm-abi.md lists it, no imports; the conformance vectors under "
            f"Python's wasmtime: {out.strip().splitlines()[-1]}"])
