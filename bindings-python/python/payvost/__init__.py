"""Verify and parse Payvost webhooks, on the same Rust core as every Payvost SDK.

>>> import payvost
>>> body = b'{"id":"evt_1","type":"payment.succeeded","data":{"object":{"id":"pay_1","amount":2000}}}'
>>> header = payvost.WebhookSignature.generate_header(body, "whsec_test")
>>> event = payvost.Webhook.construct_event(body, header, "whsec_test")
>>> event.type, event.data.object.amount
('payment.succeeded', 2000)
"""

from importlib.metadata import version as _version

from . import error
from ._event import (
    UNKNOWN_EVENT_TYPE,
    AnyEvent,
    Customer,
    CustomerEvent,
    CustomerEventData,
    Dispute,
    DisputeEvent,
    DisputeEventData,
    Event,
    EventData,
    KnownEvent,
    Payment,
    PaymentEvent,
    PaymentEventData,
    PayvostObject,
    Refund,
    RefundEvent,
    RefundEventData,
    Subscription,
    SubscriptionEvent,
    SubscriptionEventData,
    UnknownEvent,
)
from ._native import ERROR_CODES
from .error import (
    ConfigurationError,
    InvalidPayloadError,
    PayvostError,
    SignatureVerificationError,
)
from ._router import EventRouter
from ._webhook import DEFAULT_TOLERANCE, Verified, Webhook, WebhookSignature, WebhookVerifier

#: The installed distribution's version, the same in every Payvost SDK of a release.
__version__: str = _version("payvost")

__all__ = [
    "Webhook",
    "WebhookSignature",
    "WebhookVerifier",
    "EventRouter",
    "Verified",
    "Event",
    "AnyEvent",
    "KnownEvent",
    "PaymentEvent",
    "SubscriptionEvent",
    "RefundEvent",
    "CustomerEvent",
    "DisputeEvent",
    "UnknownEvent",
    "UNKNOWN_EVENT_TYPE",
    "EventData",
    "PaymentEventData",
    "SubscriptionEventData",
    "RefundEventData",
    "CustomerEventData",
    "DisputeEventData",
    "PayvostObject",
    "Payment",
    "Subscription",
    "Refund",
    "Customer",
    "Dispute",
    "DEFAULT_TOLERANCE",
    "ERROR_CODES",
    "error",
    "PayvostError",
    "SignatureVerificationError",
    "InvalidPayloadError",
    "ConfigurationError",
]
