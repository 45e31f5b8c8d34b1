"""The API surface: argument types, the error hierarchy and codes, events. Fixed `now` throughout."""

from __future__ import annotations

import copy
import datetime
import json
import pickle
from typing import Any, Callable, Type

import payvost
import pytest
from payvost.error import ConfigurationError, InvalidPayloadError, PayvostError, SignatureVerificationError

from conftest import BODY, NOW, SECRET

construct = payvost.Webhook.construct_event


def raises(cls: Type[PayvostError], code: str, fn: Callable[[], Any]) -> PayvostError:
    with pytest.raises(PayvostError) as raised:
        fn()
    error = raised.value
    assert type(error) is cls, f"{type(error).__name__}: {error}"
    assert error.code == code, str(error)
    return error


@pytest.mark.parametrize("payload", [BODY, bytearray(BODY), memoryview(BODY), BODY.decode(), memoryview(b"xx" + BODY)[2:]])
def test_every_payload_type(payload: Any, header: str) -> None:
    event = construct(payload, header, SECRET, now=NOW)
    assert event.to_dict() == json.loads(BODY)


@pytest.mark.parametrize("payload", [json.loads(BODY), None, 42, [1], object(), 1.5])
def test_parsed_or_odd_payloads_are_wrong_type(payload: Any, header: str) -> None:
    error = raises(InvalidPayloadError, "payload_wrong_type", lambda: construct(payload, header, SECRET, now=NOW))
    assert "request.get_data()" in str(error) and "request.body" in str(error)


def test_headers(header: str) -> None:
    assert construct(BODY, header.encode(), SECRET, now=NOW).id == "evt_1"
    for missing in (None, "", "  "):
        raises(SignatureVerificationError, "header_missing", lambda: construct(BODY, missing, SECRET, now=NOW))
    for odd in (42, [header], {"t": 1}):
        raises(SignatureVerificationError, "header_malformed", lambda: construct(BODY, odd, SECRET, now=NOW))


def test_secrets(header: str) -> None:
    assert payvost.WebhookSignature.verify_header(BODY, header, ("whsec_a", SECRET), now=NOW).secret_index == 1
    assert construct(BODY, header, [SECRET], now=NOW).id == "evt_1"
    for bad in (42, None, [], [SECRET, 7], {SECRET: 1}, SECRET.encode()):
        raises(ConfigurationError, "secret_invalid", lambda: construct(BODY, header, bad, now=NOW))
    error = raises(ConfigurationError, "secret_invalid", lambda: construct(BODY, header, "rk_live_1", now=NOW))
    assert "whsec_" in str(error)
    raises(ConfigurationError, "secret_invalid", lambda: construct(BODY, header, SECRET + "\n", now=NOW))
    raises(SignatureVerificationError, "signature_mismatch", lambda: construct(BODY, header, "whsec_other", now=NOW))
    # The verifier kept for the last secret is not reused for another, nor for another tolerance.
    assert construct(BODY, header, SECRET, now=NOW).id == "evt_1"
    raises(SignatureVerificationError, "timestamp_too_old", lambda: construct(BODY, header, SECRET, now=NOW + 400))
    assert construct(BODY, header, SECRET, 600, now=NOW + 400).id == "evt_1"


def test_now_and_tolerance(header: str) -> None:
    aware = datetime.datetime.fromtimestamp(NOW + 200, tz=datetime.timezone.utc)
    assert construct(BODY, header, SECRET, now=aware).id == "evt_1"
    assert construct(BODY, header, SECRET, now=float(NOW) + 0.9).id == "evt_1"
    assert construct(BODY, header, SECRET, 300.0, now=NOW).id == "evt_1"
    error = raises(SignatureVerificationError, "timestamp_too_old", lambda: construct(BODY, header, SECRET, now=NOW + 301))
    assert "301 seconds old" in str(error) and "tolerance of 300 seconds" in str(error)
    raises(SignatureVerificationError, "timestamp_too_new", lambda: construct(BODY, header, SECRET, now=NOW - 301))
    raises(SignatureVerificationError, "timestamp_too_old", lambda: construct(BODY, header, SECRET, now=2**80))
    for bad in (0, -1, 1.5, 2592001, float("nan"), float("inf"), "300", None, True, [300]):
        raises(ConfigurationError, "tolerance_invalid", lambda: construct(BODY, header, SECRET, bad, now=NOW))
    for now in (float("nan"), float("inf"), "1764000000", True, object()):
        raises(ConfigurationError, "tolerance_invalid", lambda: construct(BODY, header, SECRET, now=now))


