"""``payvost.Webhook`` and ``payvost.WebhookSignature``: the calls the docs use."""

from __future__ import annotations

from typing import Any, NamedTuple, Optional, Sequence, Tuple, Union

from . import _native
from ._event import Event

__all__ = ["Webhook", "WebhookSignature", "Verified", "Payload", "Secret", "Time"]

Payload = Union[bytes, bytearray, memoryview, str]
Secret = Union[str, Sequence[str]]
Time = Any  # int or float of unix seconds, or a datetime

DEFAULT_TOLERANCE: int = _native.DEFAULT_TOLERANCE

# Servers verify with one secret over and over: keep the last verifier, which
# holds that secret's precomputed HMAC state. A plain tuple swap, safe under
# the GIL.
_last: Optional[Tuple[Any, _native.Verifier]] = None


def _verifier(secret: Any, tolerance: Any) -> _native.Verifier:
    global _last
    if isinstance(secret, str):
        key: Any = (secret, type(tolerance), tolerance)
    elif isinstance(secret, (list, tuple)):
        key = (tuple(secret), type(tolerance), tolerance)
    else:
        key = None  # let the native side say what is wrong with it
    cached = _last
    if key is not None and cached is not None and cached[0] == key:
        return cached[1]
    verifier = _native.Verifier(secret, tolerance)
    if key is not None:
        _last = (key, verifier)
    return verifier


class Verified(NamedTuple):
    """What a successful verification proves."""

    timestamp: int
    """The header's ``t``, in unix seconds."""
    secret_index: int
    """Index, in the secrets given, of the secret that matched."""


class Webhook:
    DEFAULT_TOLERANCE = DEFAULT_TOLERANCE

    @staticmethod
    def construct_event(
        payload: Payload,
        sig_header: Optional[Union[str, bytes]],
        secret: Secret,
        tolerance: Union[int, float] = DEFAULT_TOLERANCE,
        *,
        now: Optional[Time] = None,
    ) -> Event:
        """Verify the ``Payvost-Signature`` header over the raw body and return the event.

        ``payload`` is the raw body (Flask ``request.get_data()``, Django
        ``request.body``); ``secret`` is the endpoint's ``whsec_...`` secret, or
        several while rotating; ``now`` (unix seconds or a ``datetime``)
        defaults to the system clock. Raises a :class:`payvost.error.PayvostError`.
        """
        return Event(_verifier(secret, tolerance).construct_event(payload, sig_header, now))


class WebhookSignature:
    @staticmethod
    def verify_header(
        payload: Payload,
        sig_header: Optional[Union[str, bytes]],
        secret: Secret,
        tolerance: Union[int, float] = DEFAULT_TOLERANCE,
        *,
        now: Optional[Time] = None,
    ) -> Verified:
        """Verify without parsing the body: the timestamp and the matching secret's index."""
        return Verified(*_verifier(secret, tolerance).verify(payload, sig_header, now))

    @staticmethod
    def generate_header(payload: Payload, secret: str, timestamp: Optional[Time] = None) -> str:
        """The header Payvost would send, for testing a handler without a network.

        Raises ConfigurationError for a secret a verifier would refuse
        (``secret_invalid``) or a negative timestamp (``tolerance_invalid``).
        """
        return _native.sign(payload, secret, timestamp)
