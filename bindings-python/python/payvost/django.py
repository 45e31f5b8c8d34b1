"""Django: a view decorator that reads the request's body raw and verifies it.

    import payvost.django

    @payvost.django.webhook()  # the secret is settings.PAYVOST_WEBHOOK_SECRET
    def receive(request, event: payvost.AnyEvent):
        return JsonResponse({"received": True})

The secret is ``settings.PAYVOST_WEBHOOK_SECRET`` unless one is given,
read on each request (so ``override_settings`` and per-environment
settings apply); a missing one is a 500 with the core's message. ``async
def`` views work as they are: the decorated view is then a coroutine
function too, for Django under ASGI. The decorated view is exempt from
Django's CSRF check, and must be: the sender is Payvost's server, which
holds no CSRF token and no cookie of your site; the ``Payvost-Signature``
header, checked here before the view runs, is what authenticates the
request. It takes POST only (405 otherwise, Django's own empty answer). A
delivery that is not authentic or not an event is answered 400 with
``{"error": {"code", "message"}}``, a body over ``limit`` 413, and a secret
given that is misconfigured raises when the URLconf is loaded. The body is
read from the request's stream, never ``request.body``, whose own limit
(``DATA_UPLOAD_MAX_MEMORY_SIZE``) would answer differently.
``view(router=router)`` is a whole view that runs an
:class:`payvost.EventRouter`; with ``acknowledge_first=True`` it answers
once verified, then runs the handlers (their errors go to ``on_error``).
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Optional, Union

# Django's own test of a view (it sees through functools.partial and markers).
from asgiref.sync import iscoroutinefunction

# Django ships no type information (django-stubs is a separate package).
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse  # type: ignore[import-untyped]
from django.views.decorators.csrf import csrf_exempt  # type: ignore[import-untyped]
from django.views.decorators.debug import sensitive_variables  # type: ignore[import-untyped]

from ._adapter import (
    DEFAULT_BODY_LIMIT,
    SIGNATURE_HEADER,
    Answer,
    Delivery,
    OnError,
    Recorder,
    acknowledgement,
    checked_guard,
    checked_limit,
    handed_over,
    handed_over_async,
    received,
    routed,
    verifier_or_setting,
    wsgi_body,
)
from ._event import AnyEvent
from ._router import EventRouter
from ._webhook import DEFAULT_TOLERANCE, Secret
from .delivery import DeliveryRecord, DeliveryStats
from .error import ConfigurationError

__all__ = ["webhook", "view"]

View = Callable[..., HttpResponse]


OnDelivery = Callable[[DeliveryRecord], Any]


class _Acknowledgement(JsonResponse):  # type: ignore[misc]
    """``{"received": true}``, then what was handed to ``then`` once the
    WSGI server has sent it and calls ``close()``, as Django documents it does."""

    def __init__(self) -> None:
        super().__init__({"received": True})
        self._then: Optional[Callable[[], None]] = None

    def then(self, after: Callable[[], None]) -> None:
        self._then = after

    def close(self) -> None:
        super().close()
        if self._then is not None:
            self._then()


def _body(request: HttpRequest, limit: int) -> bytes:
    # The request's stream rather than `request.body`, whose own limit
    # (DATA_UPLOAD_MAX_MEMORY_SIZE) answers differently.
    return wsgi_body(request.META, request.read, limit)


def _refusal(answer: Answer) -> HttpResponse:
    response = JsonResponse(answer.body, status=answer.status)
    for name, value in answer.headers.items():
        response[name] = value
    return response


def webhook(
    secret: Optional[Secret] = None,
    tolerance: Union[int, float] = DEFAULT_TOLERANCE,
    *,
    limit: int = DEFAULT_BODY_LIMIT,
    on_delivery: Optional[OnDelivery] = None,
    stats: Optional[DeliveryStats] = None,
    max_concurrent: Optional[int] = None,
) -> Callable[[Callable[..., Any]], View]:
    """A decorator: the view (``def`` or ``async def``) gets the verified
    event after the request. Without ``secret``, the secret is
    ``settings.PAYVOST_WEBHOOK_SECRET``. The view holds the verifier, never
    the secret, and Django's error reports hide its locals
    (``sensitive_variables``). Every delivery's record (protocol §10.2) goes
    to ``on_delivery``, the ``payvost`` logger and the view's ``stats()``;
    past ``max_concurrent`` deliveries at once, one is answered 503
    ``receiver_busy`` with ``Retry-After``, unread."""
    return _webhook(secret, tolerance, limit, Recorder("payvost.django.webhook", on_delivery, stats, max_concurrent), routes=False)


def _setting() -> Any:
    # Imported here: the module's import must not touch settings (tools inspect it without any).
    from django.conf import settings  # type: ignore[import-untyped]

    return getattr(settings, "PAYVOST_WEBHOOK_SECRET", None)


def _webhook(secret: Optional[Secret], tolerance: Union[int, float], limit: int, recorder: Recorder, routes: bool) -> Callable[[Callable[..., Any]], View]:
    verifier = verifier_or_setting(secret, tolerance, _setting)
    limit = checked_limit(limit)

    def delivered(request: HttpRequest) -> Union[Delivery, HttpResponse]:
        """The verified delivery, or the answer that refuses it."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        read = lambda: _body(request, limit)  # noqa: E731
        try:
            return received(recorder, request.META.get("REMOTE_ADDR") or None, read, request.headers.get(SIGNATURE_HEADER), verifier)
        except Answer as refused:
            return _refusal(refused)

    def decorate(receive: Callable[..., Any]) -> View:
        if iscoroutinefunction(receive):

            @sensitive_variables()
            async def verified_async(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
                delivery = delivered(request)
                if not isinstance(delivery, Delivery):
                    return delivery
                try:
                    answer = lambda: receive(request, delivery.proven.event, *args, **kwargs)  # noqa: E731
                    return await handed_over_async(delivery, answer, lambda response: response.status_code)
                finally:
                    recorder.leave(delivery.arrival)

            view = csrf_exempt(functools.wraps(receive)(verified_async))
        else:

            @sensitive_variables()
            def verified(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
                delivery = delivered(request)
                if not isinstance(delivery, Delivery):
                    return delivery
                try:
                    if routes:
                        return receive(request, delivery, *args, **kwargs)
                    answer = lambda: receive(request, delivery.proven.event, *args, **kwargs)  # noqa: E731
                    return handed_over(delivery, answer, lambda response: response.status_code)
                finally:
                    recorder.leave(delivery.arrival)

            view = csrf_exempt(functools.wraps(receive)(verified))
        view.stats = recorder.stats.snapshot
        view.anomalies = recorder.stats.anomalies
        return view  # type: ignore[no-any-return]

    return decorate


def view(
    secret: Optional[Secret] = None,
    router: Optional[EventRouter] = None,
    tolerance: Union[int, float] = DEFAULT_TOLERANCE,
    *,
    limit: int = DEFAULT_BODY_LIMIT,
    acknowledge_first: bool = False,
    on_error: Optional[OnError] = None,
    idempotency: Optional[Any] = None,
    on_delivery: Optional[OnDelivery] = None,
    stats: Optional[DeliveryStats] = None,
    max_concurrent: Optional[int] = None,
) -> View:
    """A view that runs ``router``'s handlers and answers ``{"received": true}``;
    a handler's exception goes to Django (500, and Payvost retries). With
    ``acknowledge_first=True`` it answers once the delivery is verified and
    runs the handlers when the answer has been sent; a handler's exception
    then goes to ``on_error(error, event)``, and Payvost does not retry.
    With ``idempotency`` (a :class:`payvost.idempotency.IdempotencyGuard`)
    the handlers run inside it: a duplicate is answered 200 unrun,
    ``event_in_progress`` 409, ``event_id_reused`` 422,
    ``store_unavailable`` 503; an acknowledgement waits for the claim.
    ``on_delivery``, ``stats`` and ``max_concurrent`` are :func:`webhook`'s;
    the view has ``stats()`` and ``anomalies()``. Without ``secret``, the
    secret is ``settings.PAYVOST_WEBHOOK_SECRET``: ``view(router=router)``."""
    if not isinstance(router, EventRouter):
        raise ConfigurationError(f"payvost.django.view takes router=, a payvost.EventRouter, not {type(router).__name__}.", code="option_invalid")
    report = acknowledgement(acknowledge_first, on_error)
    guard = checked_guard(idempotency)
    recorder = Recorder("payvost.django.view", on_delivery, stats, max_concurrent)

    @_webhook(secret, tolerance, limit, recorder, routes=True)
    def payvost_webhook(request: HttpRequest, delivery: Delivery) -> HttpResponse:
        acknowledgement_response = _Acknowledgement()
        refusal = routed(delivery, guard, router, report, acknowledgement_response.then)
        if refusal is not None:
            return _refusal(refusal)
        return acknowledgement_response

    return payvost_webhook
