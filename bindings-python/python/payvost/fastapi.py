"""FastAPI and Starlette: a dependency that reads ``await request.body()``
raw and verifies it.

    verified = payvost.fastapi.WebhookEvent(secret=os.environ.get("PAYVOST_WEBHOOK_SECRET"))

    @app.post("/webhooks/payvost")
    async def receive(event: payvost.AnyEvent = Depends(verified)):
        return {"received": True}

A delivery that is not authentic or not an event is answered 400 with
``{"detail": {"code", "message"}}`` (FastAPI's shape for an
``HTTPException``) before the endpoint runs; a body over ``limit`` is
answered 413; a misconfigured secret raises when the app starts.
``endpoint(verified, router)`` is a whole endpoint that runs an
:class:`payvost.EventRouter`; with ``acknowledge_first=True`` it answers
once verified, then runs the handlers (their errors go to ``on_error``).
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Optional, Union

from fastapi import Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.background import BackgroundTask

from ._adapter import (
    DEFAULT_BODY_LIMIT,
    SIGNATURE_HEADER,
    Answer,
    OnError,
    acknowledgement,
    checked_limit,
    declared_length,
    checked_guard,
    handlers_async,
    run_after_answer_async,
    signature_header,
    too_large,
    verifier_for,
    verify,
)
from ._event import AnyEvent
from ._router import EventRouter
from ._webhook import DEFAULT_TOLERANCE, Secret

__all__ = ["WebhookEvent", "endpoint"]


class WebhookEvent:
    """A FastAPI dependency giving the verified event of the request."""

    __slots__ = ("_verifier", "_tolerance", "_limit")

    def __init__(self, secret: Secret, tolerance: Union[int, float] = DEFAULT_TOLERANCE, *, limit: int = DEFAULT_BODY_LIMIT) -> None:
        # Only the verifier is kept, never the secret: its repr shows none.
        self._verifier = verifier_for(secret, tolerance)
        self._tolerance = tolerance
        self._limit = checked_limit(limit)

    async def __call__(self, request: Request) -> AnyEvent:
        try:
            body = await _body(request, self._limit)
            header = signature_header(request.headers.getlist(SIGNATURE_HEADER))
            event = verify(body, header, self._verifier)
            request.state.payvost_body = body  # the raw body, for the idempotency guard's fingerprint
            return event
        except Answer as answer:
            headers = {"Connection": "close"} if answer.status == 413 else None
            raise HTTPException(status_code=answer.status, detail=answer.body["error"], headers=headers) from None

    def __repr__(self) -> str:
        return f"<payvost.fastapi.WebhookEvent tolerance={self._tolerance!r} limit={self._limit}>"


async def _body(request: Request, limit: int) -> bytes:
    """The raw body, never more than ``limit`` bytes of it plus the chunk
    that passes it (protocol §10): a declared length over the limit is
    refused unread, and a body that turns out longer (chunked, or no
    length) as soon as it passes the limit. The rest is left unread; the
    413 closes the connection."""
    declared = declared_length(request.headers.get("content-length"))
    if declared is not None and declared > limit:
        raise too_large(limit)
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


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
    waits for the claim."""
    report = acknowledgement(acknowledge_first, on_error)
    guard = checked_guard(idempotency)

    async def receive(request: Request, event: AnyEvent = Depends(verified)) -> JSONResponse:
        try:
            run = await handlers_async(guard, router, event, request.state.payvost_body)
            if run is not None and report is not None:
                return JSONResponse({"received": True}, background=BackgroundTask(run_after_answer_async, run, event, report))
            if run is not None:
                await run()
        except Answer as answer:
            return JSONResponse({"detail": answer.body["error"]}, status_code=answer.status)
        return JSONResponse({"received": True})

    return receive
