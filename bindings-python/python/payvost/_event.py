"""Events: read-only views over what ``json.loads`` makes of the body."""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Union, overload

from . import _native

__all__ = [
    "PayvostObject",
    "PayvostList",
    "Event",
    "EventData",
    "Payment",
    "Subscription",
    "Refund",
    "Customer",
    "Dispute",
]


def _wrap(value: Any) -> Any:
    if type(value) is dict:
        return PayvostObject(value)
    if type(value) is list:
        return PayvostList(value)
    return value


class PayvostObject(Mapping[str, Any]):
    """A JSON object of an event, with attribute and item access at every level.

    ``obj.amount`` and ``obj["amount"]`` read the same field; nested objects
    and lists are views too. A field whose name is also a method of a mapping
    (``items``, ``keys``, ``values``, ``get``) is read with ``obj["items"]``.
    """

    __slots__ = ("_data",)
    _data: Dict[str, Any]

    def __init__(self, data: Dict[str, Any]) -> None:
        object.__setattr__(self, "_data", data)

    def __getattr__(self, name: str) -> Any:
        try:
            return _wrap(self._data[name])
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __getitem__(self, key: str) -> Any:
        return _wrap(self._data[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PayvostObject):
            return self._data == other._data
        if isinstance(other, dict):
            return self._data == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __dir__(self) -> List[str]:
        return sorted(set(super().__dir__()) | {k for k in self._data if k.isidentifier()})

    def __repr__(self) -> str:
        ident = self._data.get("id")
        inside = f"id={ident!r}" if isinstance(ident, str) else f"{len(self._data)} fields"
        return f"<{type(self).__name__} {inside}>"

    def __reduce__(self) -> Any:
        return (type(self), (self._data,))

    def to_dict(self) -> Dict[str, Any]:
        """The object exactly as ``json.loads`` built it (the event's own dict, not a copy)."""
        return self._data


class PayvostList(Sequence[Any]):
    """A JSON array of an event; its objects are views too."""

    __slots__ = ("_data",)
    _data: List[Any]

    def __init__(self, data: List[Any]) -> None:
        object.__setattr__(self, "_data", data)

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> PayvostList: ...

    def __getitem__(self, index: Union[int, slice]) -> Any:
        if isinstance(index, slice):
            return PayvostList(self._data[index])
        return _wrap(self._data[index])

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PayvostList):
            return self._data == other._data
        if isinstance(other, list):
            return self._data == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<PayvostList of {len(self._data)}>"

    def __reduce__(self) -> Any:
        return (PayvostList, (self._data,))

    def to_list(self) -> List[Any]:
        """The array exactly as ``json.loads`` built it."""
        return self._data


class Payment(PayvostObject):
    """A payment (``pay_...``)."""

    __slots__ = ()

    @property
    def id(self) -> Optional[str]:
        return self._data.get("id")

    @property
    def amount(self) -> Optional[int]:
        """In minor units (cents)."""
        return self._data.get("amount")

    @property
    def currency(self) -> Optional[str]:
        """ISO 4217, lower case."""
        return self._data.get("currency")

    @property
    def status(self) -> Optional[str]:
        return self._data.get("status")

    @property
    def customer(self) -> Optional[str]:
        return self._data.get("customer")


class Subscription(PayvostObject):
    """A subscription (``sub_...``)."""

    __slots__ = ()

    @property
    def id(self) -> Optional[str]:
        return self._data.get("id")

    @property
    def customer(self) -> Optional[str]:
        return self._data.get("customer")

    @property
    def status(self) -> Optional[str]:
        return self._data.get("status")

    @property
    def currentPeriodStart(self) -> Optional[int]:
        """Unix seconds, as the payload spells it."""
        return self._data.get("currentPeriodStart")

    @property
    def currentPeriodEnd(self) -> Optional[int]:
        """Unix seconds, as the payload spells it."""
        return self._data.get("currentPeriodEnd")

    @property
    def current_period_start(self) -> Optional[int]:
        """``currentPeriodStart``, spelt the Python way."""
        return self._data.get("currentPeriodStart")

    @property
    def current_period_end(self) -> Optional[int]:
        """``currentPeriodEnd``, spelt the Python way."""
        return self._data.get("currentPeriodEnd")


class Refund(PayvostObject):
    """A refund (``ref_...``)."""

    __slots__ = ()

    @property
    def id(self) -> Optional[str]:
        return self._data.get("id")

    @property
    def payment(self) -> Optional[str]:
        """The refunded payment's id."""
        return self._data.get("payment")

    @property
    def amount(self) -> Optional[int]:
        return self._data.get("amount")

    @property
    def status(self) -> Optional[str]:
        return self._data.get("status")


class Customer(PayvostObject):
    """A customer (``cust_...``)."""

    __slots__ = ()

    @property
    def id(self) -> Optional[str]:
        return self._data.get("id")

    @property
    def email(self) -> Optional[str]:
        return self._data.get("email")

    @property
    def name(self) -> Optional[str]:
        return self._data.get("name")


class Dispute(PayvostObject):
    """A dispute (``dp_...``)."""

    __slots__ = ()

    @property
    def id(self) -> Optional[str]:
        return self._data.get("id")

    @property
    def payment(self) -> Optional[str]:
        """The disputed payment's id."""
        return self._data.get("payment")

    @property
    def amount(self) -> Optional[int]:
        return self._data.get("amount")

    @property
    def reason(self) -> Optional[str]:
        return self._data.get("reason")

    @property
    def status(self) -> Optional[str]:
        return self._data.get("status")


_OBJECT_CLASSES = {
    "payment": Payment,
    "subscription": Subscription,
    "refund": Refund,
    "customer": Customer,
    "dispute": Dispute,
}


class EventData(PayvostObject):
    """An event's ``data``: ``object``, typed by the event's type, and ``previous_attributes``."""

    __slots__ = ("_type",)
    _type: str

    def __init__(self, data: Dict[str, Any], event_type: str = "") -> None:
        super().__init__(data)
        object.__setattr__(self, "_type", event_type)

    @property
    def object(self) -> PayvostObject:
        """The object the event is about, as :class:`Payment`, :class:`Refund`, ... for known types."""
        cls = _OBJECT_CLASSES.get(_native.object_kind(self._type), PayvostObject)
        return cls(self._data["object"])

    @property
    def previous_attributes(self) -> Optional[PayvostObject]:
        """On ``*.updated`` events: the fields that changed, with their former values."""
        previous = self._data.get("previous_attributes")
        return PayvostObject(previous) if type(previous) is dict else None

    def __reduce__(self) -> Any:
        return (EventData, (self._data, self._type))


class Event(PayvostObject):
    """A verified Payvost event.

    ``event.id``, ``event.type``, ``event.data.object.amount``, and the same
    with ``[...]``; ``to_dict()`` is exactly ``json.loads`` of the body.
    Process each ``id`` once: deliveries are retried.
    """

    __slots__ = ()

    @property
    def id(self) -> str:
        """The event id (``evt_...``), the key for idempotent processing."""
        return self._data["id"]  # type: ignore[no-any-return]

    @property
    def type(self) -> str:
        """The event type, such as ``payment.succeeded``."""
        return self._data["type"]  # type: ignore[no-any-return]

    @property
    def created(self) -> Optional[int]:
        """When the event was created, in unix seconds, if the payload says."""
        created = self._data.get("created")
        return int(created) if created is not None else None

    @property
    def data(self) -> EventData:
        return EventData(self._data["data"], self.type)

    def __repr__(self) -> str:
        return f"<Event {self.type} id={self.id!r}>"
