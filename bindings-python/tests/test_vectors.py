"""Every conformance vector in tests/vectors/ (schema in its README), with its exact outcome."""

from __future__ import annotations

import base64
import json
from typing import Any, Dict, List

import payvost
import pytest

from conftest import VECTORS


def _cases() -> List[Any]:
    cases = []
    for path in sorted(VECTORS.glob("*.json")):
        doc = json.loads(path.read_text())
        if doc["schema"] != "verify/1":
            continue  # rfc4231.json: the MAC itself, run by the core
        cases.extend(pytest.param(case, id=case["id"]) for case in doc["cases"])
    return cases


CASES = _cases()


def _at(value: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        value = value[part]
    return value


def _int(value: Any) -> int:
    return int(value)  # JSON integers beyond 2^53 are written as strings


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 150


@pytest.mark.parametrize("case", CASES)
def test_vector(case: Dict[str, Any]) -> None:
    payload = base64.b64decode(case["payload_b64"])
    secret: Any = case["secrets"][0] if len(case["secrets"]) == 1 else case["secrets"]
    kwargs: Dict[str, Any] = {"now": _int(case["now"])}
    args: List[Any] = [payload, case["header"], secret]
    if "tolerance" in case:
        args.append(case["tolerance"])
    expected = case["expected"]
    if "error" in expected:
        with pytest.raises(payvost.error.PayvostError) as raised:
            payvost.Webhook.construct_event(*args, **kwargs)
        assert raised.value.code == expected["error"], str(raised.value)
        if "message" in expected:
            assert str(raised.value) == expected["message"]
        # verify_header refuses the same way, unless only the body was refused (it does not judge the body).
        if expected["error"].startswith("payload_"):
            assert isinstance(payvost.WebhookSignature.verify_header(*args, **kwargs).secret_index, int)
            return
        with pytest.raises(payvost.error.PayvostError) as refused:
            payvost.WebhookSignature.verify_header(*args, **kwargs)
        assert refused.value.code == expected["error"], str(refused.value)
        if "message" in expected:
            assert str(refused.value) == expected["message"]
        return
    event = payvost.Webhook.construct_event(*args, **kwargs)
    assert event.id == expected["event_id"]
    assert event.type == expected["event_type"]
    verified = payvost.WebhookSignature.verify_header(*args, **kwargs)
    assert verified.secret_index == expected["secret_index"]
    assert verified.timestamp == _int(expected["timestamp"])
    if "created" in expected:
        assert event.created == expected["created"]
    for path, value in expected.get("fields", {}).items():
        assert _at(event.to_dict(), path) == value, path
    for path, text in expected.get("numbers", {}).items():
        value = _at(event.to_dict(), path)
        if any(c in text for c in ".eE"):
            assert value == float(text), path  # a float, as json.loads makes it
        else:
            assert str(value) == text, path  # an int, exact whatever its size
    if "previous_attributes" in expected:
        previous = event.data.previous_attributes
        assert (previous.to_dict() if previous is not None else None) == expected["previous_attributes"]
    if "object" in expected:
        kind = expected["object"]["kind"]
        obj = event.data.object
        assert type(obj).__name__ == (kind.capitalize() if kind != "other" else "PayvostObject")
        for field, value in expected["object"]["typed"].items():
            # Exactly the core's typed reading: None where it reads the field as
            # absent (a wrong type included), never the raw value.
            typed = getattr(obj, field)
            assert typed == value and type(typed) is type(value), (field, typed, value)
    # The event is exactly what json.loads makes of the body.
    assert event.to_dict() == json.loads(payload)
