"""Messages that name the real cause: a mismatch names both usual causes (the
body, then the secret) and a secret without its whsec_ prefix; an absent secret
names what was passed and the variable the docs use."""

from __future__ import annotations

from typing import Any

import payvost
import pytest

from conftest import NOW

BODY = b'{"id":"evt_1","type":"x","data":{"object":{}}}'
HEADER = payvost.WebhookSignature.generate_header(BODY, "whsec_right", NOW)
BOTH = (
    "No signature in the Payvost-Signature header matches this payload and secret. "
    "Either the body passed is not the raw request body, byte for byte as received (a JSON body parser "
    "re-serialises it), or the secret is not this endpoint's signing secret (whsec_...)"
)
HINT = (
    " With Flask pass request.get_data(), with Django request.body, with FastAPI or Starlette "
    "await request.body(): the bytes as received, never a parsed and re-serialised body."
)


def message(secret: Any) -> str:
    with pytest.raises(payvost.error.PayvostError) as raised:
        payvost.Webhook.construct_event(BODY, HEADER, secret, now=NOW)
    return f"{raised.value.code}: {raised.value}"


def test_a_wrong_secret_names_both_causes_body_first() -> None:
    assert message("whsec_wrong") == f"signature_mismatch: {BOTH}.{HINT}"


def test_a_secret_without_its_prefix_is_named() -> None:
    assert message("1234567890") == (
        f"signature_mismatch: {BOTH}. The secret given does not start with whsec_, as every Payvost "
        f"webhook signing secret does: it is most likely another value.{HINT}"
    )


@pytest.mark.parametrize("value", [None, False], ids=["None", "False"])
def test_an_absent_secret_names_itself_and_the_variable(value: Any) -> None:
    assert message(value) == (
        f"secret_invalid: The webhook signing secret is {value}: is PAYVOST_WEBHOOK_SECRET set? "
        "Pass the endpoint's signing secret (whsec_...), as the docs read it from PAYVOST_WEBHOOK_SECRET"
    )
