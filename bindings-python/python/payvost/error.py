"""The exceptions of ``payvost``: one hierarchy, rooted in :class:`PayvostError`.

Every failure carries ``code``, a stable string that is the same in every
Payvost SDK (``signature_mismatch``, ``timestamp_too_old``, ...). Nothing
else is raised by the SDK, whatever the arguments.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

__all__ = [
    "PayvostError",
    "SignatureVerificationError",
    "InvalidPayloadError",
    "ConfigurationError",
    "IdempotencyError",
]


class PayvostError(Exception):
    """The base of every error the SDK raises."""

    code: str
    sig_header: Optional[str]
    http_body: Optional[str]

    def __init__(
        self,
        message: str,
        *,
        code: str,
        sig_header: Optional[str] = None,
        http_body: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.sig_header = sig_header
        self.http_body = http_body

    @property
    def message(self) -> str:
        """The explanation, one sentence that says what to do."""
        return str(self.args[0]) if self.args else ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), self.message, self.code, self.sig_header, self.http_body))


def _rebuild(
    cls: type[PayvostError], message: str, code: str, sig_header: Optional[str], http_body: Optional[str]
) -> PayvostError:
    return cls(message, code=code, sig_header=sig_header, http_body=http_body)


class SignatureVerificationError(PayvostError, ValueError):
    """The request is not authentic or not fresh: answer 400 and do not process it.

    Codes: ``header_missing``, ``header_malformed``, ``no_signatures``,
    ``signature_mismatch``, ``timestamp_too_old``, ``timestamp_too_new``.
    ``sig_header`` and ``http_body`` hold at most their first 100 bytes.
    """


class InvalidPayloadError(PayvostError, ValueError):
    """The request is authentic but not an event, or the body given was not the raw one.

    Codes: ``payload_invalid_json``, ``payload_invalid_event``, ``payload_wrong_type``.
    """


class ConfigurationError(PayvostError, ValueError):
    """The secret, the tolerance or an adapter's option is unusable, whatever the request.

    Codes: ``secret_invalid``, ``tolerance_invalid``, ``option_invalid``.
    """


class IdempotencyError(PayvostError):
    """The delivery is authentic, but processing it once cannot be assured now
    (the idempotency guard, :mod:`payvost.idempotency`).

    Codes: ``event_in_progress`` (another worker holds the event: answer 409),
    ``store_unavailable`` (the store is down: answer 503), ``event_id_reused``
    (the id came before with another body: answer 422) and ``lease_lost``
    (this worker's lease ended and another took the event).
    """

    @property
    def status(self) -> int:
        """The HTTP status a receiver answers this with (protocol §10): 409, 422, 503 or 500."""
        return _statuses().get(self.code, 500)


_STATUSES: Dict[str, int] = {}


# Filled at the first use, which mutation testing's forked runs never repeat
# (docs/security.md); test_facts holds every status to the core's.
def _statuses() -> Dict[str, int]:  # pragma: no mutate block
    """Each code's HTTP status, the core's, read from its facts once."""
    if not _STATUSES:
        import json

        from . import _native  # here, not at the top: the native module imports this one

        _STATUSES.update({error["code"]: int(error["status"]) for error in json.loads(_native.FACTS)["errors"]})
    return _STATUSES