def test_error_hierarchy_and_attributes(header: str) -> None:
    error = raises(SignatureVerificationError, "signature_mismatch", lambda: construct(b"x" * 500, header, SECRET, now=NOW))
    assert isinstance(error, ValueError) and isinstance(error, PayvostError)
    assert error.http_body == "x" * 100
    assert error.sig_header == header
    assert "raw request body" in str(error) and "request.get_data()" in str(error)
    assert SECRET not in repr(error) and SECRET not in str(error)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is SignatureVerificationError and copy.code == error.code and copy.http_body == error.http_body
    assert issubclass(InvalidPayloadError, PayvostError) and issubclass(ConfigurationError, PayvostError)
    config = raises(ConfigurationError, "secret_invalid", lambda: construct(BODY, header, "sk_" + SECRET, now=NOW))
    assert config.sig_header is None and SECRET not in repr(config)


def test_an_error_echoes_100_bytes_never_half_a_character(header: str) -> None:
    # 't=1,v1=' and 46 é are 99 bytes: the 47th é would straddle the cut.
    long = raises(SignatureVerificationError, "signature_mismatch", lambda: construct(BODY, "t=1,v1=" + "é" * 80, SECRET, now=NOW))
    assert long.sig_header == "t=1,v1=" + "é" * 46
    odd = raises(SignatureVerificationError, "signature_mismatch", lambda: construct(("a" + "é" * 60).encode(), header, SECRET, now=NOW))
    assert odd.http_body == "a" + "é" * 49
    assert raises(SignatureVerificationError, "signature_mismatch", lambda: construct(b"{\xff}", header, SECRET, now=NOW)).http_body == "{\ufffd}"
    assert raises(SignatureVerificationError, "header_malformed", lambda: construct(BODY, "\ufefft=1,v1=ab", SECRET, now=NOW)).sig_header == "\ufefft=1,v1=ab"


def test_error_codes_match_the_spec() -> None:
    assert payvost.ERROR_CODES == [
        "secret_invalid", "tolerance_invalid", "header_missing", "header_malformed", "no_signatures",
        "signature_mismatch", "timestamp_too_old", "timestamp_too_new", "payload_invalid_json",
        "payload_invalid_event", "payload_wrong_type", "option_invalid",
        "event_in_progress", "store_unavailable", "event_id_reused", "lease_lost", "receiver_busy",
    ]
    assert payvost.DEFAULT_TOLERANCE == payvost.Webhook.DEFAULT_TOLERANCE == 300


def test_authentic_but_not_an_event() -> None:
    for body, code in [(b"[1]", "payload_invalid_json"), (b'{"id":"evt_1"', "payload_invalid_json"),
                       (b'{"id":"evt_1","type":"x"}', "payload_invalid_event"), (b"\xff", "payload_invalid_json")]:
        signed = payvost.WebhookSignature.generate_header(body, SECRET, NOW)
        raises(InvalidPayloadError, code, lambda: construct(body, signed, SECRET, now=NOW))


def test_event_access_at_every_level(header: str) -> None:
    event = construct(BODY, header, SECRET, now=NOW)
    assert event.type == event["type"] == "payment.succeeded"
    assert event.data.object.amount == event["data"]["object"]["amount"] == 2000
    assert type(event) is payvost.PaymentEvent and isinstance(event, payvost.Event) and isinstance(event, dict)
    assert type(event.data) is payvost.PaymentEventData
    assert type(event.data.object) is payvost.Payment
    # Item and attribute access give the very same objects.
    assert event["data"] is event.data and event["data"]["object"] is event.data.object
    assert event.data.object.currency == "eur"
    assert "data" in event and "nope" not in event
    assert event.get("nope", 5) == 5 and event.get("created") == NOW
    assert list(event) == ["id", "type", "created", "data"] and len(event) == 4
    assert event.created == NOW
    assert repr(event) == (
        '<PaymentEvent {"id": "evt_1", "type": "payment.succeeded", "created": 1764000000, '
        '"data": {"object": {"id": "pay_1", "amount": 2000, "currency": "eur"}}}>'
    )
    assert repr(event.data.object) == '<Payment {"id": "pay_1", "amount": 2000, "currency": "eur"}>'
    assert event == json.loads(BODY)
    with pytest.raises(AttributeError, match="PaymentEvent has no field 'nope'"):
        event.nope  # type: ignore[attr-defined]  # noqa: B018
    with pytest.raises(AttributeError):
        event.id = "evt_2"  # type: ignore[misc]
    with pytest.raises(KeyError):
        event["nope"]


