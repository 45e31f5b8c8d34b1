"""What every framework adapter does the same way: verify a raw body, and
turn a failure into the answer Payvost gets (protocol §10)."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, Optional, Union

from . import _native
from ._event import AnyEvent
from ._router import EventRouter
from ._webhook import DEFAULT_TOLERANCE, Secret, _verifier
from .error import ConfigurationError, PayvostError

_FACTS = json.loads(_native.FACTS)

#: The largest body an adapter reads, in bytes (the core's, 5 MiB): Payvost's events are far smaller.
DEFAULT_BODY_LIMIT: int = _FACTS["body_limit"]
_TOO_LARGE: str = _FACTS["messages"]["body_too_large"]
#: The header the signature comes in (the core's name; every framework here looks headers up ignoring case).
SIGNATURE_HEADER: str = _FACTS["signature_header"]


class Answer(Exception):
    """A delivery refused: its HTTP status and JSON body (``{"error": {"code", "message"}}``)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.body: Dict[str, Any] = {"error": {"code": code, "message": message}}


def too_large(limit: int) -> Answer:
    return Answer(413, "payload_invalid_json", _TOO_LARGE.replace("{limit}", str(limit)))


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



#: Gets the error of a handler that ran after the answer, and its event.
OnError = Callable[[Exception, AnyEvent], None]


def acknowledgement(acknowledge_first: bool, on_error: Optional[OnError]) -> Optional[OnError]:
    """The callback of a view that answers first, ``None`` for one that answers
    after its handlers. Refuses ``acknowledge_first`` without an ``on_error``:
    the errors of handlers that run after the answer would reach no one."""
    if not acknowledge_first:
        return None
    if not callable(on_error):
        raise TypeError(
            "acknowledge_first needs on_error=callback(error, event), which gets the errors of handlers that run after the answer"
        )
    return on_error


def dispatch_after_answer(router: EventRouter, event: AnyEvent, on_error: OnError) -> None:
    """Runs ``router``'s handlers once the answer has left; their errors go to ``on_error``."""
    try:
        router.dispatch(event)
    except Exception as error:  # noqa: BLE001 - the answer has left: on_error is the only one who can hear it
        on_error(error, event)


async def dispatch_after_answer_async(router: EventRouter, event: AnyEvent, on_error: OnError) -> None:
    """As :func:`dispatch_after_answer`, awaiting ``async`` handlers."""
    try:
        await router.dispatch_async(event)
    except Exception as error:  # noqa: BLE001 - as above
        on_error(error, event)
