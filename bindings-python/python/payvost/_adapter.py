"""What every framework adapter does the same way: verify a raw body, and
turn a failure into the answer Payvost gets (protocol §6)."""

from __future__ import annotations

from typing import Any, Dict, Optional, Union

from ._event import AnyEvent
from ._webhook import DEFAULT_TOLERANCE, Secret, _verifier
from .error import ConfigurationError, PayvostError

#: The largest body an adapter reads, in bytes: Payvost's events are far smaller.
DEFAULT_BODY_LIMIT = 5 * 1024 * 1024


class Answer(Exception):
    """A delivery refused: its HTTP status and JSON body (``{"error": {"code", "message"}}``)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.body: Dict[str, Any] = {"error": {"code": code, "message": message}}


def too_large(limit: int) -> Answer:
    return Answer(413, "payload_invalid_json", f"The body is larger than the {limit}-byte limit; Payvost's events are far smaller.")


def check_config(secret: Secret, tolerance: Union[int, float]) -> None:
    """Refuses a bad secret or tolerance when the app starts, not on the first delivery."""
    _verifier(secret, tolerance)


def verify(body: bytes, header: Optional[str], secret: Secret, tolerance: Union[int, float] = DEFAULT_TOLERANCE) -> AnyEvent:
    """The event of a delivery, or the :class:`Answer` refusing it: 400 for a
    request that is not authentic or not an event, 500 for a configuration
    mistake (no request can fix it)."""
    try:
        return _verifier(secret, tolerance).construct_event(body, header, None)
    except ConfigurationError as error:
        raise Answer(500, error.code, error.message) from error
    except PayvostError as error:
        raise Answer(400, error.code, error.message) from error