def test_events_store_as_their_json(header: str) -> None:
    event = construct(BODY, header, SECRET, now=NOW)
    assert json.dumps(event) == json.dumps(json.loads(BODY))
    assert json.loads(json.dumps(event)) == json.loads(BODY)
    for copied in [pickle.loads(pickle.dumps(event)), copy.deepcopy(event), copy.copy(event)]:
        assert copied == event and type(copied) is payvost.PaymentEvent
        assert type(copied["data"]["object"]) is payvost.Payment
    shallow = dict(event)
    assert type(shallow) is dict and json.loads(json.dumps(shallow)) == json.loads(BODY)
    assert shallow["data"]["object"]["amount"] == 2000 and isinstance(shallow["data"], dict)
    plain = event.to_dict()
    assert plain == json.loads(BODY) and type(plain) is dict
    assert type(plain["data"]) is dict and type(plain["data"]["object"]) is dict
    plain["data"]["object"]["amount"] = 1
    assert event.data.object.amount == 2000


def test_a_long_event_shows_the_start_of_its_json() -> None:
    body = json.dumps({"id": "evt_1", "type": "x", "data": {"object": {"note": "é" * 2000}}}).encode()
    event = construct(body, payvost.WebhookSignature.generate_header(body, SECRET, NOW), SECRET, now=NOW)
    shown = repr(event)
    assert shown.startswith('<UnknownEvent {"id": "evt_1", "type": "x", "data": {"object": {"note": "ééé')
    assert shown.endswith("... (2062 characters)>") and len(shown) == len("<UnknownEvent ") + 500 + len("... (2062 characters)>")


def test_big_numbers_and_escapes_survive_json_dumps() -> None:
    body = rb'{"id":"evt_1","type":"x","data":{"object":{"n":123456789012345678901234567890,"s":"\ud83d\ude00 \u00e9"}}}'
    event = construct(body, payvost.WebhookSignature.generate_header(body, SECRET, NOW), SECRET, now=NOW)
    assert event["data"]["object"]["n"] == 123456789012345678901234567890
    assert event["data"]["object"]["s"] == "\U0001f600 \u00e9"
    assert json.loads(json.dumps(event)) == json.loads(body)


def test_lists_and_typed_objects() -> None:
    body = json.dumps({"id": "evt_2", "type": "subscription.updated", "data": {
        "object": {"id": "sub_1", "currentPeriodEnd": 1766592000, "plan": {"id": "plan_1"},
                   "items": [{"price": 5}, [1, {"q": 2}]]},
        "previous_attributes": {"status": "trialing"}}}).encode()
    event = construct(body, payvost.WebhookSignature.generate_header(body, SECRET, NOW), SECRET, now=NOW)
    sub = event.data.object
    assert type(sub) is payvost.Subscription and type(event) is payvost.SubscriptionEvent
    assert sub.current_period_end == sub.currentPeriodEnd == 1766592000
    # Deeper objects are json.loads's dicts until read as attributes, then PayvostObjects in place.
    assert type(sub["plan"]) is dict
    assert sub.plan.id == "plan_1"  # type: ignore[attr-defined]
    assert type(sub["plan"]) is payvost.PayvostObject and sub["plan"] is sub.plan  # type: ignore[attr-defined]
    assert sub["items"][0]["price"] == 5 and sub["items"][1][1] == {"q": 2}
    assert event.data.previous_attributes == {"status": "trialing"}
    assert event.data.previous_attributes is event["data"]["previous_attributes"]
    assert json.loads(json.dumps(event)) == json.loads(body)
    unknown = json.dumps({"id": "evt_3", "type": "payout.paid", "data": {"object": {"id": "po_1"}}}).encode()
    other = construct(unknown, payvost.WebhookSignature.generate_header(unknown, SECRET, NOW), SECRET, now=NOW)
    assert type(other) is payvost.UnknownEvent and other["type"] == "payout.paid"
    assert type(other.data) is payvost.EventData and type(other.data.object) is payvost.PayvostObject
    assert other.data.previous_attributes is None


