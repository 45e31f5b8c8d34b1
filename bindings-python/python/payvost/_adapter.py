"""What every framework adapter does the same way: verify a raw body, and
turn a failure into the answer Payvost gets (protocol §10)."""

from __future__ import annotations

import json
import logging
from typing import Any, Callable, Dict, List, Optional, Union

from . import _native
from ._event import AnyEvent
from ._router import EventRouter
from ._webhook import Secret
from .error import ConfigurationError, IdempotencyError, PayvostError

_FACTS = json.loads(_native.FACTS)
_MESSAGES: Dict[str, str] = _FACTS["messages"]

#: The largest body an adapter reads, in bytes (the core's, 5 MiB): Payvost's events are far smaller.
DEFAULT_BODY_LIMIT: int = _FACTS["body_limit"]
#: The header the signature comes in (the core's name; every framework here looks headers up ignoring case).
SIGNATURE_HEADER: str = _FACTS["signature_header"]

#: Where an error that no one else can hear goes: an ``on_error`` callback that raised.
LOGGER = logging.getLogger("payvost")

#: How much of a body is asked of a stream at once.
_CHUNK = 65536


class Answer(Exception):
    """A delivery refused: its HTTP status and JSON body (``{"error": {"code", "message"}}``)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.body: Dict[str, Any] = {"error": {"code": code, "message": message}}


def too_large(limit: int) -> Answer:
    return Answer(413, "payload_invalid_json", _MESSAGES["body_too_large"].replace("{limit}", str(limit)))


def verifier_for(secret: Secret, tolerance: Union[int, float]) -> _native.Verifier:
    """The adapter's verifier, built when the app starts, so that a bad
    secret or tolerance raises then. The request path holds this object,
    whose ``repr`` shows no secret, and never the secret itself: a debug
    page (Django's, Werkzeug's) lists the locals of every frame."""
    return _native.Verifier(secret, tolerance)


def checked_limit(limit: object) -> int:
    """``limit`` when it is a positive whole number of bytes; otherwise
    :class:`ConfigurationError` (``option_invalid``) when the app starts."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ConfigurationError(_MESSAGES["limit_invalid"].replace("{value}", repr(limit)), code="option_invalid")
    return limit


def declared_length(value: Union[str, bytes, None]) -> Optional[int]:
    """The request's ``Content-Length`` as the core reads it (ASCII digits
    only), ``None`` when absent or empty (PEP 3333 allows an empty one); an
    :class:`Answer` (400) for anything else."""
    if not value:
        return None
    # WSGI decodes headers as latin-1; anything beyond it is no digit either.
    raw = value if isinstance(value, bytes) else value.encode("latin-1", "replace")
    length = _native.content_length(raw)
    if length is None:
        raise Answer(400, "payload_invalid_json", _MESSAGES["content_length_invalid"])
    return length


def signature_header(lines: List[str]) -> Optional[str]:
    """The header's lines as the one value protocol §2 reads (joined by ``, ``), ``None`` without any."""
    return _native.joined_header_lines(lines)


