"""``payvost.EventRouter``: handlers by event type, for verified events."""

from __future__ import annotations

import inspect
from typing import Any, Callable, Dict, List, TypeVar, overload

from ._event import (
    AnyEvent,
    CustomerEvent,
    CustomerEventType,
    DisputeEvent,
    DisputeEventType,
    PaymentEvent,
    PaymentEventType,
    RefundEvent,
    RefundEventType,
    SubscriptionEvent,
    SubscriptionEventType,
)

__all__ = ["EventRouter"]

R = TypeVar("R")
Handler = Callable[[Any], Any]


class EventRouter:
    """Runs handlers by event type, as Octokit's ``webhooks.on("push", ...)``.

    ``dispatch(event)`` runs, in registration order, the ``on_any`` handlers,
    then those registered for ``event.type``, or the ``on_unhandled`` ones
    when its type has none. A handler's exception propagates from
    ``dispatch`` unchanged, and the handlers after it do not run: answer 500,
    and Payvost retries the delivery.

    >>> import payvost
    >>> router = payvost.EventRouter()
    >>> @router.on("payment.succeeded")
    ... def paid(event: payvost.PaymentEvent) -> None:
    ...     print("paid", event.data.object.amount)
    >>> body = b'{"id":"evt_1","type":"payment.succeeded","data":{"object":{"id":"pay_1","amount":2000}}}'
    >>> header = payvost.WebhookSignature.generate_header(body, "whsec_test")
    >>> router.dispatch(payvost.Webhook.construct_event(body, header, "whsec_test"))
    paid 2000
    """

    __slots__ = ("_by_type", "_any", "_unhandled")

    def __init__(self) -> None:
        self._by_type: Dict[str, List[Handler]] = {}
        self._any: List[Handler] = []
        self._unhandled: List[Handler] = []

    @overload
    def on(self, event_type: PaymentEventType) -> Callable[[Callable[[PaymentEvent], R]], Callable[[PaymentEvent], R]]: ...
    @overload
    def on(
        self, event_type: SubscriptionEventType
    ) -> Callable[[Callable[[SubscriptionEvent], R]], Callable[[SubscriptionEvent], R]]: ...
    @overload
    def on(self, event_type: RefundEventType) -> Callable[[Callable[[RefundEvent], R]], Callable[[RefundEvent], R]]: ...
    @overload
    def on(self, event_type: CustomerEventType) -> Callable[[Callable[[CustomerEvent], R]], Callable[[CustomerEvent], R]]: ...
    @overload
    def on(self, event_type: DisputeEventType) -> Callable[[Callable[[DisputeEvent], R]], Callable[[DisputeEvent], R]]: ...

    def on(self, event_type: str) -> Callable[[Handler], Handler]:
        """A decorator: runs the function for events of ``event_type``, its
        event typed for that type. Types newer than this package reach
        ``on_unhandled``."""
        if not isinstance(event_type, str) or not event_type:
            raise TypeError(f"EventRouter.on takes an event type such as 'payment.succeeded', not {event_type!r}")

        def register(handler: Handler) -> Handler:
            self._by_type.setdefault(event_type, []).append(_checked("on", handler))
            return handler

        return register

    def on_any(self, handler: Callable[[AnyEvent], R]) -> Callable[[AnyEvent], R]:
        """Runs the function for every event, before its type's handlers; usable as a decorator."""
        self._any.append(_checked("on_any", handler))
        return handler

    def on_unhandled(self, handler: Callable[[AnyEvent], R]) -> Callable[[AnyEvent], R]:
        """Runs the function for events whose type has no ``on`` handler; usable as a decorator."""
        self._unhandled.append(_checked("on_unhandled", handler))
        return handler

    def _handlers(self, event: AnyEvent) -> List[Handler]:
        return [*self._any, *self._by_type.get(event["type"], self._unhandled)]

    def dispatch(self, event: AnyEvent) -> None:
        """Runs the handlers of ``event``; an ``async`` handler is refused (use ``dispatch_async``)."""
        for handler in self._handlers(event):
            result = handler(event)
            if inspect.isawaitable(result):
                if inspect.iscoroutine(result):
                    result.close()  # never awaited: close it rather than leak a warning
                raise TypeError(
                    f"{getattr(handler, '__qualname__', handler)!s} is async: "
                    "await router.dispatch_async(event) instead of router.dispatch(event)"
                )

    async def dispatch_async(self, event: AnyEvent) -> None:
        """Runs the handlers of ``event``, awaiting those that are ``async``, one after another."""
        for handler in self._handlers(event):
            result = handler(event)
            if inspect.isawaitable(result):
                await result

    def __repr__(self) -> str:
        types = sum(len(handlers) for handlers in self._by_type.values())
        return f"<EventRouter {types} by type, {len(self._any)} on_any, {len(self._unhandled)} on_unhandled>"


def _checked(method: str, handler: Handler) -> Handler:
    if not callable(handler):
        raise TypeError(f"EventRouter.{method} takes a function of the event, not {handler!r}")
    return handler

