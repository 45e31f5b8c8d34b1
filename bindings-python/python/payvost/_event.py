"""Events: the dicts ``json.loads`` makes of the body, with typed attributes.

Every event is a ``dict`` (``json.dumps``, ``pickle``, ``==`` and ``copy``
work as for any dict), built by the native half in one pass. The event,
its ``data`` and ``data.object`` are instances of the classes below, chosen
by the event's type; everything deeper is the plain ``dict`` or ``list``
``json.loads`` would make, turned into a :class:`PayvostObject` when first
read as an attribute.

For type checkers, ``construct_event`` returns :data:`AnyEvent`, a union of
one class per kind of object, tagged by ``type`` as a ``Literal``: comparing
``event.type`` narrows ``event.data.object`` to :class:`Payment`, ... A
field the types do not name is read by item, ``obj["metadata"]``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Dict, List, Literal, Optional, Tuple, Type, Union, get_args, get_type_hints

__all__ = [
    "PayvostObject",
    "Event",
    "EventData",
    "AnyEvent",
    "KnownEvent",
    "PaymentEvent",
    "SubscriptionEvent",
    "RefundEvent",
    "CustomerEvent",
    "DisputeEvent",
    "UnknownEvent",
    "PaymentEventData",
    "SubscriptionEventData",
    "RefundEventData",
    "CustomerEventData",
    "DisputeEventData",
    "Payment",
    "Subscription",
    "Refund",
    "Customer",
    "Dispute",
    "UNKNOWN_EVENT_TYPE",
    "PaymentEventType",
    "SubscriptionEventType",
    "RefundEventType",
    "CustomerEventType",
    "DisputeEventType",
]


#: How much of an object's JSON its ``repr`` shows.
_REPR_LIMIT = 500


_I64 = range(-(2**63), 2**63)


def _int(value: Any) -> Optional[int]:
    """A typed integer field as the core reads it: an integer written as one
    that fits an i64; anything else (a string, a float, a bool, a larger
    number) reads as ``None``, and stays on the object by its key."""
    return value if type(value) is int and value in _I64 else None


def _str(value: Any) -> Optional[str]:
    """A typed text field as the core reads it: a JSON string, else ``None``."""
    return value if isinstance(value, str) else None


def _attribute(value: Any) -> Any:
    """A nested value as attribute access shows it: its dicts as PayvostObjects."""
    if type(value) is dict:
        return PayvostObject(value)
    if type(value) is list:
        for i, item in enumerate(value):
            viewed = _attribute(item)
            if viewed is not item:
                value[i] = viewed
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


class PayvostObject(Dict[str, Any]):
    """A JSON object of an event: a ``dict`` whose fields also read as attributes.

    ``obj.amount`` and ``obj["amount"]`` read the same field, except that a
    typed attribute (``Payment.amount``) reads as the core types it: a value
    of another type (``"2000"`` where an integer belongs) is ``None`` there
    and stays as sent by item. A field whose
    name is also a method of ``dict`` (``items``, ``keys``, ``values``,
    ``get``) is read with ``obj["items"]``. Type checkers see only the typed
    attributes of each class; read other fields by item.

    >>> obj = PayvostObject({"id": "pay_1", "metadata": {"order": "6735"}})
    >>> obj.metadata.order, obj["metadata"]["order"]
    ('6735', '6735')
    """

    __slots__ = ()

    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any:
            try:
                value = self[name]
            except KeyError:
                raise AttributeError(f"{type(self).__name__} has no field {name!r}") from None
            viewed = _attribute(value)
            if viewed is not value:
                # Stored back, so that item and attribute access agree from now on.
                dict.__setitem__(self, name, viewed)
            return viewed

    def __dir__(self) -> List[str]:
        return sorted(set(super().__dir__()) | {k for k in self if isinstance(k, str) and k.isidentifier()})

    def __repr__(self) -> str:
        text = json.dumps(self, ensure_ascii=False)
        if len(text) > _REPR_LIMIT:
            text = f"{text[:_REPR_LIMIT]}... ({len(text)} characters)"
        return f"<{type(self).__name__} {text}>"

    def to_dict(self) -> Dict[str, Any]:
        """A deep copy made of plain ``dict`` and ``list``, exactly ``json.loads`` of the body."""
        return {key: _plain(value) for key, value in self.items()}


# generated objects: begin: written by scripts/generate-objects.py from the core's schema (facts.json `objects`): edit the core, not this.


class Payment(PayvostObject):
    """A payment (``pay_...``). A field the payload lacks, or holds as another type, reads as ``None``."""

    __slots__ = ()

    @property
    def id(self) -> Optional[str]:
        """The payment's id."""
        return _str(self.get("id"))

    @property
    def amount(self) -> Optional[int]:
        """In minor units (cents)."""
        return _int(self.get("amount"))

    @property
    def currency(self) -> Optional[str]:
        """ISO 4217, lower case."""
        return _str(self.get("currency"))

    @property
    def status(self) -> Optional[str]:
        """The payment's status."""
        return _str(self.get("status"))

    @property
    def customer(self) -> Optional[str]:
        """The customer's id (``cust_...``)."""
        return _str(self.get("customer"))


