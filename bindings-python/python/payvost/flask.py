"""Flask: the raw body read and verified for a view.

>>> import flask, payvost.flask  # doctest: +SKIP
>>> app = flask.Flask(__name__)  # doctest: +SKIP
>>> @app.post("/webhooks/payvost")  # doctest: +SKIP
... @payvost.flask.webhook(secret=os.environ.get("PAYVOST_WEBHOOK_SECRET"))
... def receive(event: payvost.AnyEvent):
...     return {"received": True}

A delivery that is not authentic or not an event is answered 400 with
``{"error": {"code", "message"}}`` before the view runs; a body over
``limit`` is answered 413; a misconfigured secret raises when the app
starts. ``view(secret=..., router=router)`` is a whole view that runs an
:class:`payvost.EventRouter` and answers ``{"received": true}``; with
``acknowledge_first=True`` it answers once verified, then runs the handlers
(their errors go to ``on_error``).
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Optional, Tuple, TypeVar, Union

import flask

from ._adapter import (
    DEFAULT_BODY_LIMIT,
    SIGNATURE_HEADER,
    Answer,
    OnError,
    acknowledgement,
    checked_limit,
    checked_guard,
    handlers,
    run_after_answer,
    verifier_for,
    verify,
    wsgi_body,
)
from ._event import AnyEvent
from ._router import EventRouter
from ._webhook import DEFAULT_TOLERANCE, Secret

__all__ = ["webhook", "view", "verified_event"]

R = TypeVar("R")
Refusal = Tuple[flask.Response, int]


def verified_event(secret: Secret, tolerance: Union[int, float] = DEFAULT_TOLERANCE, *, limit: int = DEFAULT_BODY_LIMIT) -> AnyEvent:
    """The event of the current request, from its raw body; raises
    :class:`payvost._adapter.Answer` to refuse it."""
    return _verified_event(verifier_for(secret, tolerance), checked_limit(limit))


def _verified_event(verifier: Any, limit: int) -> AnyEvent:
    request = flask.request
    body = wsgi_body(request.environ, request.stream.read, limit)
    event = verify(body, request.headers.get(SIGNATURE_HEADER), verifier)
    flask.g.payvost_body = body  # the raw body, for the idempotency guard's fingerprint
    return event


def _refusal(answer: Answer) -> Refusal:
    return flask.jsonify(answer.body), answer.status


def webhook(
    secret: Secret, tolerance: Union[int, float] = DEFAULT_TOLERANCE, *, limit: int = DEFAULT_BODY_LIMIT
) -> Callable[[Callable[..., R]], Callable[..., Union[R, Refusal]]]:
    """A decorator: the view gets the verified event as its first argument.
    The view holds the verifier, never the secret, so a debugger's page
    of locals cannot show it."""
    verifier = verifier_for(secret, tolerance)
    limit = checked_limit(limit)

    def decorate(receive: Callable[..., R]) -> Callable[..., Union[R, Refusal]]:
        @functools.wraps(receive)
        def verified(*args: Any, **kwargs: Any) -> Union[R, Refusal]:
            try:
                event = _verified_event(verifier, limit)
            except Answer as answer:
                return _refusal(answer)
            return receive(event, *args, **kwargs)

        return verified

    return decorate


def view(
    secret: Secret,
    router: EventRouter,
    tolerance: Union[int, float] = DEFAULT_TOLERANCE,
    *,
    limit: int = DEFAULT_BODY_LIMIT,
    acknowledge_first: bool = False,
    on_error: Optional[OnError] = None,
    idempotency: Optional[Any] = None,
) -> Callable[[], Any]:
    """A view that runs ``router``'s handlers and answers ``{"received": true}``;
    a handler's exception goes to Flask (500, and Payvost retries). With
    ``acknowledge_first=True`` it answers once the delivery is verified and
    runs the handlers when the answer has been sent (Werkzeug's
    ``call_on_close``); a handler's exception then goes to
    ``on_error(error, event)``, and Payvost does not retry. Its endpoint name
    is ``payvost_webhook``: give ``add_url_rule`` an ``endpoint=`` of your own
    for a second one. With ``idempotency`` (a
    :class:`payvost.idempotency.IdempotencyGuard`) the handlers run inside
    it: a duplicate is answered 200 unrun, ``event_in_progress`` 409,
    ``event_id_reused`` 422, ``store_unavailable`` 503; an acknowledgement
    waits for the claim."""
    report = acknowledgement(acknowledge_first, on_error)
    guard = checked_guard(idempotency)

    @webhook(secret, tolerance, limit=limit)
    def payvost_webhook(event: AnyEvent) -> Any:
        try:
            run = handlers(guard, router, event, flask.g.payvost_body)
            if run is not None and report is not None:
                response = flask.jsonify(received=True)
                response.call_on_close(lambda: run_after_answer(run, event, report))
                return response
            if run is not None:
                run()
        except Answer as answer:
            return _refusal(answer)
        return {"received": True}

    return payvost_webhook
