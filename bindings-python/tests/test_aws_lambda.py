"""The AWS Lambda door: every event of tests/vectors/lambda.json through
``payvost.aws_lambda.construct_event``, and through its handler and
decorator, whose answers are checked in each front end's shape."""

from __future__ import annotations

import base64
import copy
import importlib.util
import json
import pathlib
import time
from typing import Any, Dict, List

import pytest

import payvost
import payvost.aws_lambda
from payvost.error import ConfigurationError, InvalidPayloadError, PayvostError
from payvost.idempotency import IdempotencyGuard, MemoryStore

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOC = json.loads((ROOT / "tests/vectors/lambda.json").read_text())
CASES = {case["id"].split("/", 1)[1]: case for case in DOC["cases"]}
SECRET = DOC["cases"][0]["secrets"][0]
NOW = DOC["cases"][0]["now"]
FRONTS = ["rest", "http", "url", "alb"]


@pytest.mark.parametrize("case", DOC["cases"], ids=[case["id"] for case in DOC["cases"]])
def test_construct_event(case: Dict[str, Any]) -> None:
    expected = case["expected"]
    if "error" in expected:
        with pytest.raises(PayvostError) as raised:
            payvost.aws_lambda.construct_event(case["event"], case["secrets"][0], now=case["now"])
        assert raised.value.code == expected["error"], str(raised.value)
        if "message" in expected:
            assert str(raised.value) == expected["message"]
        return
    event = payvost.aws_lambda.construct_event(case["event"], case["secrets"][0], now=case["now"])
    assert (event.id, event.type) == (expected["event_id"], expected["event_type"])


def test_another_kind_of_event_a_parsed_body_and_a_body_over_the_limit() -> None:
    with pytest.raises(InvalidPayloadError) as raised:
        payvost.aws_lambda.construct_event({"Records": [{"eventSource": "aws:sqs", "body": "{}"}]}, SECRET)
    assert (raised.value.code, raised.value.message) == (
        "payload_wrong_type",
        "construct_event takes the event of an API Gateway REST or HTTP API, a Lambda function URL or an Application "
        "Load Balancer, as the handler receives it, not an event from aws:sqs.",
    )
    with pytest.raises(InvalidPayloadError, match=r", not None\.$"):
        payvost.aws_lambda.construct_event(None, SECRET)  # type: ignore[arg-type]
    text = CASES["http-text"]["event"]
    parsed = dict(text, body=json.loads(text["body"]))
    with pytest.raises(InvalidPayloadError) as raised:
        payvost.aws_lambda.construct_event(parsed, SECRET, now=NOW)
    assert raised.value.code == "payload_wrong_type"
    limit = len(text["body"]) - 1
    for name in ("http-text", "http-base64"):
        with pytest.raises(InvalidPayloadError) as raised:
            payvost.aws_lambda.construct_event(CASES[name]["event"], SECRET, now=NOW, limit=limit)
        assert (raised.value.code, raised.value.message) == (
            "payload_invalid_json", f"The body is larger than the {limit}-byte limit; Payvost's events are far smaller.")
    assert payvost.aws_lambda.construct_event(CASES["http-base64"]["event"], SECRET, now=NOW, limit=limit + 1).id == "evt_1"


def test_the_base64_body_passed_to_construct_event_is_named() -> None:
    event = CASES["rest-base64"]["event"]
    with pytest.raises(payvost.SignatureVerificationError) as raised:
        payvost.Webhook.construct_event(event["body"], event["headers"]["Payvost-Signature"], SECRET, now=NOW)
    assert raised.value.code == "signature_mismatch"
    assert str(raised.value).startswith(
        "No signature in the Payvost-Signature header matches this payload, but one matches the bytes it encodes: "
        "the body is base64-encoded")
    assert "With Flask" not in str(raised.value), "a recognised change needs no framework hint"


def fresh(name: str) -> Dict[str, Any]:
    """The fixture re-signed now: a handler, as in production, reads the clock."""
    event = copy.deepcopy(CASES[name]["event"])
    raw = base64.b64decode(event["body"]) if event["isBase64Encoded"] else (event["body"] or "").encode()
    header = payvost.WebhookSignature.generate_header(raw, SECRET, int(time.time()))
    for headers in (event.get("headers"), event.get("multiValueHeaders")):
        for key in list(headers or {}):
            if key.lower() == "payvost-signature":
                headers[key] = [header] if isinstance(headers[key], list) else header
    return event


