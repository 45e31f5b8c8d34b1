"""Flask: the raw body read and verified for a view.

>>> import flask, payvost.flask  # doctest: +SKIP
>>> app = flask.Flask(__name__)  # doctest: +SKIP
>>> app.config["PAYVOST_WEBHOOK_SECRET"] = os.environ["PAYVOST_WEBHOOK_SECRET"]  # doctest: +SKIP
>>> @app.post("/webhooks/payvost")  # doctest: +SKIP
... @payvost.flask.webhook()
... def receive(event: payvost.AnyEvent):
...     return {"received": True}

Without a ``secret``, the adapters read ``app.config["PAYVOST_WEBHOOK_SECRET"]``
of the app serving the request (``flask.current_app``), on each request. A
delivery that is not authentic or not an event is answered 400 with
``{"error": {"code", "message"}}`` before the view runs; a body over
``limit`` is answered 413; a secret given that is misconfigured raises when
the app starts, one missing from the config answers 500 with the core's
message. ``view(router=router)`` is a whole view that runs an
:class:`payvost.EventRouter` and answers ``{"received": true}``; with
``acknowledge_first=True`` it answers once verified, then runs the handlers
(their errors go to ``on_error``). :class:`Payvost` is the extension that
mounts that view on an app, or on each app of a factory with ``init_app``.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Optional, Tuple, TypeVar, Union

import flask

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
    received,
    routed,
    verifier_or_setting,
    wsgi_body,
)
from ._router import EventRouter
from ._webhook import DEFAULT_TOLERANCE, Secret
from .delivery import DeliveryRecord, DeliveryStats
from .error import ConfigurationError

__all__ = ["webhook", "view", "Payvost"]

R = TypeVar("R")
#: The key of ``app.config`` the adapters read the secret from when given none.
CONFIG_SECRET = "PAYVOST_WEBHOOK_SECRET"
#: The key of ``app.config`` where :class:`Payvost` mounts its view; default ``/webhooks/payvost``.
CONFIG_PATH = "PAYVOST_WEBHOOK_PATH"
Refusal = Tuple[flask.Response, int]
OnDelivery = Callable[[DeliveryRecord], Any]


def _refusal(answer: Answer) -> Refusal:
    response = flask.jsonify(answer.body)
    response.headers.update(answer.headers)
    return response, answer.status


def _counted(view: Callable[..., Any], recorder: Recorder) -> Any:
    view.stats = recorder.stats.snapshot  # type: ignore[attr-defined]
    view.anomalies = recorder.stats.anomalies  # type: ignore[attr-defined]
    return view


def webhook(
    secret: Optional[Secret] = None,
    tolerance: Union[int, float] = DEFAULT_TOLERANCE,
    *,
    limit: int = DEFAULT_BODY_LIMIT,
    on_delivery: Optional[OnDelivery] = None,
    stats: Optional[DeliveryStats] = None,
    max_concurrent: Optional[int] = None,
) -> Callable[[Callable[..., R]], Callable[..., Union[R, Refusal]]]:
    """A decorator: the view gets the verified event as its first argument.
    Without ``secret``, it is ``app.config["PAYVOST_WEBHOOK_SECRET"]``. The view holds the verifier, never the secret, so a debugger's page
    of locals cannot show it. Every delivery's record (protocol §10.2) goes
    to ``on_delivery``, the ``payvost`` logger and the view's ``stats()``;
    past ``max_concurrent`` deliveries at once, one is answered 503
    ``receiver_busy`` with ``Retry-After``, unread."""
    return _webhook(secret, tolerance, limit, Recorder("payvost.flask.webhook", on_delivery, stats, max_concurrent), routes=False)


def _webhook(secret: Optional[Secret], tolerance: Union[int, float], limit: int, recorder: Recorder, routes: bool) -> Callable[[Callable[..., R]], Callable[..., Union[R, Refusal]]]:
    verifier = verifier_or_setting(secret, tolerance, lambda: flask.current_app.config.get(CONFIG_SECRET))
    limit = checked_limit(limit)

    def decorate(receive: Callable[..., R]) -> Callable[..., Union[R, Refusal]]:
        @functools.wraps(receive)
        def verified(*args: Any, **kwargs: Any) -> Union[R, Refusal]:
            request = flask.request
            read = lambda: wsgi_body(request.environ, request.stream.read, limit)  # noqa: E731
            try:
                delivery = received(recorder, request.remote_addr, read, request.headers.get(SIGNATURE_HEADER), verifier)
            except Answer as refused:
                return _refusal(refused)
            try:
                if routes:
                    return receive(delivery, *args, **kwargs)
                answer = lambda: flask.make_response(receive(delivery.proven.event, *args, **kwargs))  # noqa: E731
                return handed_over(delivery, answer, lambda response: response.status_code)  # type: ignore[return-value]
            finally:
                recorder.leave(delivery.arrival)

        return _counted(verified, recorder)

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
    waits for the claim. ``on_delivery``, ``stats`` and ``max_concurrent``
    are :func:`webhook`'s; the view has ``stats()`` and ``anomalies()``.
    Without ``secret``, it is ``app.config["PAYVOST_WEBHOOK_SECRET"]``:
    ``view(router=router)``."""
    if not isinstance(router, EventRouter):
        raise ConfigurationError(f"payvost.flask.view takes router=, a payvost.EventRouter, not {type(router).__name__}.", code="option_invalid")
    report = acknowledgement(acknowledge_first, on_error)
    guard = checked_guard(idempotency)
    recorder = Recorder("payvost.flask.view", on_delivery, stats, max_concurrent)

    @_webhook(secret, tolerance, limit, recorder, routes=True)
    def payvost_webhook(delivery: Delivery) -> Any:
        response = flask.jsonify(received=True)
        refusal = routed(delivery, guard, router, report, response.call_on_close)
        return response if refusal is None else _refusal(refusal)

    return payvost_webhook


