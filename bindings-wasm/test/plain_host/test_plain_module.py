"""A second host of the plain module (docs/wasm-abi.md), written with nothing
but Python's ``wasmtime`` package from PyPI: no wasm-bindgen glue, no code of
this repository. It loads the released module (``PAYVOST_PLAIN_WASM``: the
PHP package's ``resources/payvost.wasm``, or ``make dist``'s
``payvost_plain.wasm``), holds the ABI's documented table to the module's
exports, and runs every conformance vector through it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import struct
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
import wasmtime

ROOT = Path(__file__).resolve().parents[3]
MODULE = Path(os.environ.get("PAYVOST_PLAIN_WASM") or ROOT / "bindings-wasm" / "php" / "resources" / "payvost.wasm")
ABI_VERSION = 1


class Plain:
    """The module instantiated, and the ABI's three moves: write the input,
    call, read the output."""

    def __init__(self, path: Path) -> None:
        self.store = wasmtime.Store()
        self.module = wasmtime.Module.from_file(self.store.engine, str(path))
        self.exports = wasmtime.Instance(self.store, self.module, []).exports(self.store)
        assert self.exports["pv_abi_version"](self.store) == ABI_VERSION, "the ABI version is checked before any other call"
        self.memory: wasmtime.Memory = self.exports["memory"]  # type: ignore[assignment]
        self.call("pv_facts", b"")
        self.facts = json.loads(self.output())

    def call(self, name: str, data: bytes, *args: Any) -> int:
        address = self.exports["pv_input"](self.store, len(data))
        assert address != 0
        self.memory.write(self.store, data, address)
        return self.exports[name](self.store, *args)

    def output(self) -> bytes:
        address = self.exports["pv_output_ptr"](self.store)
        length = self.exports["pv_output_len"](self.store)
        return bytes(self.memory.read(self.store, address, address + length))

    def code(self, status: int) -> str:
        return self.facts["errors"][abs(status) - 1]["code"]

    def verifier(self, secrets: List[str], tolerance: float) -> int:
        encoded = struct.pack("<I", len(secrets)) + b"".join(struct.pack("<I", len(s.encode())) + s.encode() for s in secrets)
        return self.call("pv_verifier_new", encoded, len(encoded), tolerance)

    def construct(self, verifier: int, payload: bytes, header: bytes, now: int, export: str = "pv_construct") -> int:
        return self.call(export, payload + header, verifier, len(payload), len(header), now)


@pytest.fixture(scope="module")
def plain() -> Plain:
    return Plain(MODULE)


# ----------------------------------------------------------------- the documented ABI

def documented() -> Dict[str, str]:
    """docs/wasm-abi.md's export table: each export and its type, as written."""
    text = (ROOT / "docs" / "wasm-abi.md").read_text()
    table = text.split("<!-- abi:begin", 1)[1].split("<!-- abi:end -->", 1)[0]
    return dict(re.findall(r"^\| `(pv_[a-z_]+)` \| `([^`]+)` \|", table, re.MULTILINE))


def signature(kind: wasmtime.FuncType) -> str:
    params = ", ".join(str(p) for p in kind.params)  # wasmtime writes a value type as the text format does: i32, f64
    results = ", ".join(str(r) for r in kind.results)
    return f"({params}) -> {results or '()'}"


def test_the_documented_table_is_the_modules_exports(plain: Plain) -> None:
    exported = {e.name: e.type for e in plain.module.exports}
    assert isinstance(exported.pop("memory"), wasmtime.MemoryType)
    # The two globals the Rust linker always exports, which no host reads.
    assert sorted(n for n, t in exported.items() if isinstance(t, wasmtime.GlobalType)) == ["__data_end", "__heap_base"]
    functions = {n: t for n, t in exported.items() if isinstance(t, wasmtime.FuncType)}
    assert {name: signature(kind) for name, kind in functions.items()} == documented()
    # The test hook is in the test build only.
    assert "pv_trap_for_tests" not in exported
    assert not plain.module.imports, "the module imports nothing"


# ----------------------------------------------------------------- the conformance vectors


def cases() -> List[Any]:
    return list(_cases())