@pytest.mark.parametrize("body", [
    b'{"data":{"object":{"id":"pay_1"}},"id":"evt_1","type":"payment.failed"}',  # the type after data
    b'{"id":"evt_1","type":"refund.created","data":{"object":{"id":"pay_1"}},"type":"payment.failed"}',  # the last type wins
    b'{"id":"evt_1","type":"payment.failed","data":{"object":{"id":"x"}},"data":{"object":{"id":"pay_1"}}}',
])
def test_the_classes_follow_the_type_wherever_it_stands(body: bytes) -> None:
    event = construct(body, payvost.WebhookSignature.generate_header(body, SECRET, NOW), SECRET, now=NOW)
    assert type(event) is payvost.PaymentEvent and event.type == "payment.failed"
    assert type(event.data) is payvost.PaymentEventData and type(event.data.object) is payvost.Payment
    assert event.data.object.id == "pay_1" and event == json.loads(body)


def test_each_known_type_gets_its_classes() -> None:
    facts = json.loads(payvost._native.FACTS)
    classes = {"payment": payvost.PaymentEvent, "subscription": payvost.SubscriptionEvent, "refund": payvost.RefundEvent,
               "customer": payvost.CustomerEvent, "dispute": payvost.DisputeEvent}
    for known in facts["event_types"]:
        body = json.dumps({"id": "evt_1", "type": known["name"], "data": {"object": {"id": "x"}}}).encode()
        event = construct(body, payvost.WebhookSignature.generate_header(body, SECRET, NOW), SECRET, now=NOW)
        assert type(event) is classes[known["object"]], known


def test_generate_header() -> None:
    assert payvost.WebhookSignature.generate_header(BODY, SECRET, NOW).startswith(f"t={NOW},v1=")
    now = datetime.datetime.fromtimestamp(NOW, tz=datetime.timezone.utc)
    assert payvost.WebhookSignature.generate_header(BODY, SECRET, now) == payvost.WebhookSignature.generate_header(BODY, SECRET, NOW)
    assert len(payvost.WebhookSignature.generate_header(BODY, SECRET)) == len(f"t={NOW},v1=") + 64
    raises(ConfigurationError, "secret_invalid", lambda: payvost.WebhookSignature.generate_header(BODY, 7))  # type: ignore[arg-type]
    raises(InvalidPayloadError, "payload_wrong_type", lambda: payvost.WebhookSignature.generate_header({}, SECRET))  # type: ignore[arg-type]


@pytest.mark.parametrize(("secret", "message"), [
    ("", "The webhook signing secret is empty"),
    ("sk_live_1", "The webhook signing secret starts with sk_ and looks like an API key; "
                  "the webhook signing secret starts with whsec_"),
    ("whsec_x\n", "The webhook signing secret starts or ends with whitespace, often a newline copied from a .env file; "
                  "remove it, the secret is used exactly as given"),
])
def test_generate_header_refuses_secrets_no_verifier_accepts(secret: str, message: str) -> None:
    error = raises(ConfigurationError, "secret_invalid", lambda: payvost.WebhookSignature.generate_header(BODY, secret, NOW))
    assert str(error) == message


def test_generate_header_refuses_a_negative_timestamp() -> None:
    error = raises(ConfigurationError, "tolerance_invalid", lambda: payvost.WebhookSignature.generate_header(BODY, SECRET, -1))
    assert str(error) == ("Cannot sign at timestamp -1: a Payvost-Signature's t is whole unix seconds from 0, "
                          "and every verifier refuses a negative one as header_malformed")
    assert payvost.WebhookSignature.generate_header(BODY, SECRET, 0).startswith("t=0,v1=")


ODD = [None, True, 0, -1, 2**70, 1.5, float("nan"), "", "x", b"", b"\xff", bytearray(b"{}"), [], [None], {}, (), object(),
       datetime.datetime(2026, 1, 1), memoryview(b"{}"), "\ud800"]