class Subscription(PayvostObject):
    """A subscription (``sub_...``). A field the payload lacks, or holds as another type, reads as ``None``."""

    __slots__ = ()

    @property
    def id(self) -> Optional[str]:
        """The subscription's id."""
        return _str(self.get("id"))

    @property
    def customer(self) -> Optional[str]:
        """The customer's id (``cust_...``)."""
        return _str(self.get("customer"))

    @property
    def status(self) -> Optional[str]:
        """The subscription's status."""
        return _str(self.get("status"))

    @property
    def currentPeriodStart(self) -> Optional[int]:  # noqa: N802: the payload's spelling
        """Unix seconds."""
        return _int(self.get("currentPeriodStart"))

    @property
    def current_period_start(self) -> Optional[int]:
        """``currentPeriodStart``, spelt the Python way: unix seconds."""
        return _int(self.get("currentPeriodStart"))

    @property
    def currentPeriodEnd(self) -> Optional[int]:  # noqa: N802: the payload's spelling
        """Unix seconds."""
        return _int(self.get("currentPeriodEnd"))

    @property
    def current_period_end(self) -> Optional[int]:
        """``currentPeriodEnd``, spelt the Python way: unix seconds."""
        return _int(self.get("currentPeriodEnd"))


class Refund(PayvostObject):
    """A refund (``ref_...``). A field the payload lacks, or holds as another type, reads as ``None``."""

    __slots__ = ()

    @property
    def id(self) -> Optional[str]:
        """The refund's id."""
        return _str(self.get("id"))

    @property
    def payment(self) -> Optional[str]:
        """The refunded payment's id."""
        return _str(self.get("payment"))

    @property
    def amount(self) -> Optional[int]:
        """In minor units (cents)."""
        return _int(self.get("amount"))

    @property
    def status(self) -> Optional[str]:
        """The refund's status."""
        return _str(self.get("status"))


class Customer(PayvostObject):
    """A customer (``cust_...``). A field the payload lacks, or holds as another type, reads as ``None``."""

    __slots__ = ()

    @property
    def id(self) -> Optional[str]:
        """The customer's id."""
        return _str(self.get("id"))

    @property
    def email(self) -> Optional[str]:
        """The customer's email address."""
        return _str(self.get("email"))

    @property
    def name(self) -> Optional[str]:
        """The customer's name."""
        return _str(self.get("name"))


class Dispute(PayvostObject):
    """A dispute (``dp_...``). A field the payload lacks, or holds as another type, reads as ``None``."""

    __slots__ = ()

    @property
    def id(self) -> Optional[str]:
        """The dispute's id."""
        return _str(self.get("id"))

    @property
    def payment(self) -> Optional[str]:
        """The disputed payment's id."""
        return _str(self.get("payment"))

    @property
    def amount(self) -> Optional[int]:
        """In minor units (cents)."""
        return _int(self.get("amount"))

    @property
    def reason(self) -> Optional[str]:
        """Why the payment is disputed."""
        return _str(self.get("reason"))

    @property
    def status(self) -> Optional[str]:
        """The dispute's status."""
        return _str(self.get("status"))


#: The event types of each kind of object, as the ``type`` of its event class.
PaymentEventType = Literal["payment.created", "payment.succeeded", "payment.failed", "payment.canceled", "payment.processing"]
SubscriptionEventType = Literal["subscription.created", "subscription.updated", "subscription.deleted", "subscription.trial_will_end"]
RefundEventType = Literal["refund.created", "refund.updated", "refund.failed"]
CustomerEventType = Literal["customer.created", "customer.updated"]
DisputeEventType = Literal["dispute.opened", "dispute.resolved"]
# generated objects: end


