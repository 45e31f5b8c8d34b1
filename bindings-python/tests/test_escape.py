"""Seeded random and mutated inputs, 100,000 calls: only payvost.error.PayvostError,
with codes of protocol §6, ever comes out: no TypeError, UnicodeDecodeError or JSONDecodeError."""

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


def test_lone_surrogates_become_u_fffd_as_in_the_javascript_doors() -> None:
    """A `str` with a lone surrogate (which UTF-8 cannot carry) is converted
    as the JavaScript doors convert theirs: each lone surrogate becomes one
    U+FFFD. The core then judges the same text in every door."""
    import hashlib
    import hmac

    header = payvost.WebhookSignature.generate_header(BODY, SECRET, timestamp=NOW)
    # In the header: a v1 that can never match, not "must be text, not str".
    try:
        payvost.Webhook.construct_event(BODY, header + "\ud800", SECRET, now=NOW)
    except payvost.error.SignatureVerificationError as error:
        assert error.code == "signature_mismatch"
    else:
        raise AssertionError("a header with a lone surrogate verified")
    try:
        payvost.Webhook.construct_event(BODY, "t=17640\udc0000000," + header.split(",")[1], SECRET, now=NOW)
    except payvost.error.SignatureVerificationError as error:
        assert error.code == "header_malformed"
        assert "\ufffd" in error.sig_header
    else:
        raise AssertionError("a t= with a lone surrogate was read")

    # In a secret, alone or in a list: the key is the secret's text with U+FFFD.
    for secret in ["whsec_\ud800x", ["whsec_other", "whsec_\ud800x"]]:
        signed = payvost.WebhookSignature.generate_header(BODY, "whsec_\ud800x", timestamp=NOW)
        key = "whsec_\ufffdx".encode()
        expected = hmac.new(key, f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
        assert signed == f"t={NOW},v1={expected}"
        event = payvost.Webhook.construct_event(BODY, signed, secret, now=NOW)
        assert event.id == "evt_1"