def recording_handler(fail: bool = False, **options: Any) -> Any:
    """A handler whose router records the events it ran; with ``fail``, it fails the first one."""
    ran: List[str] = []
    failures = [RuntimeError("the database is down")] if fail else []
    router = payvost.EventRouter()

    @router.on("payment.succeeded")
    def paid(event: payvost.PaymentEvent) -> None:
        if failures:
            raise failures.pop()
        ran.append(event.id)

    return ran, payvost.aws_lambda.handler(SECRET, router, **options)


def test_the_handler_answers_each_front_end_in_its_shape() -> None:
    for front in FRONTS:
        ran, handler = recording_handler()
        expected: Dict[str, Any] = {"statusCode": 200, "body": '{"received":true}', "isBase64Encoded": False,
                                    "headers": {"content-type": "application/json"}}
        if front == "alb":
            expected["statusDescription"] = "200 OK"
        assert handler(fresh(f"{front}-base64"), None) == expected, front
        assert ran == ["evt_1"], front
    _, handler = recording_handler()
    assert handler(fresh("alb-multi-value"), None) == {
        "statusCode": 200, "body": '{"received":true}', "isBase64Encoded": False,
        "multiValueHeaders": {"content-type": ["application/json"]}, "statusDescription": "200 OK",
    }


def test_each_front_ends_caller_is_on_the_delivery_record() -> None:
    """API Gateway REST gives the caller in ``identity``, HTTP APIs and function URLs in ``http``; an ALB gives none."""
    for front, address in (("rest", "203.0.113.7"), ("http", "203.0.113.7"), ("url", "203.0.113.7"), ("alb", None)):
        records: List[Dict[str, Any]] = []
        _, handler = recording_handler(on_delivery=records.append)
        handler(fresh(f"{front}-base64"), None)
        assert [(r["outcome"], r.get("remote_address")) for r in records] == [("processed", address)], front
    records = []
    _, handler = recording_handler(on_delivery=records.append)
    handler({"requestContext": {"http": {"sourceIp": 7}, "identity": {"sourceIp": "198.51.100.2"}}, "headers": {}}, None)
    handler({"requestContext": "elsewhere", "headers": {}}, None)
    assert [r.get("remote_address") for r in records] == ["198.51.100.2", None]


def test_bodies_no_front_end_sends_are_refused_as_payvost_errors() -> None:
    """Text that cannot be the bytes of a delivery: refused with a code, never a UnicodeEncodeError."""
    base64_body = dict(CASES["http-base64"]["event"], body="é" + CASES["http-base64"]["event"]["body"])
    with pytest.raises(InvalidPayloadError) as raised:
        payvost.aws_lambda.construct_event(base64_body, SECRET, now=NOW)
    assert raised.value.code == "payload_wrong_type"
    surrogate = dict(CASES["http-text"]["event"], body='{"id":"\ud800"}')
    with pytest.raises(PayvostError) as refused:
        payvost.aws_lambda.construct_event(surrogate, SECRET, now=NOW)
    assert refused.value.code == "signature_mismatch"


def test_the_handler_answers_an_event_that_is_not_a_mapping() -> None:
    ran, handler = recording_handler()
    for odd in ([1], "text", None):
        answer = handler(odd, None)
        assert (answer["statusCode"], json.loads(answer["body"])["error"]["code"]) == (400, "payload_wrong_type"), odd
        assert "statusDescription" not in answer and answer["headers"] == {"content-type": "application/json"}
    assert ran == []


def test_the_decorator_records_and_counts_and_names_itself() -> None:
    records: List[Dict[str, Any]] = []
    stats = payvost.delivery.DeliveryStats()

    @payvost.aws_lambda.webhook(SECRET, on_delivery=records.append, stats=stats)
    def receive(event: payvost.AnyEvent, context: Any) -> None:
        return None

    assert receive(fresh("http-base64"), None)["statusCode"] == 200
    assert [(r["outcome"], r["event_id"]) for r in records] == [("processed", "evt_1")]
    assert stats.snapshot()["outcomes"]["processed"] == 1
    with pytest.raises(ConfigurationError, match=r"^payvost\.aws_lambda\.webhook: stats "):
        payvost.aws_lambda.webhook(SECRET, stats=3)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match=r"^payvost\.aws_lambda\.handler takes a payvost\.EventRouter, not str\.$"):
        payvost.aws_lambda.handler(SECRET, "a router")  # type: ignore[arg-type]


