"""The delivery record (protocol §10.2): what every adapter reports of each
request it answered, and what it is counted into.

Each adapter (``payvost.flask``, ``payvost.django``, ``payvost.fastapi``,
``payvost.aws_lambda``) takes ``on_delivery=callback(record)``, logs every
record to ``logging.getLogger("payvost")`` (INFO for processed, duplicate
and in progress, WARNING for refused and shed, ERROR for failed) with the
record as ``extra={"delivery": record}``, and counts it:

>>> stats = DeliveryStats()
>>> stats.record({"outcome": "refused", "code": "signature_mismatch", "status": 400,
...               "duration_ms": 0.3, "received_at": 1764000000, "remote_address": "198.51.100.7"})
>>> stats.snapshot()["outcomes"]["refused"]
1
>>> print(stats.anomalies()[0])
1 refused with signature_mismatch since the last summary, from 1 address; likely cause: a probe, if that address is neither Payvost's nor your proxy's; otherwise the secret

The likely causes, the lines' template and the outcome of each code are the
core's (``delivery`` in its facts).
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any, Callable, Dict, List, Set, TypedDict

from . import _native

__all__ = ["DeliveryRecord", "DeliveryCounts", "DeliveryStats", "likely_cause", "anomaly", "prometheus"]

_FACTS: Dict[str, Any] = json.loads(_native.FACTS)["delivery"]

#: The most addresses counted apart per code between two summaries (the core's ``Tally::MAX_ADDRESSES``).
_MAX_ADDRESSES: int = _FACTS["max_addresses"]


class _Required(TypedDict):
    outcome: str
    status: int
    duration_ms: float
    received_at: int


class DeliveryRecord(_Required, total=False):
    """One delivery as an adapter answered it; absent fields were not known."""

    event_id: str
    event_type: str
    code: str
    signature_age: int
    secret_index: int
    attempt: int
    remote_address: str


class DeliveryCounts(TypedDict):
    """``stats()``: the deliveries counted, by outcome (each, 0 included) and by code answered."""

    total: int
    outcomes: Dict[str, int]
    codes: Dict[str, int]


def likely_cause(code: str, senders: int) -> str:
    """The likely cause of many refusals with ``code`` from ``senders``
    addresses (0: not known), in the core's words.

    >>> likely_cause("signature_mismatch", 5)[:10]
    'the secret'
    """
    causes = _FACTS["causes"].get(code, _FACTS["causes"]["payload_invalid_json"])
    return causes["one"] if senders == 1 else causes["many"]


def anomaly(code: str, count: int, senders: int) -> str:
    """One line of an anomaly summary, as the core writes it."""
    where = _FACTS["from"]
    place = where["unknown"] if senders == 0 else where["one"] if senders == 1 else where["many"].replace("{n}", str(senders))
    return (
        _FACTS["anomaly"]
        .replace("{count}", str(count))
        .replace("{code}", code)
        .replace("{from}", place)
        .replace("{cause}", likely_cause(code, senders))
    )


class DeliveryStats:
    """Records counted: by outcome and code since the start, and the
    refusals since the last :meth:`anomalies` by code and address. Every
    adapter keeps one (its ``stats()``); one made here may be shared by
    several adapters with their ``stats=`` option. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._outcomes: Dict[str, int] = {outcome: 0 for outcome in _FACTS["outcomes"]}
        self._codes: Dict[str, int] = {}
        self._window: Dict[str, List[Any]] = {}

    def record(self, record: DeliveryRecord) -> None:
        """Counts one record (usable as an ``on_delivery`` hook)."""
        with self._lock:
            outcome = record["outcome"]
            if outcome in self._outcomes:
                self._outcomes[outcome] += 1
            code = record.get("code")
            if code is None:
                return
            self._codes[code] = self._codes.get(code, 0) + 1
            if outcome != "refused":
                return
            count_and_addresses = self._window.setdefault(code, [0, set()])
            count_and_addresses[0] += 1
            addresses: Set[str] = count_and_addresses[1]
            address = record.get("remote_address")
            if address is not None and len(addresses) < _MAX_ADDRESSES:
                addresses.add(address)

    def snapshot(self) -> DeliveryCounts:
        """``{"total", "outcomes", "codes"}``, as every door gives it."""
        with self._lock:
            outcomes = dict(self._outcomes)
            return {"total": sum(outcomes.values()), "outcomes": outcomes, "codes": dict(sorted(self._codes.items()))}

    def anomalies(self) -> List[str]:
        """The refusals since the last call, one line per code with its likely cause; a new window."""
        with self._lock:
            window, self._window = self._window, {}
        return [anomaly(code, count, len(addresses)) for code, (count, addresses) in sorted(window.items())]

    def __repr__(self) -> str:
        return f"<payvost.delivery.DeliveryStats {self.snapshot()}>"


def prometheus(registry: Any = None, *, prefix: str = "payvost_webhook_") -> Callable[[DeliveryRecord], None]:
    """An ``on_delivery`` hook feeding ``prometheus_client`` (an optional
    dependency: ``pip install prometheus-client``):
    ``payvost_webhook_deliveries_total{outcome, code}`` and the histogram
    ``payvost_webhook_delivery_duration_seconds{outcome}``, in ``registry``
    (default: the client's global ``REGISTRY``)."""
    try:
        import prometheus_client
    except ImportError as error:
        raise ImportError("payvost.delivery.prometheus needs prometheus-client: pip install prometheus-client") from error
    # The client's own default; its None would register nowhere.
    registry = prometheus_client.REGISTRY if registry is None else registry
    deliveries = prometheus_client.Counter(
        f"{prefix}deliveries",
        "Payvost webhook deliveries answered, by outcome and error code (protocol §10.2).",
        ["outcome", "code"],
        registry=registry,
    )
    duration = prometheus_client.Histogram(
        f"{prefix}delivery_duration_seconds",
        "Time from a Payvost webhook delivery's arrival to its answer (or, acknowledged first, its handlers' end).",
        ["outcome"],
        registry=registry,
    )

    def observe(record: DeliveryRecord) -> None:
        deliveries.labels(outcome=record["outcome"], code=record.get("code", "")).inc()
        duration.labels(outcome=record["outcome"]).observe(record["duration_ms"] / 1000)

    return observe


#: The level of a record's log line, by outcome.
LEVELS: Dict[str, int] = {
    "processed": logging.INFO,
    "duplicate": logging.INFO,
    "in_progress": logging.INFO,
    "refused": logging.WARNING,
    "shed": logging.WARNING,
    "failed": logging.ERROR,
}

#: The outcome of each error code answered (the core's).
OUTCOME_OF_CODE: Dict[str, str] = _FACTS["outcome_of_code"]
#: The Retry-After of a shed delivery, in seconds (the core's).
RETRY_AFTER: int = _FACTS["retry_after"]
#: The order of a record's fields (the core's).
FIELDS: List[str] = _FACTS["fields"]
