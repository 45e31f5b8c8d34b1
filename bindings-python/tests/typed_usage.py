"""Checked by `mypy --strict` and pyright in strict mode in test_typing.py:
the package's types describe real use, narrowing included."""

from __future__ import annotations

import datetime
import json
import os
from typing import Optional

import payvost
from payvost.error import PayvostError, SignatureVerificationError


def receive(body: bytes, header: Optional[str]) -> Optional[str]:
    # os.environ.get gives Optional[str]: it type-checks, and an unset one raises.
    secret = os.environ.get("PAYVOST_WEBHOOK_SECRET")
    try:
        event = payvost.Webhook.construct_event(
            body, header, secret, 600, now=datetime.datetime.now(datetime.timezone.utc)
        )
    except SignatureVerificationError as error:
        code: str = error.code
        echoed: Optional[str] = error.sig_header
        return f"{code} {echoed}"
    except PayvostError as error:
        return error.message
    if event.type == "payment.succeeded":
        payment: payvost.Payment = event.data.object
        amount: Optional[int] = payment.amount
        return f"{payment.id} {amount} {payment.currency}"
    if event.type == "subscription.updated":
        end: Optional[int] = event.data.object.current_period_end
        previous: Optional[payvost.PayvostObject] = event.data.previous_attributes
        return f"{end} {previous}"
    if isinstance(event, payvost.UnknownEvent):
        name: object = event["type"]  # the name as sent
        return f"unknown {name}"
    base: payvost.Event = event
    created: Optional[int] = base.created
    stored: str = json.dumps(event)
    raw: dict[str, object] = event.to_dict()
    metadata: object = event.data.object["metadata"]
    return f"{event.id} {created} {stored} {len(raw)} {metadata}"


def one_verifier(body: bytes, header: str) -> str:
    verifier = payvost.WebhookVerifier(os.environ.get("PAYVOST_WEBHOOK_SECRET"), tolerance=300)
    event = verifier.construct_event(body, header)
    if event.type == "refund.created":
        refunded: Optional[str] = event.data.object.payment
        return refunded or ""
    return event.id


verified: payvost.Verified = payvost.WebhookSignature.verify_header(b"{}", "t=1,v1=00", "whsec_x", now=1)
index: int = verified.secret_index
header: str = payvost.WebhookSignature.generate_header(b"{}", "whsec_x", 1764000000)
tolerance: int = payvost.DEFAULT_TOLERANCE
codes: list[str] = payvost.ERROR_CODES


router = payvost.EventRouter()


@router.on("payment.succeeded")
def paid(event: payvost.PaymentEvent) -> Optional[int]:
    return event.data.object.amount


@router.on_unhandled
def other(event: payvost.AnyEvent) -> None:
    print(event.id)
