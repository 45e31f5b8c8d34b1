"""AWS Lambda: the HTTP event of an API Gateway REST API (payload 1.0) or
HTTP API (payload 2.0), a Lambda function URL or an Application Load
Balancer, read exactly as each front end delivers it: the body decoded when
``isBase64Encoded`` is true, the ``Payvost-Signature`` header found in any
case (protocol §10, "Serverless events").

>>> import payvost, payvost.aws_lambda
>>> body = b'{"id":"evt_1","type":"payment.succeeded","data":{"object":{"id":"pay_1"}}}'
>>> header = payvost.WebhookSignature.generate_header(body, "whsec_test")
>>> lambda_event = {"version": "2.0", "headers": {"payvost-signature": header},
...                 "body": "eyJpZCI6ImV2dF8xIiwidHlwZSI6InBheW1lbnQuc3VjY2VlZGVkIiwiZGF0YSI6eyJvYmplY3QiOnsiaWQiOiJwYXlfMSJ9fX0=",
...                 "isBase64Encoded": True}
>>> payvost.aws_lambda.construct_event(lambda_event, "whsec_test").id
'evt_1'

For the whole function, :func:`handler` runs a :class:`payvost.EventRouter`
and answers in the front end's shape; :func:`webhook` is the same as a
decorator for a ``handler(event, context)`` of your own.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional, TypeVar, Union

from . import _native
from ._adapter import (
    _FACTS,
    DEFAULT_BODY_LIMIT,
    SIGNATURE_HEADER,
    Answer,
    Delivery,
    Recorder,
    checked_guard,
    checked_limit,
    routed,
    signature_header,
    too_large,
    verifier_for,
    verify,
)
from ._event import AnyEvent
from ._router import EventRouter
from ._webhook import DEFAULT_TOLERANCE, Secret, Time
from .delivery import DeliveryRecord, DeliveryStats
from .error import ConfigurationError, InvalidPayloadError, PayvostError

__all__ = ["construct_event", "handler", "webhook"]

#: A Lambda HTTP event, as the runtime hands it to the function.
LambdaEvent = Mapping[str, Any]
#: The answer a handler returns to the front end.
LambdaResult = Dict[str, Any]
R = TypeVar("R")

_STATUSES: Dict[str, str] = _FACTS["statuses"]
_WANTED = SIGNATURE_HEADER.lower()


class _Request:
    """A Lambda HTTP event's raw body and signature header."""

    def __init__(self, event: LambdaEvent, limit: int) -> None:
        if not _is_http(event):
            raise Answer(
                400,
                "payload_wrong_type",
                "construct_event takes the event of an API Gateway REST or HTTP API, a Lambda function URL or an "
                f"Application Load Balancer, as the handler receives it, not {_describe(event)}.",
            )
        multi = event.get("multiValueHeaders")
        headers: Mapping[Any, Any] = multi if isinstance(multi, dict) else event["headers"]
        lines: List[str] = []
        for name, value in headers.items():
            if isinstance(name, str) and name.lower() == _WANTED:
                lines.extend(line for line in (value if isinstance(value, list) else [value]) if isinstance(line, str))
        # Every line kept and joined as protocol §2 reads repeated lines: a header sent twice is refused.
        self.header = signature_header(lines)
        body = event.get("body")
        body = "" if body is None else body
        if event.get("isBase64Encoded") is True and isinstance(body, str):
            # The decoded size is at most three quarters of the text's.
            if len(body) > -(-limit // 3) * 4:
                raise too_large(limit)
            try:
                body = _native.base64_body(body.encode("ascii", "replace"))
            except PayvostError as error:
                raise Answer(400, error.code, error.message) from error
        if isinstance(body, str):
            body = body.encode("utf-8", "surrogatepass")
        if isinstance(body, bytes) and len(body) > limit:
            raise too_large(limit)
        self.body: Any = body


class _Front(NamedTuple):
    """How the front end that sent an event wants its answer: an ALB adds a
    status line and may want multi-value headers; API Gateway and function
    URLs take the same plain shape."""

    alb: bool
    multi_value: bool


def _front(event: Any) -> _Front:
    context = event.get("requestContext") if isinstance(event, Mapping) else None
    if isinstance(context, Mapping) and isinstance(context.get("elb"), Mapping):
        return _Front(alb=True, multi_value=isinstance(event.get("multiValueHeaders"), dict))
    return _Front(alb=False, multi_value=False)


def _answer(front: _Front, status: int, body: Dict[str, Any]) -> LambdaResult:
    result: LambdaResult = {"statusCode": status, "body": json.dumps(body, separators=(",", ":")), "isBase64Encoded": False}
    if front.multi_value:
        result["multiValueHeaders"] = {"content-type": ["application/json"]}
    else:
        result["headers"] = {"content-type": "application/json"}
    if front.alb:
        result["statusDescription"] = f"{status} {_STATUSES[str(status)]}"
    return result


def _source_ip(event: Any) -> Optional[str]:
    """The caller's address, as API Gateway and function URLs give it (an ALB gives none)."""
    context = event.get("requestContext") if isinstance(event, Mapping) else None
    if not isinstance(context, Mapping):
        return None
    for place in (context.get("http"), context.get("identity")):
        if isinstance(place, Mapping) and isinstance(place.get("sourceIp"), str):
            return str(place["sourceIp"])
    return None


def _is_http(event: Any) -> bool:
    return isinstance(event, Mapping) and (isinstance(event.get("headers"), dict) or isinstance(event.get("multiValueHeaders"), dict))


def _describe(event: Any) -> str:
    """An event that is not an HTTP one, named by its source when it says (SQS, SNS, EventBridge...)."""
    if isinstance(event, Mapping):
        records = event.get("Records")
        first = records[0] if isinstance(records, list) and records and isinstance(records[0], Mapping) else {}
        source = first.get("eventSource") or first.get("EventSource") or event.get("source")
        if isinstance(source, str):
            return f"an event from {source}"
    return "None" if event is None else f"a {type(event).__name__}"


def construct_event(
    event: LambdaEvent,
    secret: Secret,
    tolerance: Union[int, float] = DEFAULT_TOLERANCE,
    *,
    now: Optional[Time] = None,
    limit: int = DEFAULT_BODY_LIMIT,
) -> AnyEvent:
    """The verified event of a Lambda HTTP event. Raises the errors of
    :meth:`payvost.Webhook.construct_event`; an event of another kind, or
    one marked ``isBase64Encoded`` whose body is not base64, is
    ``payload_wrong_type``; a body over ``limit`` bytes
    ``payload_invalid_json``."""
    verifier = verifier_for(secret, tolerance)
    try:
        request = _Request(event, checked_limit(limit))
    except Answer as answer:
        # Both refusals are about the body handed over (payload_wrong_type, or payload_invalid_json over the limit).
        error = answer.body["error"]
        raise InvalidPayloadError(error["message"], code=error["code"]) from None
    return verifier.construct_event(request.body, request.header, now)


def handler(
    secret: Secret,
    router: EventRouter,
    tolerance: Union[int, float] = DEFAULT_TOLERANCE,
    *,
    limit: int = DEFAULT_BODY_LIMIT,
    idempotency: Optional[Any] = None,
    acknowledge_first: bool = False,
    on_delivery: Optional[Callable[[DeliveryRecord], Any]] = None,
    stats: Optional[DeliveryStats] = None,
) -> Callable[[LambdaEvent, Any], LambdaResult]:
    """A Lambda handler that verifies each delivery, runs ``router``'s
    handlers (inside the ``idempotency`` guard's claim when given), and
    answers in the front end's shape: 200 ``{"received": true}``, or the
    refusal's status with ``{"error": {"code", "message"}}``. A handler's
    exception goes to the runtime, which logs it; the front end answers 502
    and Payvost delivers again.

    ``acknowledge_first`` is refused: Lambda freezes the function once the
    handler returns, so work after the answer may never finish."""
    if acknowledge_first:
        raise ConfigurationError(
            "payvost.aws_lambda.handler: acknowledge_first cannot be kept on AWS Lambda, which freezes the function once "
            "the handler returns, so handlers run after the answer may never finish; leave it off (Payvost waits up to "
            "its timeout for the answer), or put the event on a queue and answer at once.",
            code="option_invalid",
        )
    if not isinstance(router, EventRouter):
        raise ConfigurationError(
            f"payvost.aws_lambda.handler takes a payvost.EventRouter, not {type(router).__name__}.", code="option_invalid"
        )

    @webhook(secret, tolerance, limit=limit, idempotency=idempotency, on_delivery=on_delivery, stats=stats)
    def payvost_webhook(event: AnyEvent, context: Any) -> None:
        router.dispatch(event)

    return payvost_webhook


def webhook(
    secret: Secret,
    tolerance: Union[int, float] = DEFAULT_TOLERANCE,
    *,
    limit: int = DEFAULT_BODY_LIMIT,
    idempotency: Optional[Any] = None,
    on_delivery: Optional[Callable[[DeliveryRecord], Any]] = None,
    stats: Optional[DeliveryStats] = None,
) -> Callable[[Callable[[AnyEvent, Any], Optional[R]]], Callable[[LambdaEvent, Any], Union[R, LambdaResult]]]:
    """A decorator for ``handler(event, context)``: it gets the verified
    event, and runs inside the ``idempotency`` guard's claim when given
    one. What it returns is the answer when it is one (a dict with a
    ``statusCode``); otherwise the answer is 200 ``{"received": true}``. A
    refused delivery is answered in the front end's shape without calling
    it; so is a duplicate (200). Every delivery's record (protocol §10.2)
    goes to ``on_delivery``, the ``payvost`` logger (CloudWatch) and
    ``stats``; Lambda's own concurrency settings stand in for
    ``max_concurrent``."""
    verifier = verifier_for(secret, tolerance)
    limit = checked_limit(limit)
    guard = checked_guard(idempotency)
    recorder = Recorder("payvost.aws_lambda.webhook", on_delivery, stats, None)

    def decorate(receive: Callable[[AnyEvent, Any], Optional[R]]) -> Callable[[LambdaEvent, Any], Union[R, LambdaResult]]:
        @functools.wraps(receive)
        def verified(lambda_event: LambdaEvent, context: Any = None) -> Union[R, LambdaResult]:
            # Every answer, refusals included, goes back in the shape of the front end that asked.
            front = _front(lambda_event)
            arrival = recorder.arrive(_source_ip(lambda_event))
            try:
                request = _Request(lambda_event, limit)
                proven = verify(request.body, request.header, verifier)
            except Answer as answer:
                recorder.refused(arrival, answer)
                return _answer(front, answer.status, answer.body)
            returned: List[Optional[R]] = []
            # The decorated function, as a router of one handler for the guard to run.
            router = EventRouter()
            router.on_any(lambda e: returned.append(receive(e, context)))
            refusal = routed(Delivery(recorder, arrival, proven, request.body, request.header), guard, router, None, lambda after: after())
            if refusal is not None:
                return _answer(front, refusal.status, refusal.body)
            if returned and isinstance(returned[0], dict) and "statusCode" in returned[0]:
                return returned[0]
            return _answer(front, 200, {"received": True})

        return verified

    return decorate