class Payvost:
    """The Flask extension: mounts :func:`view` (POST only) on an app at
    ``app.config["PAYVOST_WEBHOOK_PATH"]`` (default ``/webhooks/payvost``),
    its secret ``app.config["PAYVOST_WEBHOOK_SECRET"]``, read on each
    request. Given an app, it is mounted at once; for an app factory, make
    one and call ``init_app(app)`` in the factory. Its keyword arguments
    are :func:`view`'s. ``app.extensions["payvost"]`` is the view, with
    ``stats()`` and ``anomalies()``.

    >>> payvost_webhooks = payvost.flask.Payvost(router=router)  # doctest: +SKIP
    >>> def create_app():  # doctest: +SKIP
    ...     app = flask.Flask(__name__)
    ...     app.config.from_prefixed_env()  # FLASK_PAYVOST_WEBHOOK_SECRET=whsec_...
    ...     payvost_webhooks.init_app(app)
    ...     return app
    """

    def __init__(self, app: Optional[flask.Flask] = None, *, router: EventRouter, **options: Any) -> None:
        self._router = router
        self._options = options
        # What view() would refuse, refused now rather than in the factory.
        view(router=router, **options)
        if app is not None:
            self.init_app(app)

    def init_app(self, app: flask.Flask) -> None:
        """Mounts the view on ``app``, at its ``PAYVOST_WEBHOOK_PATH``."""
        path = app.config.get(CONFIG_PATH, "/webhooks/payvost")
        if not isinstance(path, str) or not path.startswith("/"):
            raise ConfigurationError(f'app.config["{CONFIG_PATH}"] takes a path that starts with "/", not {path!r}.', code="option_invalid")
        mounted = view(router=self._router, **self._options)
        app.add_url_rule(path, endpoint="payvost_webhook", view_func=mounted, methods=["POST"])
        app.extensions["payvost"] = mounted
