#!/usr/bin/env python3
"""Seeds each fuzz target's corpus from tests/vectors/ (payloads and headers)."""
import base64
import json
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
VECTORS = HERE.parent / "tests" / "vectors"
for target in ["header", "verify", "construct_event", "event"]:
    (HERE / "corpus" / target).mkdir(parents=True, exist_ok=True)
n = 0
for path in sorted(VECTORS.glob("*.json")):
    doc = json.loads(path.read_text())
    if doc["schema"] != "verify/1":
        continue
    for case in doc["cases"]:
        payload = base64.b64decode(case["payload_b64"])
        if len(payload) > 64 * 1024:
            continue
        name = case["id"].replace("/", "_")
        for target in ["construct_event", "event", "verify"]:
            (HERE / "corpus" / target / name).write_bytes(payload)
        if case["header"]:
            (HERE / "corpus" / "header" / name).write_bytes(case["header"].encode())
        n += 1
print(f"seeded {n} cases into fuzz/corpus/")
