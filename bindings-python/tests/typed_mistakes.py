"""Each line marked `# error: <what>` must be an error to both type checkers
(test_typing.py checks each line is reported, and nothing else)."""

from __future__ import annotations

import payvost


def handle(body: bytes, header: str) -> object:
    event = payvost.Webhook.construct_event(body, header, "whsec_x")
    if event.type == "payment.succeeded":
        return event.data.object.amout  # error: a misspelt field
    if event.type == "payment.succeded":  # error: a misspelt event type
        return None
    if event.type == "refund.created":
        return event.data.object.amount + 1  # error: an optional field used as present
    return event.data.object.metadata  # error: a field the types do not name, read as an attribute


payvost.Webhook.construct_event({"id": "evt_1"}, "t=1", "whsec_x")  # error: a parsed dict is not a payload
n: int = payvost.Webhook.construct_event(b"{}", "t=1", "whsec_x").data.object  # error: an object is not an int


router = payvost.EventRouter()


@router.on("refund.created")  # error: a refund's handler takes a RefundEvent
def refunded(event: payvost.PaymentEvent) -> None: ...


router.on("payment.succeded")  # error: a misspelt event type
