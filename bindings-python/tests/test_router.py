"""EventRouter: handlers by type, their order, errors never swallowed, async handlers."""

from __future__ import annotations

import asyncio
import gc
import json
import warnings
from typing import List

import payvost
import pytest

from conftest import NOW, SECRET


def event(event_type: str, event_id: str = "evt_r1") -> payvost.AnyEvent:
    body = json.dumps({"id": event_id, "type": event_type, "data": {"object": {"id": "obj_1", "amount": 5}}}).encode()
    return payvost.Webhook.construct_event(body, payvost.WebhookSignature.generate_header(body, SECRET, NOW), SECRET, now=NOW)


def test_dispatch_runs_on_any_then_the_types_handlers_or_on_unhandled() -> None:
    ran: List[str] = []
    router = payvost.EventRouter()

    @router.on_any
    def any_event(e: payvost.AnyEvent) -> None:
        ran.append(f"any {e['type']}")

    @router.on("payment.succeeded")
    def paid(e: payvost.PaymentEvent) -> None:
        ran.append(f"paid {e.data.object.amount}")

    @router.on("payment.succeeded")
    def paid_again(e: payvost.PaymentEvent) -> None:
        ran.append(f"again {e.id}")

    @router.on_unhandled
    def other(e: payvost.AnyEvent) -> None:
        ran.append(f"unhandled {e['type']}")

    router.dispatch(event("payment.succeeded"))
    router.dispatch(event("payout.paid", "evt_r2"))
    assert ran == ["any payment.succeeded", "paid 5", "again evt_r1", "any payout.paid", "unhandled payout.paid"]
    assert paid.__name__ == "paid"  # the decorator gives the function back
    assert repr(router) == "<EventRouter 2 by type, 1 on_any, 1 on_unhandled>"


def test_a_handlers_exception_propagates_unchanged_and_stops_the_rest() -> None:
    failure = RuntimeError("the warehouse is down")
    ran: List[str] = []
    router = payvost.EventRouter()

    @router.on("refund.created")
    def fails(e: payvost.RefundEvent) -> None:
        raise failure

    @router.on("refund.created")
    def after(e: payvost.RefundEvent) -> None:
        ran.append("after")

    with pytest.raises(RuntimeError) as raised:
        router.dispatch(event("refund.created"))
    assert raised.value is failure and ran == []
    router.dispatch(event("payment.failed"))  # no handler and no on_unhandled: nothing runs


def test_async_handlers_run_with_dispatch_async_and_are_refused_by_dispatch() -> None:
    ran: List[str] = []
    router = payvost.EventRouter()

    @router.on("dispute.opened")
    async def opened(e: payvost.DisputeEvent) -> None:
        await asyncio.sleep(0)
        ran.append(e.id)

    asyncio.run(router.dispatch_async(event("dispute.opened")))
    assert ran == ["evt_r1"]
    # The coroutine dispatch refuses is closed, never left to warn "was never awaited".
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(TypeError):
            router.dispatch(event("dispute.opened"))
        gc.collect()
    assert [str(w.message) for w in caught if "never awaited" in str(w.message)] == []
    with pytest.raises(TypeError, match=r"^test_async_handlers_run_with_dispatch_async_and_are_refused_by_dispatch\.<locals>\.opened "
                       r"is async: await router\.dispatch_async\(event\) instead of router\.dispatch\(event\)$"):
        router.dispatch(event("dispute.opened"))

    class Handler:
        """A callable object that returns an awaitable: named by itself, having no __qualname__."""

        def __call__(self, e: payvost.AnyEvent) -> "asyncio.Future[None]":
            return asyncio.get_event_loop_policy().new_event_loop().create_future()

        def __str__(self) -> str:
            return "the Handler object"

    awaiting = payvost.EventRouter()
    awaiting.on_any(Handler())
    with pytest.raises(TypeError, match=r"^the Handler object is async: "):
        awaiting.dispatch(event("dispute.opened"))


def test_registering_something_else_is_refused_at_once() -> None:
    router = payvost.EventRouter()
    with pytest.raises(TypeError, match="EventRouter.on takes an event type such as 'payment.succeeded', not ''"):
        router.on("")  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="EventRouter.on_any takes a function of the event, not 3"):
        router.on_any(3)  # type: ignore[arg-type]
    # Each method names itself: the message says which call was wrong.
    with pytest.raises(TypeError, match=r"^EventRouter\.on takes a function of the event, not 4$"):
        router.on("payment.succeeded")(4)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^EventRouter\.on_unhandled takes a function of the event, not 5$"):
        router.on_unhandled(5)  # type: ignore[arg-type]