def _cases() -> Iterator[Any]:
    for path in sorted((ROOT / "tests" / "vectors").glob("*.json")):
        data = json.loads(path.read_text())
        if isinstance(data, dict) and data.get("schema") == "verify/1":
            for case in data["cases"]:
                yield pytest.param(case, id=case["id"])


def test_the_vectors_are_found() -> None:
    assert len(list(cases())) >= 150


def outcome(plain: Plain, case: Dict[str, Any], export: str) -> Tuple[Optional[str], bytes]:
    """The code (None on success) and the output of one case through ``export``."""
    tolerance = case.get("tolerance", plain.facts["tolerance"]["default"])
    handle = plain.verifier(case["secrets"], float(tolerance))
    if handle <= 0:
        return plain.code(handle), plain.output()
    try:
        payload = base64.b64decode(case["payload_b64"])
        header = (case["header"] or "").encode()
        status = plain.construct(handle, payload, header, int(case["now"]), export)
        return (None if status == 0 else plain.code(status)), plain.output()
    finally:
        plain.exports["pv_verifier_free"](plain.store, handle)


@pytest.mark.parametrize("case", cases())
def test_vector(plain: Plain, case: Dict[str, Any]) -> None:
    expected = case["expected"]
    code, output = outcome(plain, case, "pv_construct")
    if "error" in expected:
        assert code == expected["error"], output.decode()
        if "message" in expected:
            assert output.decode() == expected["message"]
        # pv_verify refuses alike, unless only the body was refused (it does not judge the body).
        verified, _ = outcome(plain, case, "pv_verify")
        assert verified == (None if expected["error"].startswith("payload_") else expected["error"])
        return
    assert code is None, output.decode()
    timestamp, index = output.decode().split(",")
    assert (int(timestamp), int(index)) == (int(expected["timestamp"]), expected["secret_index"])
    event = json.loads(base64.b64decode(case["payload_b64"]))
    assert (event["id"], event["type"]) == (expected["event_id"], expected["event_type"])


# ----------------------------------------------------------------- the other exports


def test_sign_fingerprint_and_echo(plain: Plain) -> None:
    payload, secret = b'{"id":"evt_1"}', "whsec_plain"
    assert plain.call("pv_sign", payload + secret.encode(), len(payload), len(secret), 1764000000) == 0
    mac = hmac.new(secret.encode(), b"1764000000." + payload, hashlib.sha256).hexdigest()
    assert plain.output().decode() == f"t=1764000000,v1={mac}"
    assert plain.call("pv_fingerprint", payload, len(payload)) == 0
    assert plain.output().decode() == hashlib.sha256(payload).hexdigest()
    for given, echoed in [
        (b"t=1,v1=" + "é".encode() * 80, "t=1,v1=" + "é" * 46),  # the 47th é would straddle the cut
        (b"a" + "é".encode() * 60, "a" + "é" * 49),
        (b"{\xff}", "{\ufffd}"),
        (b"ab\xe2\x82", "ab\ufffd"),  # broken before the end: shown, not cut
    ]:
        assert plain.call("pv_echo", given, len(given)) == 0
        assert plain.output().decode() == echoed, given


def test_the_clock_and_refused_verifiers(plain: Plain) -> None:
    assert plain.exports["pv_unix_seconds"](plain.store, 1764000000.9) == 1764000000
    assert plain.exports["pv_unix_seconds"](plain.store, float("nan")) == -(2**63)
    assert plain.code(plain.verifier([], 300.0)) == "secret_invalid"
    assert plain.code(plain.verifier(["whsec_x"], 0.5)) == "tolerance_invalid"
    # A handle never made, or freed, is refused, not trusted.
    handle = plain.verifier(["whsec_x"], 300.0)
    plain.exports["pv_verifier_free"](plain.store, handle)
    plain.exports["pv_verifier_free"](plain.store, handle)
    assert plain.code(plain.construct(handle, b"{}", b"t=1,v1=00", 1)) == "secret_invalid"
    assert plain.code(plain.construct(9999, b"{}", b"t=1,v1=00", 1)) == "secret_invalid"
