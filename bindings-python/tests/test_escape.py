"""Seeded random and mutated inputs, 100,000 calls: only payvost.error.PayvostError,
with SPEC codes, ever comes out: no TypeError, UnicodeDecodeError or JSONDecodeError."""

from __future__ import annotations

import datetime
import os
import random
from typing import Any

import payvost

from conftest import BODY, NOW, SECRET

CALLS = int(os.environ.get("PAYVOST_ESCAPE_CALLS", "100000"))


def test_random_and_mutated_calls_raise_only_sdk_errors() -> None:
    rng = random.Random(20261128)
    header = payvost.WebhookSignature.generate_header(BODY, SECRET, NOW)

    def mutate(data: bytes) -> bytes:
        copy = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            copy[rng.randrange(len(copy))] = rng.randrange(256)
        return bytes(copy[: rng.randrange(len(copy))]) if rng.random() < 0.3 else bytes(copy)

    odd: list[Any] = [None, True, 0, -1, 2**70, 1.5, float("nan"), float("inf"), "", "x", b"", {}, [], [1], (), object(),
                      datetime.datetime(2026, 1, 1), "\ud800", memoryview(b"x"), bytearray(b"{}"), {"id": "evt_1"}]
    errors = events = 0
    for i in range(CALLS):
        payload = rng.choice([BODY, mutate(BODY), rng.randbytes(rng.randrange(64)), BODY.decode(), rng.choice(odd)])
        sig = rng.choice([header, header[: rng.randrange(len(header))], header.encode(), rng.randbytes(20).decode("latin-1"), rng.choice(odd)])
        secret = rng.choice([SECRET, [SECRET, "whsec_b"], "sk_live", " " + SECRET, rng.choice(odd)])
        tolerance = rng.choice([300, 600, 0, -5, 1.5, "300", None, rng.choice(odd)])
        now = rng.choice([NOW, float(NOW), datetime.datetime.fromtimestamp(NOW, datetime.timezone.utc), rng.choice(odd)])
        try:
            if i % 2:
                payvost.Webhook.construct_event(payload, sig, secret, tolerance, now=now)
            else:
                payvost.WebhookSignature.verify_header(payload, sig, secret, tolerance, now=now)
            events += 1
        except payvost.error.PayvostError as error:
            assert error.code in payvost.ERROR_CODES, error.code
            errors += 1
    assert events > 0 and errors > 0 and events + errors == CALLS
