"""``payvost.Webhook`` and ``payvost.WebhookSignature``: the calls the docs use."""

from __future__ import annotations

from typing import Any, Dict, NamedTuple, Optional, Sequence, Union

from . import _native
from ._event import AnyEvent

__all__ = ["Webhook", "WebhookSignature", "WebhookVerifier", "Verified", "Payload", "Secret", "Time"]

Payload = Union[bytes, bytearray, memoryview, str]
#: One ``whsec_...`` secret, or several while rotating. ``None`` type-checks,
#: since ``os.environ.get`` returns it, and raises ConfigurationError
#: (``secret_invalid``) naming ``PAYVOST_WEBHOOK_SECRET``.
Secret = Optional[Union[str, Sequence[str]]]
Time = Any  # int or float of unix seconds, or a datetime

DEFAULT_TOLERANCE: int = _native.DEFAULT_TOLERANCE

class _Verifiers:
    """The verifiers the one-line calls keep: the last 16 used, each holding
    its secrets' precomputed HMAC state, so that an app serving several
    endpoints pays no key setup. Its ``repr`` shows how many it holds, never
    a secret. Dict operations are atomic under the GIL; a race costs at most
    a verifier built twice."""

    __slots__ = ("_kept",)
    SIZE = 16

    def __init__(self) -> None:
        # Made once, as the module loads, before a mutation test can change it.
        self._kept: Dict[Any, _native.Verifier] = {}  # pragma: no mutate

    def get(self, secret: Any, tolerance: Any) -> _native.Verifier:
        if isinstance(secret, str):
            key: Any = (secret, type(tolerance), tolerance)
        elif isinstance(secret, (list, tuple)):
            key = (tuple(secret), type(tolerance), tolerance)
        else:
            return _native.Verifier(secret, tolerance)  # the native side says what is wrong
        kept = self._kept
        try:
            verifier = kept.pop(key, None)
        except TypeError:  # an unhashable tolerance or secret: the native side judges it
            return _native.Verifier(secret, tolerance)
        if verifier is None:
            verifier = _native.Verifier(secret, tolerance)
            if len(kept) >= self.SIZE:
                kept.pop(next(iter(kept)), None)  # the least recently used
        kept[key] = verifier  # most recently used last
        return verifier

    def __repr__(self) -> str:
        return f"<payvost verifier cache: {len(self._kept)} of {self.SIZE}>"


_verifiers = _Verifiers()
_verifier = _verifiers.get


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
    ) -> AnyEvent:
        """Verify the ``Payvost-Signature`` header over the raw body and return the event.

        ``payload`` is the raw body (Flask ``request.get_data()``, Django
        ``request.body``); ``secret`` is the endpoint's ``whsec_...`` secret, or
        several while rotating; ``now`` (unix seconds or a ``datetime``)
        defaults to the system clock. Raises a :class:`payvost.error.PayvostError`.
        """
        return _verifier(secret, tolerance).construct_event(payload, sig_header, now)


class WebhookVerifier:
    """A verifier built once from an endpoint's secret (or several, while
    rotating) and a tolerance, that checks many deliveries with no key setup
    per call. Keep one per endpoint.

    >>> import payvost
    >>> body = b'{"id":"evt_1","type":"payment.succeeded","data":{"object":{"id":"pay_1"}}}'
    >>> verifier = payvost.WebhookVerifier("whsec_test", tolerance=300)
    >>> header = payvost.WebhookSignature.generate_header(body, "whsec_test")
    >>> verifier.construct_event(body, header).id
    'evt_1'
    >>> verifier
    <WebhookVerifier secrets=1 tolerance=300>
    """

    __slots__ = ("_native",)

    def __init__(self, secret: Secret, tolerance: Union[int, float] = DEFAULT_TOLERANCE) -> None:
        self._native = _native.Verifier(secret, tolerance)

    def construct_event(
        self, payload: Payload, sig_header: Optional[Union[str, bytes]], *, now: Optional[Time] = None
    ) -> AnyEvent:
        """As :meth:`Webhook.construct_event`, with this verifier's secrets and tolerance."""
        return self._native.construct_event(payload, sig_header, now)

    def verify_header(
        self, payload: Payload, sig_header: Optional[Union[str, bytes]], *, now: Optional[Time] = None
    ) -> Verified:
        """As :meth:`WebhookSignature.verify_header`, with this verifier's secrets and tolerance."""
        return Verified(*self._native.verify(payload, sig_header, now))

    def __repr__(self) -> str:
        return repr(self._native).replace("<Verifier", "<WebhookVerifier", 1)


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