# Attributes declared by annotation alone are the dict's members, served by
# __getattr__; type checkers narrow a union on them (not on properties).




class EventData(PayvostObject):
    """An event's ``data``: ``object``, and ``previous_attributes`` on ``*.updated`` events."""

    __slots__ = ()
    object: PayvostObject

    @property
    def previous_attributes(self) -> Optional[PayvostObject]:
        """The fields that changed, with their former values; ``None`` when absent."""
        previous = self.get("previous_attributes")
        if isinstance(previous, PayvostObject):
            return previous
        if not isinstance(previous, dict):
            return None
        viewed = PayvostObject(previous)
        dict.__setitem__(self, "previous_attributes", viewed)
        return viewed


class PaymentEventData(EventData):
    __slots__ = ()
    object: Payment


class SubscriptionEventData(EventData):
    __slots__ = ()
    object: Subscription


class RefundEventData(EventData):
    __slots__ = ()
    object: Refund


class CustomerEventData(EventData):
    __slots__ = ()
    object: Customer


class DisputeEventData(EventData):
    __slots__ = ()
    object: Dispute


class Event(PayvostObject):
    """A verified Payvost event, the base of the per-type classes.

    ``event.id``, ``event.type``, ``event.data.object.amount``, and the same
    with ``[...]``. Process each ``id`` once: deliveries are retried.
    """

    __slots__ = ()
    #: The event id (``evt_...``), the key for idempotent processing.
    id: str
    #: The event type, such as ``payment.succeeded``.
    type: str
    data: EventData

    @property
    def created(self) -> Optional[int]:
        """When the event was created, in unix seconds, if the payload says."""
        created = self.get("created")
        return int(created) if created is not None else None


class PaymentEvent(Event):
    """An event whose object is a :class:`Payment`."""

    __slots__ = ()
    type: PaymentEventType
    data: PaymentEventData


class SubscriptionEvent(Event):
    """An event whose object is a :class:`Subscription`."""

    __slots__ = ()
    type: SubscriptionEventType
    data: SubscriptionEventData


class RefundEvent(Event):
    """An event whose object is a :class:`Refund`."""

    __slots__ = ()
    type: RefundEventType
    data: RefundEventData


class CustomerEvent(Event):
    """An event whose object is a :class:`Customer`."""

    __slots__ = ()
    type: CustomerEventType
    data: CustomerEventData


class DisputeEvent(Event):
    """An event whose object is a :class:`Dispute`."""

    __slots__ = ()
    type: DisputeEventType
    data: DisputeEventData


#: What type checkers see as the ``type`` of an :class:`UnknownEvent`: a name
#: no event has, so that comparing ``event.type`` with a known name (or a
#: misspelt one) narrows the union and never matches the catch-all. At run
#: time the type is the name sent; read it as ``event["type"]``.
UNKNOWN_EVENT_TYPE = "(a type this SDK version does not know)"


class UnknownEvent(Event):
    """An event of a type this SDK version does not know; its object is a :class:`PayvostObject`."""

    __slots__ = ()
    type: Literal["(a type this SDK version does not know)"]
    data: EventData


KnownEvent = Union[PaymentEvent, SubscriptionEvent, RefundEvent, CustomerEvent, DisputeEvent]
#: What ``construct_event`` returns: one class per kind of object, tagged by ``type``.
AnyEvent = Union[KnownEvent, UnknownEvent]

_KNOWN: Tuple[Tuple[Type[Event], Type[EventData], Type[PayvostObject]], ...] = (
    (PaymentEvent, PaymentEventData, Payment),
    (SubscriptionEvent, SubscriptionEventData, Subscription),
    (RefundEvent, RefundEventData, Refund),
    (CustomerEvent, CustomerEventData, Customer),
    (DisputeEvent, DisputeEventData, Dispute),
)


# Called once, as the native half loads, before any test can change it
# (docs/security.md); every vector holds each event type to its classes.
def _classes() -> Dict[str, Tuple[Type[Event], Type[EventData], Type[PayvostObject]]]:  # pragma: no mutate block
    """The classes the native half builds each event type with; ``""`` for any other type."""
    classes = {name: known for known in _KNOWN for name in get_args(get_type_hints(known[0])["type"])}
    classes[""] = (UnknownEvent, EventData, PayvostObject)
    return classes
