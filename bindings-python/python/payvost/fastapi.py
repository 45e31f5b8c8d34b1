"""FastAPI and Starlette: a dependency that reads the request's body raw
(its stream, up to ``limit``) and verifies it.

    from typing import Annotated

    verified = payvost.fastapi.WebhookEvent(secret=os.environ.get("PAYVOST_WEBHOOK_SECRET"))
    VerifiedEvent = Annotated[payvost.AnyEvent, Depends(verified)]

    @app.post("/webhooks/payvost")
    async def receive(event: VerifiedEvent):
        return {"received": True}

The endpoint's ``await request.body()`` is the raw body that was verified.
A delivery that is not authentic or not an event is answered 400 with
``{"detail": {"code", "message"}}`` (FastAPI's shape for an
``HTTPException``) before the endpoint runs; a body over ``limit`` is
answered 413; a misconfigured secret raises when the app starts.
``endpoint(verified, router)`` is a whole endpoint that runs an
:class:`payvost.EventRouter`; with ``acknowledge_first=True`` it answers
once verified, then runs the handlers (their errors go to ``on_error``).
"""

from __future__ import annotations

from typing import Any, AsyncIterator, Awaitable, Callable, Optional, Union

from fastapi import Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect

from ._adapter import (
    DEFAULT_BODY_LIMIT,
    SIGNATURE_HEADER,
    Answer,
    Delivery,
    OnError,
    Recorder,
    acknowledgement,
    answered,
    checked_guard,
    checked_limit,
    cut_off,
    declared_length,
    refuse_declared,
    routed_async,
    signature_header,
    too_large,
    verifier_for,
    verify,
    whole_body,
)
from ._event import AnyEvent
from ._router import EventRouter
from ._webhook import DEFAULT_TOLERANCE, Secret
from .delivery import DeliveryCounts, DeliveryRecord, DeliveryStats

__all__ = ["WebhookEvent", "endpoint"]


def _refused(answer: Answer) -> HTTPException:
    headers = dict(answer.headers)
    if answer.status == 413:
        headers["Connection"] = "close"
    return HTTPException(status_code=answer.status, detail=answer.body["error"], headers=headers or None)


class WebhookEvent:
    """A FastAPI dependency giving the verified event of the request. Its
    refusals are recorded (protocol §10.2: to ``on_delivery``, the
    ``payvost`` logger and :meth:`stats`); :func:`endpoint` records the
    rest. Past ``max_concurrent`` deliveries at once, one is answered 503
    ``receiver_busy`` with ``Retry-After``, unread."""

    __slots__ = ("_verifier", "_tolerance", "_limit", "_recorder")

    def __init__(
        self,
        secret: Secret,
        tolerance: Union[int, float] = DEFAULT_TOLERANCE,
        *,
        limit: int = DEFAULT_BODY_LIMIT,
        on_delivery: Optional[Callable[[DeliveryRecord], Any]] = None,
        stats: Optional[DeliveryStats] = None,
        max_concurrent: Optional[int] = None,
    ) -> None:
        # Only the verifier is kept, never the secret: its repr shows none.
        self._verifier = verifier_for(secret, tolerance)
        self._tolerance = tolerance
        self._limit = checked_limit(limit)
        self._recorder = Recorder("payvost.fastapi.WebhookEvent", on_delivery, stats, max_concurrent)

    async def __call__(self, request: Request) -> AsyncIterator[AnyEvent]:
        # A dependency with yield: what the endpoint then did is recorded,
        # with the status its route declares (a Response the endpoint makes
        # itself is not seen from here), or that of the exception it raised.
        delivery = await self.delivery(request)
        try:
            yield delivery.proven.event
        except HTTPException as refused:
            answered(delivery, refused.status_code)
            raise
        except Exception:
            answered(delivery, 500)
            raise
        else:
            answered(delivery, getattr(request.scope.get("route"), "status_code", None) or 200)
        finally:
            self._recorder.leave(delivery.arrival)

    async def delivery(self, request: Request) -> Delivery:
        """The verified delivery, for :func:`endpoint`, which records it and counts it out."""
        client = request.client
        try:
            arrival = self._recorder.arrive(client.host if client is not None else None)
        except Answer as busy:
            raise _refused(busy) from None
        try:
            body = await _body(request, self._limit)
            header = signature_header(request.headers.getlist(SIGNATURE_HEADER))
            proven = verify(body, header, self._verifier)
        except Answer as answer:
            self._recorder.refused(arrival, answer)
            self._recorder.leave(arrival)
            raise _refused(answer) from None
        delivery = Delivery(self._recorder, arrival, proven, body, header)
        request.state.payvost_delivery = delivery
        return delivery

    def stats(self) -> DeliveryCounts:
        """The deliveries counted so far: ``{"total", "outcomes", "codes"}``."""
        return self._recorder.stats.snapshot()

    def anomalies(self) -> list:
        """The refusals since the last call, one line per code with its likely cause."""
        return self._recorder.stats.anomalies()

    def __repr__(self) -> str:
        return f"<payvost.fastapi.WebhookEvent tolerance={self._tolerance!r} limit={self._limit}>"


async def _body(request: Request, limit: int) -> bytes:
    """The raw body, never more than ``limit`` bytes of it plus the chunk
    that passes it (protocol §10): a declared length over the limit is
    refused unread, and a body that turns out longer (chunked, or no
    length) as soon as it passes the limit. The rest is left unread; the
    413 closes the connection."""
    declared = declared_length(request.headers.get("content-length"))
    refuse_declared(declared, limit)
    chunks = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large(limit)
            chunks.append(chunk)
    except ClientDisconnect as error:
        raise cut_off() from error
    body = whole_body(chunks, size, declared)
    # Where Starlette keeps a body it read, so that the endpoint's own
    # `await request.body()` gets these bytes (for the guard's fingerprint)
    # rather than "Stream consumed".
    request._body = body
    return body


def endpoint(
    verified: WebhookEvent,
    router: EventRouter,
    *,
    acknowledge_first: bool = False,
    on_error: Optional[OnError] = None,
    idempotency: Optional[Any] = None,
) -> Callable[..., Awaitable[JSONResponse]]:
    """An endpoint that runs ``router``'s handlers (``async`` ones awaited)
    and answers ``{"received": true}``; a handler's exception goes to
    Starlette (500, and Payvost retries). With ``acknowledge_first=True`` it
    answers once the delivery is verified and runs the handlers as a
    background task, after the answer; a handler's exception then goes to
    ``on_error(error, event)``, and Payvost does not retry. With
    ``idempotency`` (a :class:`payvost.idempotency.IdempotencyGuard`, whose
    store may wrap an asyncio client) the handlers run inside it: a
    duplicate is answered 200 unrun, ``event_in_progress`` 409,
    ``event_id_reused`` 422, ``store_unavailable`` 503; an acknowledgement
    waits for the claim. Every delivery is recorded by ``verified``'s
    ``on_delivery``, logger and ``stats()``."""
    report = acknowledgement(acknowledge_first, on_error)
    guard = checked_guard(idempotency)

    async def receive(delivery: Delivery = Depends(verified.delivery)) -> JSONResponse:
        try:
            refusal, after = await routed_async(delivery, guard, router, report)
        finally:
            delivery.recorder.leave(delivery.arrival)
        if refusal is not None:
            return JSONResponse({"detail": refusal.body["error"]}, status_code=refusal.status)
        if after is not None:
            return JSONResponse({"received": True}, background=BackgroundTask(after))
        return JSONResponse({"received": True})

    return receive