def read_body(read: Callable[[int], bytes], declared: Optional[int], limit: int) -> bytes:
    """The body from ``read(n)``, never more than ``limit + 1`` bytes of it
    whatever the framing (protocol §10): a ``declared`` length over the
    limit is refused before reading, and a body that turns out longer (no
    length, or chunked) as soon as it passes the limit. A cut body is never
    returned, so never verified."""
    if declared is not None and declared > limit:
        raise too_large(limit)
    chunks: List[bytes] = []
    size = 0
    while size <= limit:
        chunk = read(min(_CHUNK, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise too_large(limit)
    return b"".join(chunks)


def wsgi_body(environ: Dict[str, Any], read: Callable[[int], bytes], limit: int) -> bytes:
    """The body of a WSGI request, by :func:`read_body`. ``read`` reads the
    framework's stream, which ends at ``Content-Length``. With no length, a
    server that decoded a chunked body says so (``wsgi.input_terminated``,
    as gunicorn and Werkzeug do) and the raw input is read to its end or the
    limit; otherwise there is no body (RFC 9112 §6.3)."""
    declared = declared_length(environ.get("CONTENT_LENGTH"))
    if declared is None:
        if not environ.get("wsgi.input_terminated"):
            return b""
        read = environ["wsgi.input"].read
    return read_body(read, declared, limit)


def verify(body: bytes, header: Optional[str], verifier: _native.Verifier) -> AnyEvent:
    """The event of a delivery, or the :class:`Answer` refusing it: 400 for a
    request that is not authentic or not an event, 500 for a configuration
    mistake (no request can fix it)."""
    try:
        return verifier.construct_event(body, header, None)
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


def report(on_error: OnError, error: Exception, event: AnyEvent) -> None:
    """Hands a handler's ``error`` to ``on_error``; should that raise too, it
    is logged once to the ``payvost`` logger, as nothing else would hear it,
    and the server goes on."""
    try:
        on_error(error, event)
    except Exception as hook_error:  # noqa: BLE001 - the answer has left: a log is all that is left
        LOGGER.error(
            "payvost: on_error raised %r while reporting %r, the error of a handler of event %s",
            hook_error, error, event.id, exc_info=hook_error,
        )


def checked_guard(idempotency: Any) -> Any:
    """``idempotency`` when it is a guard (or ``None``); else ``option_invalid`` when the app starts."""
    if idempotency is not None and not callable(getattr(idempotency, "claim", None)):
        raise ConfigurationError(
            f"idempotency takes a payvost.idempotency.IdempotencyGuard, not {type(idempotency).__name__}.", code="option_invalid"
        )
    return idempotency


def refusal(error: IdempotencyError) -> Answer:
    """A refusal of the idempotency guard, as its answer (409, 422, 503, 500)."""
    return Answer(error.status, error.code, error.message)


def handlers(idempotency: Any, router: EventRouter, event: AnyEvent, body: bytes) -> Optional[Callable[[], Any]]:
    """The router's handlers for a verified delivery, to run now or after
    the answer: inside the guard's claim, held before this returns, when
    there is a guard (protocol §11); ``None`` for a duplicate, answered 200
    without running them. The guard's refusals raise :class:`Answer`, and
    so do its errors while running them."""
    if idempotency is None:
        return lambda: router.dispatch(event)
    try:
        claim = idempotency.claim(event, body)
    except IdempotencyError as error:
        raise refusal(error) from error
    if claim.outcome == "duplicate":
        return None

    def run() -> Any:
        try:
            return claim.run(router.dispatch)
        except IdempotencyError as error:
            raise refusal(error) from error

    return run


async def handlers_async(idempotency: Any, router: EventRouter, event: AnyEvent, body: bytes) -> Optional[Callable[[], Any]]:
    """As :func:`handlers`, for asyncio: the returned function is awaited."""
    if idempotency is None:
        return lambda: router.dispatch_async(event)
    try:
        claim = await idempotency.aclaim(event, body)
    except IdempotencyError as error:
        raise refusal(error) from error
    if claim.outcome == "duplicate":
        return None

    async def run() -> Any:
        try:
            return await claim.arun(router.dispatch_async)
        except IdempotencyError as error:
            raise refusal(error) from error

    return run


def _cause(answer: Answer) -> Exception:
    """The guard's error behind a refusal that came after the answer."""
    cause = answer.__cause__
    return cause if isinstance(cause, Exception) else RuntimeError(str(answer))


def run_after_answer(run: Callable[[], Any], event: AnyEvent, on_error: OnError) -> None:
    """Runs the handlers once the answer has left; their errors go to ``on_error``."""
    try:
        run()
    except Answer as answer:
        report(on_error, _cause(answer), event)
    except Exception as error:  # noqa: BLE001 - the answer has left: on_error is the only one who can hear it
        report(on_error, error, event)


async def run_after_answer_async(run: Callable[[], Any], event: AnyEvent, on_error: OnError) -> None:
    """As :func:`run_after_answer`, awaiting ``run()``."""
    try:
        await run()
    except Answer as answer:
        report(on_error, _cause(answer), event)
    except Exception as error:  # noqa: BLE001 - as above
        report(on_error, error, event)
