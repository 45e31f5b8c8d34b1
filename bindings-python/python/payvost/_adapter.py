"""What every framework adapter does the same way: verify a raw body, and
turn a failure into the answer Payvost gets (protocol §10)."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from typing import Any, Awaitable, Callable, Dict, List, NamedTuple, Optional, Tuple, TypeVar, Union

from . import _native
from .delivery import FIELDS, LEVELS, OUTCOME_OF_CODE, RETRY_AFTER, DeliveryRecord, DeliveryStats
from ._event import AnyEvent
from ._router import EventRouter
from ._webhook import Secret
from .error import ConfigurationError, IdempotencyError, PayvostError

_FACTS = json.loads(_native.FACTS)
_MESSAGES: Dict[str, str] = _FACTS["messages"]
_STATUS: Dict[str, int] = {error["code"]: error["status"] for error in _FACTS["errors"]}

#: The largest body an adapter reads, in bytes (the core's, 5 MiB): Payvost's events are far smaller.
DEFAULT_BODY_LIMIT: int = _FACTS["body_limit"]
#: The header the signature comes in (the core's name; every framework here looks headers up ignoring case).
SIGNATURE_HEADER: str = _FACTS["signature_header"]

#: Where an error that no one else can hear goes (an ``on_error`` callback that raised), and every delivery record.
LOGGER = logging.getLogger("payvost")

#: How much of a body is asked of a stream at once.
_CHUNK = 65536


class Answer(Exception):
    """A delivery refused: its HTTP status, JSON body (``{"error": {"code",
    "message"}}``) and any header it needs (a shed delivery's ``Retry-After``)."""

    def __init__(self, status: int, code: str, message: str, headers: Optional[Dict[str, str]] = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.body: Dict[str, Any] = {"error": {"code": code, "message": message}}
        self.headers: Dict[str, str] = headers or {}


class Proven(NamedTuple):
    """A verified delivery: its event, the header's ``t`` and the index of the secret that matched."""

    event: AnyEvent
    timestamp: int
    secret_index: int


class Arrival:
    """When a request arrived (for its duration, and in unix seconds), from
    where, and whether it was counted in against ``max_concurrent``."""

    __slots__ = ("at", "unix", "address", "entered")

    def __init__(self, address: Optional[str]) -> None:
        self.at = time.perf_counter()
        self.unix = int(time.time())
        self.address = address
        self.entered = False


class Recorder:
    """An adapter's delivery records (protocol §10.2): each one built in the
    core's field order, counted in ``stats``, logged to the ``payvost``
    logger with the record as ``extra={"delivery": record}``, and handed to
    ``on_delivery``, whose exceptions never change the answer; and its
    ``max_concurrent``, past which a delivery is shed (503 ``receiver_busy``)."""

    def __init__(self, name: str, on_delivery: Optional[Callable[[DeliveryRecord], Any]], stats: Optional[DeliveryStats], max_concurrent: Optional[int]) -> None:
        if on_delivery is not None and not callable(on_delivery):
            raise ConfigurationError(f"{name}: on_delivery takes a function(record), not {type(on_delivery).__name__}.", code="option_invalid")
        if stats is not None and not isinstance(stats, DeliveryStats):
            raise ConfigurationError(f"{name}: stats takes a payvost.delivery.DeliveryStats, not {type(stats).__name__}.", code="option_invalid")
        if max_concurrent is not None and (isinstance(max_concurrent, bool) or not isinstance(max_concurrent, int) or max_concurrent < 1):
            raise ConfigurationError(
                f"{name}: max_concurrent takes a whole number of deliveries at once, 1 or more, not {max_concurrent!r}.", code="option_invalid"
            )
        self._hook = on_delivery
        self.stats = stats if stats is not None else DeliveryStats()
        self._limit = max_concurrent
        self._running = 0
        self._lock = threading.Lock()

    def arrive(self, address: Optional[str]) -> Arrival:
        """A request's arrival; :class:`Answer` (503 ``receiver_busy``) when
        the adapter already runs ``max_concurrent`` deliveries, recorded as
        shed. Every arrival let in is to be :meth:`leave` d."""
        arrival = Arrival(address)
        if self._limit is None:
            return arrival
        with self._lock:
            arrival.entered = self._running < self._limit
            if arrival.entered:
                self._running += 1
        if not arrival.entered:
            message = _MESSAGES["receiver_busy"].replace("{limit}", str(self._limit)) + "."
            busy = Answer(_STATUS["receiver_busy"], "receiver_busy", message, {"Retry-After": str(RETRY_AFTER)})
            self.refused(arrival, busy)
            raise busy
        return arrival

    def leave(self, arrival: Arrival) -> None:
        """Counts a delivery out, once its answer is made."""
        if arrival.entered:
            arrival.entered = False
            with self._lock:
                self._running -= 1

    def refused(self, arrival: Arrival, answer: Answer, proven: Optional[Proven] = None, attempt: Optional[int] = None) -> None:
        """Records a delivery answered with an error code."""
        self.record(arrival, OUTCOME_OF_CODE.get(answer.code, "failed"), answer.status, proven=proven, code=answer.code, attempt=attempt)

    def record(
        self, arrival: Arrival, outcome: str, status: int, *, proven: Optional[Proven] = None, code: Optional[str] = None, attempt: Optional[int] = None
    ) -> None:
        """Builds, counts, logs and hands over the record of one delivery."""
        values: Dict[str, Any] = {"outcome": outcome, "code": code, "status": status, "attempt": attempt}
        if proven is not None:
            values.update(
                event_id=proven.event.id,
                event_type=proven.event.type,
                signature_age=int(time.time()) - proven.timestamp,
                secret_index=proven.secret_index,
            )
        values.update(duration_ms=(time.perf_counter() - arrival.at) * 1000, received_at=arrival.unix, remote_address=arrival.address)
        record: DeliveryRecord = {name: values[name] for name in FIELDS if values.get(name) is not None}  # type: ignore[assignment]
        self.stats.record(record)
        LOGGER.log(
            LEVELS.get(outcome, logging.ERROR),
            "payvost delivery %s: %s %s",
            outcome,
            status,
            record.get("code") or record.get("event_id", ""),
            extra={"delivery": record},
        )
        if self._hook is None:
            return
        try:
            self._hook(record)
        except Exception as hook_error:  # noqa: BLE001 - a hook never changes the answer
            LOGGER.error("payvost: on_delivery raised %r for a delivery answered %s", hook_error, status, exc_info=hook_error)


def too_large(limit: int) -> Answer:
    return Answer(413, "payload_invalid_json", _MESSAGES["body_too_large"].replace("{limit}", str(limit)))


def cut_off() -> Answer:
    """A body that ended before its declared length, or whose stream failed:
    refused unverified, so that a hang-up never reads as a wrong secret."""
    return Answer(400, "payload_wrong_type", _MESSAGES["body_cut_off"])


def verifier_for(secret: Secret, tolerance: Union[int, float]) -> _native.Verifier:
    """The adapter's verifier, built when the app starts, so that a bad
    secret or tolerance raises then. The request path holds this object,
    whose ``repr`` shows no secret, and never the secret itself: a debug
    page (Django's, Werkzeug's) lists the locals of every frame."""
    return _native.Verifier(secret, tolerance)


class ConfiguredVerifier:
    """The verifier of a secret the framework's settings hold (Django's
    ``settings.PAYVOST_WEBHOOK_SECRET``, Flask's ``app.config``), for an
    adapter given no secret. The setting is read on each request, so that
    the app's own configuration (an app factory's, a test's override) is the
    one used, and a verifier is made again only when it changed. A missing
    or invalid secret, or a bad tolerance, is then the framework's 500 with
    the core's message, on the request. Like a verifier, it holds no secret:
    only a digest of the last one, to see a change."""

    __slots__ = ("_read", "_tolerance", "_digest", "_verifier")

    def __init__(self, read: Callable[[], Any], tolerance: Union[int, float]) -> None:
        self._read = read
        self._tolerance = tolerance
        self._digest: Optional[bytes] = None
        self._verifier: Optional[_native.Verifier] = None

    def construct_verified(self, payload: bytes, header: Optional[str], now: Optional[int]) -> Tuple[AnyEvent, int, int]:
        secret = self._read()
        digest = hashlib.sha256(repr(secret).encode()).digest()
        if self._verifier is None or digest != self._digest:
            self._verifier = verifier_for(secret, self._tolerance)
            self._digest = digest
        return self._verifier.construct_verified(payload, header, now)

    def __repr__(self) -> str:
        return "ConfiguredVerifier(secret from the app's settings)"


#: What an adapter verifies with: one made when the app starts, or one of the app's settings.
AnyVerifier = Union[_native.Verifier, ConfiguredVerifier]


def verifier_or_setting(secret: Optional[Secret], tolerance: Union[int, float], setting: Callable[[], Any]) -> AnyVerifier:
    """The adapter's verifier of ``secret``, made now; given none, one of
    the secret ``setting()`` reads from the app's settings on each request."""
    if secret is None:
        return ConfiguredVerifier(setting, tolerance)
    return verifier_for(secret, tolerance)


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
    refuse_declared(declared, limit)
    chunks: List[bytes] = []
    size = 0
    while size <= limit:
        try:
            chunk = read(min(_CHUNK, limit + 1 - size))
        except Exception as error:  # noqa: BLE001 - the server's own (Werkzeug's ClientDisconnected, an OSError)
            raise cut_off() from error
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise too_large(limit)
    return whole_body(chunks, size, declared)


def refuse_declared(declared: Optional[int], limit: int) -> None:
    """A declared length over the limit is refused before a byte is read."""
    if declared is not None and declared > limit:
        raise too_large(limit)


def whole_body(chunks: List[bytes], size: int, declared: Optional[int]) -> bytes:
    """The body read (``size`` bytes in ``chunks``), or :func:`cut_off` when
    it ended before its declared length: a cut body is never verified."""
    if declared is not None and size < declared:
        raise cut_off()
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


def verify(body: bytes, header: Optional[str], verifier: AnyVerifier) -> Proven:
    """The verified delivery, or the :class:`Answer` refusing it: 400 for a
    request that is not authentic or not an event, 500 for a configuration
    mistake (no request can fix it)."""
    try:
        return Proven(*verifier.construct_verified(body, header, None))
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


#: The handlers of a verified delivery to run (``None`` for a duplicate), and the guard's attempt.
Handlers = Tuple[Optional[Callable[[], Any]], Optional[int]]


def handlers(idempotency: Any, router: EventRouter, event: AnyEvent, body: bytes, header: Optional[str] = None) -> Handlers:
    """The router's handlers for a verified delivery, to run now or after
    the answer: inside the guard's claim, held before this returns, when
    there is a guard (protocol §11); ``None`` for a duplicate, answered 200
    without running them; and the guard's attempt. The guard's refusals
    raise :class:`Answer`, and so do its errors while running them. With
    ``header`` (the delivery's, when it is answered first), a handler's
    error marks the event failed for the guard's ``retry()``."""
    if idempotency is None:
        return (lambda: router.dispatch(event)), None
    try:
        claim = idempotency.claim(event, body)
    except IdempotencyError as error:
        raise refusal(error) from error
    if claim.outcome == "duplicate":
        return None, claim.attempt

    def run() -> Any:
        try:
            return claim.run(router.dispatch, acknowledged=header is not None, header=header or "")
        except IdempotencyError as error:
            raise refusal(error) from error

    return run, claim.attempt


async def handlers_async(idempotency: Any, router: EventRouter, event: AnyEvent, body: bytes, header: Optional[str] = None) -> Handlers:
    """As :func:`handlers`, for asyncio: the returned function is awaited."""
    if idempotency is None:
        return (lambda: router.dispatch_async(event)), None
    try:
        claim = await idempotency.aclaim(event, body)
    except IdempotencyError as error:
        raise refusal(error) from error
    if claim.outcome == "duplicate":
        return None, claim.attempt

    async def run() -> Any:
        try:
            return await claim.arun(router.dispatch_async, acknowledged=header is not None, header=header or "")
        except IdempotencyError as error:
            raise refusal(error) from error

    return run, claim.attempt


def _cause(answer: Answer) -> Exception:
    """The guard's error behind a refusal that came after the answer."""
    cause = answer.__cause__
    return cause if isinstance(cause, Exception) else RuntimeError(str(answer))


def run_after_answer(run: Callable[[], Any], event: AnyEvent, on_error: OnError) -> bool:
    """Runs the handlers once the answer has left; their errors go to
    ``on_error``. Whether they succeeded."""
    try:
        run()
        return True
    except Answer as answer:
        report(on_error, _cause(answer), event)
    except Exception as error:  # noqa: BLE001 - the answer has left: on_error is the only one who can hear it
        report(on_error, error, event)
    return False


async def run_after_answer_async(run: Callable[[], Any], event: AnyEvent, on_error: OnError) -> bool:
    """As :func:`run_after_answer`, awaiting ``run()``."""
    try:
        await run()
        return True
    except Answer as answer:
        report(on_error, _cause(answer), event)
    except Exception as error:  # noqa: BLE001 - as above
        report(on_error, error, event)
    return False


class Delivery(NamedTuple):
    """A verified delivery on its way through an adapter: what its record
    needs (the recorder, the arrival, the proof), its raw body, for the
    idempotency guard's fingerprint, and its signature header, kept with
    the body should its handlers fail after the answer."""

    recorder: Recorder
    arrival: Arrival
    proven: Proven
    body: bytes
    header: Optional[str]


def routed(delivery: Delivery, guard: Any, router: EventRouter, on_error: Optional[OnError], later: Callable[[Callable[[], None]], Any]) -> Optional[Answer]:
    """Runs a verified delivery's handlers as every synchronous view does,
    inside the guard's claim when there is a guard, and records it; with
    ``on_error`` (acknowledged first), ``later(after)`` runs them once the
    answer has left. Returns the guard's refusal to answer, or ``None`` for
    ``{"received": true}``; any other exception propagates, for the
    framework's 500."""
    recorder, arrival, proven, body, header = delivery
    attempt: Optional[int] = None
    try:
        run, attempt = handlers(guard, router, proven.event, body, (header or "") if on_error is not None else None)
        if run is None:
            recorder.record(arrival, "duplicate", 200, proven=proven, attempt=attempt)
        elif on_error is not None:
            claimed, report_to = run, on_error

            def after() -> None:
                ran = run_after_answer(claimed, proven.event, report_to)
                recorder.record(arrival, "processed" if ran else "failed", 200, proven=proven, attempt=attempt)

            later(after)
        else:
            run()
            recorder.record(arrival, "processed", 200, proven=proven, attempt=attempt)
        return None
    except Answer as answer:
        recorder.refused(arrival, answer, proven, attempt)
        return answer
    except Exception:
        recorder.record(arrival, "failed", 500, proven=proven, attempt=attempt)
        raise


async def routed_async(delivery: Delivery, guard: Any, router: EventRouter, on_error: Optional[OnError]) -> Tuple[Optional[Answer], Optional[Callable[[], Any]]]:
    """As :func:`routed`, for asyncio: with ``on_error``, the coroutine
    function to run once the answer has left comes back instead of going to
    ``later``."""
    recorder, arrival, proven, body, header = delivery
    attempt: Optional[int] = None
    try:
        run, attempt = await handlers_async(guard, router, proven.event, body, (header or "") if on_error is not None else None)
        if run is None:
            recorder.record(arrival, "duplicate", 200, proven=proven, attempt=attempt)
            return None, None
        if on_error is not None:
            claimed, report_to, tried = run, on_error, attempt

            async def after() -> None:
                ran = await run_after_answer_async(claimed, proven.event, report_to)
                recorder.record(arrival, "processed" if ran else "failed", 200, proven=proven, attempt=tried)

            return None, after
        await run()
        recorder.record(arrival, "processed", 200, proven=proven, attempt=attempt)
        return None, None
    except Answer as answer:
        recorder.refused(arrival, answer, proven, attempt)
        return answer, None
    except Exception:
        recorder.record(arrival, "failed", 500, proven=proven, attempt=attempt)
        raise


def received(recorder: Recorder, address: Optional[str], read_body: Callable[[], bytes], header: Optional[str], verifier: AnyVerifier) -> Delivery:
    """A synchronous adapter's delivery: counted in (``max_concurrent``),
    its body read and verified. Raises the :class:`Answer` that refuses it,
    recorded, and counted out; a delivery let in is to be counted out by
    the caller once answered."""
    arrival = recorder.arrive(address)
    try:
        body = read_body()
        proven = verify(body, header, verifier)
    except Answer as answer:
        recorder.refused(arrival, answer)
        recorder.leave(arrival)
        raise
    return Delivery(recorder, arrival, proven, body, header)


T = TypeVar("T")


async def handed_over_async(delivery: Delivery, receive: Callable[[], Awaitable[T]], status_of: Callable[[T], int]) -> T:
    """:func:`handed_over` for an ``async def`` view: awaits ``receive()``."""
    try:
        answer = await receive()
    except Exception:
        answered(delivery, 500)
        raise
    answered(delivery, status_of(answer))
    return answer


def handed_over(delivery: Delivery, receive: Callable[[], T], status_of: Callable[[T], int]) -> T:
    """Hands a verified delivery to the application (``receive()``) and
    records what it answered: ``status_of`` its answer, 500 if it raised."""
    try:
        answer = receive()
    except Exception:
        answered(delivery, 500)
        raise
    answered(delivery, status_of(answer))
    return answer


def answered(delivery: Delivery, status: int) -> None:
    """Records a delivery the application answered itself, with ``status``."""
    delivery.recorder.record(delivery.arrival, "processed" if status < 400 else "failed", status, proven=delivery.proven)