def test_an_event_of_another_kind_is_named_by_its_source() -> None:
    for event, named in (({"Records": [{"EventSource": "aws:sns"}]}, "an event from aws:sns"),
                         ({"source": "aws.events", "detail": {}}, "an event from aws.events"),
                         ({"Records": []}, "a dict"), ([1], "a list"), ("text", "a str")):
        with pytest.raises(InvalidPayloadError) as raised:
            payvost.aws_lambda.construct_event(event, SECRET)  # type: ignore[arg-type]
        assert raised.value.message.endswith(f", not {named}."), (event, raised.value.message)


def test_the_handler_refuses_without_running_a_handler() -> None:
    ran, handler = recording_handler()
    for name, code in (("http-forged", "signature_mismatch"), ("rest-header-sent-twice", "header_malformed"),
                       ("url-bad-base64", "payload_wrong_type"), ("alb-no-header", "header_missing")):
        answer = handler(CASES[name]["event"], None)
        assert (answer["statusCode"], json.loads(answer["body"])["error"]["code"]) == (400, code), name
    twice = handler(CASES["alb-multi-value-twice"]["event"], None)
    assert (twice["statusDescription"], twice["multiValueHeaders"]) == ("400 Bad Request", {"content-type": ["application/json"]})
    other = handler({"Records": [{"eventSource": "aws:sqs"}]}, None)
    assert (other["statusCode"], json.loads(other["body"])["error"]["code"]) == (400, "payload_wrong_type")
    assert ran == []


def test_the_handler_with_the_idempotency_guard() -> None:
    ran, handler = recording_handler(idempotency=IdempotencyGuard(MemoryStore(), namespace="lambda-test"))
    assert handler(fresh("http-text"), None)["statusCode"] == 200
    assert handler(fresh("http-text"), None) == {"statusCode": 200, "body": '{"received":true}', "isBase64Encoded": False,
                                                 "headers": {"content-type": "application/json"}}
    assert ran == ["evt_1"]
    ran, failing = recording_handler(fail=True, idempotency=IdempotencyGuard(MemoryStore()))
    with pytest.raises(RuntimeError, match="the database is down"):
        failing(fresh("rest-text"), None)
    assert failing(fresh("rest-text"), None)["statusCode"] == 200, "the failed claim was released"
    assert ran == ["evt_1"]


def test_the_decorator_passes_the_event_and_context_and_may_answer() -> None:
    seen: List[Any] = []

    @payvost.aws_lambda.webhook(SECRET)
    def handler(event: payvost.AnyEvent, context: Any) -> Any:
        seen.append((event.id, context))
        return {"statusCode": 202, "body": "queued"}

    assert handler(fresh("url-base64"), "ctx") == {"statusCode": 202, "body": "queued"}
    assert seen == [("evt_1", "ctx")]

    @payvost.aws_lambda.webhook(SECRET)
    def quiet(event: payvost.AnyEvent, context: Any) -> None:
        return None

    assert quiet(fresh("rest-text"), None)["body"] == '{"received":true}'


def test_what_lambda_cannot_keep_and_misconfigurations_are_refused_when_made() -> None:
    router = payvost.EventRouter()
    with pytest.raises(ConfigurationError) as raised:
        payvost.aws_lambda.handler(SECRET, router, acknowledge_first=True)
    assert (raised.value.code, raised.value.message) == (
        "option_invalid",
        "payvost.aws_lambda.handler: acknowledge_first cannot be kept on AWS Lambda, which freezes the function once "
        "the handler returns, so handlers run after the answer may never finish; leave it off (Payvost waits up to its "
        "timeout for the answer), or put the event on a queue and answer at once.",
    )
    for build, code in (
        (lambda: payvost.aws_lambda.handler(None, router), "secret_invalid"),  # type: ignore[arg-type]
        (lambda: payvost.aws_lambda.handler(SECRET, router, limit="1mb"), "option_invalid"),  # type: ignore[arg-type]
        (lambda: payvost.aws_lambda.handler(SECRET, "router"), "option_invalid"),  # type: ignore[arg-type]
        (lambda: payvost.aws_lambda.webhook(SECRET, idempotency="redis://"), "option_invalid"),
    ):
        with pytest.raises(ConfigurationError) as raised:
            build()
        assert raised.value.code == code


def test_the_example_answers_every_front_end(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYVOST_WEBHOOK_SECRET", SECRET)
    spec = importlib.util.spec_from_file_location("lambda_example", ROOT / "examples/aws-lambda-python/handler.py")
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    for front in FRONTS:
        for form in ("text", "base64"):
            assert example.handler(fresh(f"{front}-{form}"), None)["statusCode"] == 200, (front, form)
    assert example.fulfilled == ["pay_1"] * 8
    assert example.handler(CASES["url-forged"]["event"], None)["statusCode"] == 400
