"""The drift test: every fact the package states (its constants, the class of
each error code, the echo limit, the literals of the stubs) is the core's, as
the core writes them to tests/vectors/facts.json."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict

import payvost
import payvost.flask
import pytest
from payvost import _native
from payvost.error import ConfigurationError, IdempotencyError, InvalidPayloadError, SignatureVerificationError
from payvost.idempotency import IdempotencyGuard

from conftest import NOW, VECTORS

FACTS = json.loads((VECTORS / "facts.json").read_text())
SECRET = "whsec_drift"
BODY = b'{"id":"evt_1","type":"x","data":{"object":{}}}'
CLASS_OF = {
    "signature": SignatureVerificationError,
    "payload": InvalidPayloadError,
    "configuration": ConfigurationError,
    "processing": IdempotencyError,
}


def sign(body: bytes, timestamp: int = NOW) -> str:
    return payvost.WebhookSignature.generate_header(body, SECRET, timestamp)


def construct(body: Any, header: str, secret: str = SECRET, **options: Any) -> Any:
    return payvost.Webhook.construct_event(body, header, secret, now=NOW, **options)


def test_the_native_facts_are_the_committed_ones() -> None:
    assert json.loads(_native.FACTS) == FACTS


def test_constants_are_the_cores() -> None:
    assert payvost.DEFAULT_TOLERANCE == FACTS["tolerance"]["default"]
    assert payvost.ERROR_CODES == [e["code"] for e in FACTS["errors"]]


CALLS: Dict[str, Callable[[], Any]] = {
    "secret_invalid": lambda: construct(BODY, sign(BODY), "sk_live_1"),
    "tolerance_invalid": lambda: construct(BODY, sign(BODY), tolerance=0),
    "header_missing": lambda: construct(BODY, ""),
    "header_malformed": lambda: construct(BODY, "v1"),
    "no_signatures": lambda: construct(BODY, f"t={NOW}"),
    "signature_mismatch": lambda: construct(BODY, sign(b"{}")),
    "timestamp_too_old": lambda: construct(BODY, sign(BODY, NOW - 301)),
    "timestamp_too_new": lambda: construct(BODY, sign(BODY, NOW + 301)),
    "payload_invalid_json": lambda: construct(b"{", sign(b"{")),
    "payload_invalid_event": lambda: construct(b"{}", sign(b"{}")),
    "payload_wrong_type": lambda: construct({}, sign(BODY)),
    "option_invalid": lambda: payvost.flask.webhook(SECRET, limit="1mb"),
    "event_in_progress": lambda: _guarded("in_progress"),
    "store_unavailable": lambda: _guarded("down"),
    "event_id_reused": lambda: _guarded("reused"),
    "lease_lost": lambda: _guarded("lost"),
}


class _Scripted:
    """A store answering as told, to reach each of the guard's codes here;
    tests/test_idempotency.py reaches them on the real stores."""

    def __init__(self, answer: str) -> None:
        self.answer = answer

    def claim(self, *args: Any) -> Any:
        if self.answer == "down":
            return _down()
        return ("claimed", 1) if self.answer == "lost" else (self.answer, 1)

    def renew(self, *args: Any) -> bool:
        return True

    def release(self, *args: Any) -> bool:
        return True

    def complete(self, *args: Any) -> bool:
        return False


def _down() -> Any:
    from payvost.idempotency import SqliteStore

    return SqliteStore("/nonexistent-directory/events.db").claim("k", "f", "t", 1, 1)


def _guarded(answer: str) -> Any:
    event = construct(BODY, sign(BODY))
    return IdempotencyGuard(_Scripted(answer)).process(event, BODY, lambda e: None)


# receiver_busy is only ever answered (503, by an adapter past its
# max_concurrent: test_delivery.py), never raised to the application.
@pytest.mark.parametrize("fact", [f for f in FACTS["errors"] if f["code"] != "receiver_busy"], ids=lambda f: f["code"])
def test_every_code_gets_the_class_of_its_category(fact: Dict[str, str]) -> None:
    with pytest.raises(CLASS_OF[fact["category"]]) as raised:
        CALLS[fact["code"]]()
    assert raised.value.code == fact["code"]


def test_an_echo_is_cut_at_the_cores_limit_in_bytes() -> None:
    body = b'{"id":"evt_1","pad":"' + "é".encode() * 200 + b'"}'
    with pytest.raises(SignatureVerificationError) as raised:
        construct(body, sign(b"{}"))
    echoed = raised.value.http_body
    assert echoed is not None
    assert len(echoed.encode()) <= FACTS["echo_limit"]
    assert echoed.startswith('{"id":"evt_1","pad":"éé')


def test_every_processing_codes_status_is_the_cores() -> None:
    processing = [error for error in FACTS["errors"] if error["category"] == "processing"]
    assert [(IdempotencyError("m", code=e["code"]).status, e["code"]) for e in processing] == [
        (e["status"], e["code"]) for e in processing]
    assert IdempotencyError("m", code="not_a_code").status == 500