@pytest.mark.parametrize("position", range(5))
def test_nothing_but_sdk_errors_escape(position: int, header: str) -> None:
    for odd in ODD:
        args: list[Any] = [BODY, header, SECRET, 300, NOW]
        args[position] = odd
        try:
            construct(args[0], args[1], args[2], args[3], now=args[4])
        except PayvostError as error:
            assert error.code in payvost.ERROR_CODES


def test_the_docs_snippet_as_written(header: str, capsys: pytest.CaptureFixture[str]) -> None:
    # From the Payvost webhook docs, unchanged.
    def verify_webhook(payload, signature, secret):  # type: ignore[no-untyped-def]
        try:
            return payvost.Webhook.construct_event(payload, signature, secret)
        except payvost.error.SignatureVerificationError as e:
            print(f'Webhook signature verification failed: {e}')
            return None

    fresh = payvost.WebhookSignature.generate_header(BODY, SECRET)
    assert verify_webhook(BODY, fresh, SECRET).id == "evt_1"
    assert verify_webhook(BODY, fresh, "whsec_wrong") is None
    assert "Webhook signature verification failed: No signature" in capsys.readouterr().out


def test_nested_lists_show_their_objects_as_payvost_objects() -> None:
    body = (b'{"id":"evt_1","type":"payment.succeeded","data":{"object":{"id":"pay_1",'
            b'"lines":[{"sku":"a"},[{"x":1}],3],"caf\xc3\xa9":"\xc3\xa9"}}}')
    header = payvost.WebhookSignature.generate_header(body, SECRET, NOW)
    obj = payvost.Webhook.construct_event(body, header, SECRET, now=NOW).data.object
    assert obj.lines[0].sku == "a" and obj.lines[1][0].x == 1 and obj.lines[2] == 3
    assert type(obj.lines[0]) is payvost.PayvostObject and type(obj.lines[1][0]) is payvost.PayvostObject
    # dir() offers the keys that are names, beside the methods; repr keeps the text as sent.
    assert {"lines", "id", "to_dict"} <= set(dir(obj)) and "café" in dir(obj)
    assert repr(obj) == '<Payment {"id": "pay_1", "lines": [{"sku": "a"}, [{"x": 1}], 3], "café": "é"}>'


def test_a_long_object_shows_its_first_500_characters() -> None:
    exactly = payvost.PayvostObject({"a": "x" * 491})  # 500 characters of JSON
    assert repr(exactly) == f'<PayvostObject {{"a": "{"x" * 491}"}}>'
    longer = payvost.PayvostObject({"a": "x" * 492})
    assert repr(longer) == f'<PayvostObject {{"a": "{"x" * 492}"... (501 characters)>'


def test_an_error_survives_pickling_whole_and_shows_its_class() -> None:
    header = payvost.WebhookSignature.generate_header(BODY, SECRET, NOW)
    with pytest.raises(SignatureVerificationError) as raised:
        payvost.Webhook.construct_event(BODY, header + "0", SECRET, now=NOW)
    copy_ = pickle.loads(pickle.dumps(raised.value))
    assert type(copy_) is SignatureVerificationError
    assert (copy_.code, copy_.message, copy_.sig_header, copy_.http_body) == (
        raised.value.code, raised.value.message, header + "0", BODY[:100].decode())
    assert repr(copy_).startswith("SignatureVerificationError(code='signature_mismatch', message=\"No signature ")


def test_the_kept_verifiers_tell_a_tolerance_of_true_from_one() -> None:
    header = payvost.WebhookSignature.generate_header(BODY, SECRET, NOW)
    assert payvost.Webhook.construct_event(BODY, header, SECRET, tolerance=1, now=NOW).id == "evt_1"
    assert payvost.Webhook.construct_event(BODY, header, [SECRET], tolerance=1, now=NOW).id == "evt_1"
    for secret in (SECRET, [SECRET]):
        with pytest.raises(ConfigurationError, match=r"; it was not a number$"):
            payvost.Webhook.construct_event(BODY, header, secret, tolerance=True, now=NOW)  # type: ignore[arg-type]
        # A tolerance no cache can key (a list) is still judged, not defaulted.
        with pytest.raises(ConfigurationError, match=r"^The tolerance must be"):
            payvost.Webhook.construct_event(BODY, header, secret, tolerance=[300], now=NOW)  # type: ignore[arg-type]
