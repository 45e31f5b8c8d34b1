"""Checked by `mypy --strict` in test_typing.py: the package's types describe real use."""

from __future__ import annotations

import datetime
from typing import Optional

import payvost
from payvost.error import PayvostError, SignatureVerificationError


def receive(body: bytes, header: Optional[str]) -> Optional[str]:
    try:
        event: payvost.Event = payvost.Webhook.construct_event(
            body, header, ["whsec_new", "whsec_old"], 600, now=datetime.datetime.now(datetime.timezone.utc)
        )
    except SignatureVerificationError as error:
        code: str = error.code
        echoed: Optional[str] = error.sig_header
        return f"{code} {echoed}"
    except PayvostError as error:
        return error.message
    if event.type == "payment.succeeded":
        payment = event.data.object
        if isinstance(payment, payvost.Payment):
            amount: Optional[int] = payment.amount
            return f"{payment.id} {amount} {payment.currency}"
    created: Optional[int] = event.created
    previous: Optional[payvost.PayvostObject] = event.data.previous_attributes
    raw: dict[str, object] = event.to_dict()
    return f"{event.id} {created} {previous} {len(raw)} {event['type']}"


verified: payvost.Verified = payvost.WebhookSignature.verify_header(b"{}", "t=1,v1=00", "whsec_x", now=1)
index: int = verified.secret_index
header: str = payvost.WebhookSignature.generate_header(b"{}", "whsec_x", 1764000000)
tolerance: int = payvost.DEFAULT_TOLERANCE
codes: list[str] = payvost.ERROR_CODES
