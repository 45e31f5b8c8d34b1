"""The delivery record (protocol §10.2) of the Flask, FastAPI and Django
adapters over real HTTP with the real frameworks: processed, duplicate,
refused, failed, in progress and shed deliveries, each handed to
``on_delivery``, logged to the real ``payvost`` logger at its level, and
counted; the prometheus_client helper in a real registry."""

from __future__ import annotations

import json
import logging
import socket
import sys
import threading
import time
import urllib.request
from typing import Any, Callable, Dict, Iterator, List, Tuple

import payvost
import payvost.delivery
import pytest
from payvost._native import fingerprint
from payvost.idempotency import IdempotencyGuard, MemoryStore

import test_adapters
from conftest import post, wait_for

SECRET = "whsec_delivery_secret"
LIMIT = 2048
FACTS = json.loads(payvost._native.FACTS)
BUSY = (
    "This receiver was already handling its limit of deliveries at once (1), so it answered 503 without reading this one; "
    "Payvost delivers it again later."
)


class Slow:
    """Holds ``evt_slow``'s handler until the test has its shed copy's answer."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.ran: List[str] = []

    def router(self, asynchronous: bool) -> payvost.EventRouter:
        router = payvost.EventRouter()
        slow = self

        if asynchronous:

            @router.on("payment.succeeded")
            async def paid_async(event: payvost.PaymentEvent) -> None:
                import asyncio

                if event.id == "evt_slow":
                    slow.entered.set()
                    await asyncio.to_thread(slow.release.wait, 10)
                slow.ran.append(event.id)

        else:

            @router.on("payment.succeeded")
            def paid(event: payvost.PaymentEvent) -> None:
                if event.id == "evt_slow":
                    slow.entered.set()
                    slow.release.wait(10)
                slow.ran.append(event.id)

        @router.on("refund.created")
        def refunded(event: payvost.RefundEvent) -> None:
            raise RuntimeError("the database is down")

        return router


Options = Dict[str, Any]


def flask_app(slow: Slow, guard: IdempotencyGuard, options: Options) -> Any:
    import flask
    import payvost.flask

    app = flask.Flask(__name__)
    view = payvost.flask.view(SECRET, slow.router(False), idempotency=guard, limit=LIMIT, max_concurrent=1, **options)
    app.add_url_rule("/guarded", view_func=view, methods=["POST"])

    @app.post("/plain")
    @payvost.flask.webhook(SECRET, **options)
    def plain(event: payvost.AnyEvent) -> Any:
        return {"id": event.id}, 202

    return app


def fastapi_app(slow: Slow, guard: IdempotencyGuard, options: Options) -> Any:
    import fastapi
    import payvost.fastapi

    app = fastapi.FastAPI()
    guarded = payvost.fastapi.WebhookEvent(SECRET, limit=LIMIT, max_concurrent=1, **options)
    app.post("/guarded")(payvost.fastapi.endpoint(guarded, slow.router(True), idempotency=guard))
    verified = payvost.fastapi.WebhookEvent(SECRET, **options)

    @app.post("/plain", status_code=202)
    async def plain(event: payvost.AnyEvent = fastapi.Depends(verified)) -> Dict[str, str]:
        return {"id": event.id}

    return app


def django_app(slow: Slow, guard: IdempotencyGuard, options: Options) -> Any:
    from django.conf import settings

    if not settings.configured:
        test_adapters.django_app([])  # configures Django once, with its URLconf module
    from django.core.handlers.wsgi import WSGIHandler
    from django.http import HttpRequest, HttpResponse, JsonResponse
    from django.urls import clear_url_caches, path

    import payvost.django

    @payvost.django.webhook(SECRET, **options)
    def plain(request: HttpRequest, event: payvost.AnyEvent) -> HttpResponse:
        return JsonResponse({"id": event.id}, status=202)

    view = payvost.django.view(SECRET, slow.router(False), idempotency=guard, limit=LIMIT, max_concurrent=1, **options)
    sys.modules[settings.ROOT_URLCONF].urlpatterns = [path("guarded", view), path("plain", plain)]  # type: ignore[attr-defined]
    clear_url_caches()
    return WSGIHandler()


FRAMEWORKS: Dict[str, Tuple[Callable[[Slow, IdempotencyGuard, Options], Any], Callable[[Any], Iterator[str]], str]] = {
    "flask": (flask_app, test_adapters.serve_wsgi, "error"),
    "fastapi": (fastapi_app, test_adapters.serve_asgi, "detail"),
    "django": (django_app, test_adapters.serve_wsgi, "error"),
}


def event(event_type: str, event_id: str) -> bytes:
    return json.dumps({"id": event_id, "type": event_type, "data": {"object": {"id": "obj_1"}}}).encode()


def post_with_headers(url: str, body: bytes, header: str) -> Tuple[int, Dict[str, str], Any]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json", "Payvost-Signature": header}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


@pytest.mark.parametrize("framework", list(FRAMEWORKS))
def test_every_delivery_is_recorded_logged_and_counted(framework: str, caplog: pytest.LogCaptureFixture) -> None:
    make, serve, key = FRAMEWORKS[framework]
    caplog.set_level(logging.INFO, logger="payvost")
    records: List[Dict[str, Any]] = []
    stats = payvost.delivery.DeliveryStats()
    store = MemoryStore()
    guard = IdempotencyGuard(store, namespace=f"delivery-{framework}")
    slow = Slow()
    now = int(time.time())
    sign = payvost.WebhookSignature.generate_header
    for base in serve(make(slow, guard, {"on_delivery": records.append, "stats": stats})):

        def send(route: str, body: bytes, secret: str = SECRET) -> int:
            return post(f"{base}/{route}", body, sign(body, secret, now - 5))[0]

        paid = event("payment.succeeded", "evt_paid")
        assert send("guarded", paid) == 200
        assert send("guarded", paid) == 200
        assert send("guarded", paid, "whsec_forger") == 400
        assert send("guarded", b"x" * (LIMIT + 1)) == 413
        assert send("guarded", event("refund.created", "evt_refund")) == 500
        assert send("plain", event("customer.created", "evt_plain")) == 202
        held = event("payment.succeeded", "evt_held")
        store.claim(f"delivery-{framework}:evt_held", fingerprint(held), "another-worker", 60000, 60000)
        assert send("guarded", held) == 409
        # One delivery runs; the next, past max_concurrent=1, is shed unread.
        slow_body = event("payment.succeeded", "evt_slow")
        first: List[int] = []
        thread = threading.Thread(target=lambda: first.append(send("guarded", slow_body)))
        thread.start()
        assert slow.entered.wait(10)
        shed = post_with_headers(f"{base}/guarded", paid, sign(paid, SECRET))
        slow.release.set()
        thread.join(10)
        assert first == [200]
        status, headers, answer = shed
        assert (status, headers.get("Retry-After") or headers.get("retry-after")) == (503, "30")
        assert answer[key] == {"code": "receiver_busy", "message": BUSY}
        wait_for(lambda: len(records) == 9, "the nine delivery records")

    for record in records:
        assert list(record) == [field for field in FACTS["delivery"]["fields"] if field in record], "the core's field order"
        assert 0 <= record.pop("duration_ms") < 10000
        assert now <= record.pop("received_at") < now + 60
        assert record.pop("remote_address") == "127.0.0.1"
        if "event_id" in record:  # verified: its signature's age is on record
            assert 5 <= record.pop("signature_age") < 15
    paid_record = lambda outcome: {  # noqa: E731
        "event_id": "evt_paid", "event_type": "payment.succeeded", "outcome": outcome, "status": 200, "secret_index": 0, "attempt": 1,
    }
    assert records == [
        paid_record("processed"),
        paid_record("duplicate"),
        {"outcome": "refused", "code": "signature_mismatch", "status": 400},
        {"outcome": "refused", "code": "payload_invalid_json", "status": 413},
        {"event_id": "evt_refund", "event_type": "refund.created", "outcome": "failed", "status": 500, "secret_index": 0, "attempt": 1},
        {"event_id": "evt_plain", "event_type": "customer.created", "outcome": "processed", "status": 202, "secret_index": 0},
        {"event_id": "evt_held", "event_type": "payment.succeeded", "outcome": "in_progress", "code": "event_in_progress", "status": 409,
         "secret_index": 0},
        {"outcome": "shed", "code": "receiver_busy", "status": 503},
        {"event_id": "evt_slow", "event_type": "payment.succeeded", "outcome": "processed", "status": 200, "secret_index": 0, "attempt": 1},
    ]
    # The same records on the real logger, each at its outcome's level, the record in `extra`.
    logged = [(r.levelname, r.getMessage()) for r in caplog.records if hasattr(r, "delivery")]
    assert logged == [
        ("INFO", "payvost delivery processed: 200 evt_paid"),
        ("INFO", "payvost delivery duplicate: 200 evt_paid"),
        ("WARNING", "payvost delivery refused: 400 signature_mismatch"),
        ("WARNING", "payvost delivery refused: 413 payload_invalid_json"),
        ("ERROR", "payvost delivery failed: 500 evt_refund"),
        ("INFO", "payvost delivery processed: 202 evt_plain"),
        ("INFO", "payvost delivery in_progress: 409 event_in_progress"),
        ("WARNING", "payvost delivery shed: 503 receiver_busy"),
        ("INFO", "payvost delivery processed: 200 evt_slow"),
    ]
    assert [r.delivery["outcome"] for r in caplog.records if hasattr(r, "delivery")] == [r["outcome"] for r in records]
    assert not any(SECRET in r.getMessage() for r in caplog.records)
    assert stats.snapshot() == {
        "total": 9,
        "outcomes": {"processed": 3, "duplicate": 1, "refused": 2, "failed": 1, "in_progress": 1, "shed": 1},
        "codes": {"event_in_progress": 1, "payload_invalid_json": 1, "receiver_busy": 1, "signature_mismatch": 1},
    }
    assert stats.anomalies() == [
        "1 refused with payload_invalid_json since the last summary, from 1 address; likely cause: a probe: one address sending "
        "requests that are not Payvost deliveries",
        "1 refused with signature_mismatch since the last summary, from 1 address; likely cause: a probe, if that address is neither "
        "Payvost's nor your proxy's; otherwise the secret",
    ]


def test_an_on_delivery_that_raises_is_logged_and_the_answer_stands(caplog: pytest.LogCaptureFixture) -> None:
    import flask
    import payvost.flask

    def broken(record: payvost.delivery.DeliveryRecord) -> None:
        raise RuntimeError("the log is full")

    app = flask.Flask(__name__)
    view = payvost.flask.view(SECRET, payvost.EventRouter(), on_delivery=broken)
    app.add_url_rule("/", view_func=view, methods=["POST"])
    caplog.set_level(logging.ERROR, logger="payvost")
    body = event("payment.succeeded", "evt_hooked")
    with app.test_client() as client:
        answer = client.post("/", data=body, headers={"Payvost-Signature": payvost.WebhookSignature.generate_header(body, SECRET)})
    assert (answer.status_code, answer.json) == (200, {"received": True})
    assert [r.getMessage() for r in caplog.records] == ["payvost: on_delivery raised RuntimeError('the log is full') for a delivery answered 200"]
    assert view.stats()["outcomes"]["processed"] == 1


@pytest.mark.parametrize(
    "build",
    [
        lambda **o: __import__("payvost.flask").flask.webhook(SECRET, **o),
        lambda **o: __import__("payvost.django").django.webhook(SECRET, **o),
        lambda **o: __import__("payvost.fastapi").fastapi.WebhookEvent(SECRET, **o),
    ],
    ids=["flask", "django", "fastapi"],
)
def test_the_options_are_checked_when_the_adapter_is_built(build: Callable[..., Any]) -> None:
    for value in (0, -1, 1.5, "10", True):
        with pytest.raises(payvost.ConfigurationError) as refused:
            build(max_concurrent=value)
        assert refused.value.code == "option_invalid"
        assert refused.value.message.endswith(f"max_concurrent takes a whole number of deliveries at once, 1 or more, not {value!r}.")
    with pytest.raises(payvost.ConfigurationError, match=r"on_delivery takes a function\(record\), not str\.$"):
        build(on_delivery="log")
    with pytest.raises(payvost.ConfigurationError, match=r"stats takes a payvost\.delivery\.DeliveryStats, not dict\.$"):
        build(stats={})


def test_prometheus_counts_and_times_records_in_a_real_registry() -> None:
    import prometheus_client

    registry = prometheus_client.CollectorRegistry()
    observe = payvost.delivery.prometheus(registry)
    observe({"outcome": "processed", "status": 200, "duration_ms": 12.0, "received_at": 0})
    observe({"outcome": "refused", "code": "signature_mismatch", "status": 400, "duration_ms": 0.5, "received_at": 0})
    observe({"outcome": "refused", "code": "signature_mismatch", "status": 400, "duration_ms": 0.5, "received_at": 0})
    sample = registry.get_sample_value
    assert sample("payvost_webhook_deliveries_total", {"outcome": "processed", "code": ""}) == 1
    assert sample("payvost_webhook_deliveries_total", {"outcome": "refused", "code": "signature_mismatch"}) == 2
    assert sample("payvost_webhook_delivery_duration_seconds_count", {"outcome": "refused"}) == 2
    assert sample("payvost_webhook_delivery_duration_seconds_sum", {"outcome": "processed"}) == pytest.approx(0.012)
    exposition = prometheus_client.generate_latest(registry).decode()
    assert "# HELP payvost_webhook_deliveries_total Payvost webhook deliveries answered, by outcome and error code " \
        "(protocol §10.2).\n" in exposition
    assert "# HELP payvost_webhook_delivery_duration_seconds Time from a Payvost webhook delivery's arrival to its answer " \
        "(or, acknowledged first, its handlers' end).\n" in exposition


def test_prometheus_registers_in_the_clients_registry_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    import prometheus_client

    # A prefix of this run's own: the global registry keeps what it is given.
    prefix = f"payvost_default_registry_test_{time.monotonic_ns()}_"
    observe = payvost.delivery.prometheus(prefix=prefix)
    observe({"outcome": "duplicate", "status": 200, "duration_ms": 1.0, "received_at": 0})
    labels = {"outcome": "duplicate", "code": ""}
    assert prometheus_client.REGISTRY.get_sample_value(f"{prefix}deliveries_total", labels) == 1
    monkeypatch.setitem(sys.modules, "prometheus_client", None)
    with pytest.raises(ImportError, match=r"^payvost.delivery.prometheus needs prometheus-client: pip install prometheus-client$"):
        payvost.delivery.prometheus()


def test_the_likely_causes_are_the_cores() -> None:
    stats = payvost.delivery.DeliveryStats()
    for address in ("198.51.100.1", "198.51.100.2", None):
        record: Dict[str, Any] = {"outcome": "refused", "code": "signature_mismatch", "status": 400, "duration_ms": 0, "received_at": 0}
        if address is not None:
            record["remote_address"] = address
        stats.record(record)  # type: ignore[arg-type]
    stats.record({"outcome": "refused", "code": "timestamp_too_old", "status": 400, "duration_ms": 0, "received_at": 0})
    assert stats.anomalies() == [
        "3 refused with signature_mismatch since the last summary, from 2 addresses; likely cause: the secret: it was rotated, or is "
        "another endpoint's; compare it with the endpoint's signing secret in the Payvost dashboard",
        "1 refused with timestamp_too_old since the last summary, from addresses not known; likely cause: this server's clock (is NTP "
        "running?), or a queue that holds deliveries back before they reach the receiver",
    ]
    assert stats.anomalies() == [], "a summary starts the next window"


@pytest.mark.parametrize("framework", list(FRAMEWORKS))
def test_a_client_that_hangs_up_mid_body_is_on_record_and_runs_nothing(framework: str) -> None:
    make, serve, _ = FRAMEWORKS[framework]
    records: List[Dict[str, Any]] = []
    slow = Slow()
    slow.release.set()
    body = event("payment.succeeded", "evt_cut_off")
    header = payvost.WebhookSignature.generate_header(body, SECRET)
    for base in serve(make(slow, IdempotencyGuard(MemoryStore(), namespace=f"cut-{framework}"), {"on_delivery": records.append})):
        host, port = base.rsplit("/", 1)[1].split(":")
        with socket.create_connection((host, int(port)), timeout=10) as connection:
            connection.sendall(
                f"POST /guarded HTTP/1.1\r\nHost: {host}\r\nPayvost-Signature: {header}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:10]
            )
        wait_for(lambda: len(records) >= 1, "the record of the delivery cut off")
        assert post(f"{base}/guarded", body, header)[0] == 200
    assert [(r["outcome"], r.get("code"), r["status"], r.get("event_id")) for r in records[:1]] == [
        ("refused", "payload_wrong_type", 400, None)]
    assert slow.ran == ["evt_cut_off"]


def test_codes_are_counted_and_addresses_bounded_as_the_core_does() -> None:
    stats = payvost.delivery.DeliveryStats()
    limit = FACTS["delivery"]["max_addresses"]
    for n in range(limit + 5):
        stats.record({"outcome": "refused", "code": "signature_mismatch", "status": 400, "duration_ms": 0,
                      "received_at": 0, "remote_address": f"198.51.{n // 256}.{n % 256}"})
    assert stats.snapshot()["codes"] == {"signature_mismatch": limit + 5}
    assert stats.anomalies()[0].startswith(f"{limit + 5} refused with signature_mismatch since the last summary, from {limit} addresses;")


def test_a_code_without_causes_of_its_own_has_the_bodys() -> None:
    # The core names no cause for a code a summary rarely shows: it falls back to the body's.
    assert "receiver_busy" not in FACTS["delivery"]["causes"]
    for senders in (1, 3):
        assert payvost.delivery.likely_cause("receiver_busy", senders) == payvost.delivery.likely_cause("payload_invalid_json", senders)


def acknowledging_app(framework: str, router: payvost.EventRouter, guard: IdempotencyGuard, options: Options) -> Any:
    """A guarded route at /guarded that answers first, then runs ``router``."""
    if framework == "flask":
        import flask
        import payvost.flask

        app = flask.Flask(__name__)
        app.add_url_rule("/guarded", view_func=payvost.flask.view(SECRET, router, idempotency=guard, acknowledge_first=True, **options), methods=["POST"])
        return app
    if framework == "fastapi":
        import fastapi
        import payvost.fastapi

        on_delivery = options.pop("on_delivery")
        app = fastapi.FastAPI()
        verified = payvost.fastapi.WebhookEvent(SECRET, on_delivery=on_delivery)
        app.post("/guarded")(payvost.fastapi.endpoint(verified, router, idempotency=guard, acknowledge_first=True, **options))
        return app
    from django.conf import settings

    if not settings.configured:
        test_adapters.django_app([])
    from django.core.handlers.wsgi import WSGIHandler
    from django.urls import clear_url_caches, path

    import payvost.django

    view = payvost.django.view(SECRET, router, idempotency=guard, acknowledge_first=True, **options)
    sys.modules[settings.ROOT_URLCONF].urlpatterns = [path("guarded", view)]  # type: ignore[attr-defined]
    clear_url_caches()
    return WSGIHandler()


@pytest.mark.parametrize("framework", list(FRAMEWORKS))
def test_acknowledged_first_the_record_follows_the_handlers(framework: str) -> None:
    """Answered 200 at once, each delivery is on record once its handlers
    ran: processed, or failed (reported to on_error, and kept by the guard
    with the header it came with), then a duplicate, each with its attempt."""
    _, serve, _ = FRAMEWORKS[framework]
    records: List[Dict[str, Any]] = []
    errors: List[Tuple[str, str]] = []
    slow = Slow()
    slow.release.set()
    guard = IdempotencyGuard(MemoryStore(), namespace=f"ack-{framework}")
    options: Options = {"on_delivery": records.append, "on_error": lambda error, event: errors.append((str(error), event.id))}
    sign = payvost.WebhookSignature.generate_header
    paid, refund = event("payment.succeeded", "evt_ack_paid"), event("refund.created", "evt_ack_refund")
    refund_header = sign(refund, SECRET)
    for base in serve(acknowledging_app(framework, slow.router(framework == "fastapi"), guard, options)):
        status, answer = post(f"{base}/guarded", paid, sign(paid, SECRET))
        assert (status, json.loads(answer)) == (200, {"received": True})
        wait_for(lambda: len(records) == 1, "the paid delivery's record")
        assert post(f"{base}/guarded", refund, refund_header)[0] == 200
        wait_for(lambda: len(records) == 2, "the failed delivery's record")
        assert post(f"{base}/guarded", paid, sign(paid, SECRET))[0] == 200
        wait_for(lambda: len(records) == 3, "the duplicate's record")
    trimmed = [{k: v for k, v in r.items() if k not in ("duration_ms", "received_at", "remote_address", "signature_age")} for r in records]
    assert trimmed == [
        {"event_id": "evt_ack_paid", "event_type": "payment.succeeded", "outcome": "processed", "status": 200, "secret_index": 0, "attempt": 1},
        {"event_id": "evt_ack_refund", "event_type": "refund.created", "outcome": "failed", "status": 200, "secret_index": 0, "attempt": 1},
        {"event_id": "evt_ack_paid", "event_type": "payment.succeeded", "outcome": "duplicate", "status": 200, "secret_index": 0, "attempt": 1},
    ]
    assert slow.ran == ["evt_ack_paid"]
    assert errors == [("the database is down", "evt_ack_refund")]
    assert [(f.id, f.attempt, f.header) for f in guard.failed()] == [("evt_ack_refund", 1, refund_header)]


def test_fastapi_records_what_the_endpoint_behind_the_dependency_answered() -> None:
    """The dependency records the route's own answer: its declared status
    (200 when it declares none), an HTTPException's, or 500 for an error."""
    import fastapi
    import payvost.fastapi

    records: List[Dict[str, Any]] = []
    verified = payvost.fastapi.WebhookEvent(SECRET, on_delivery=records.append, max_concurrent=1)
    app = fastapi.FastAPI()

    @app.post("/ok")
    async def ok(event: payvost.AnyEvent = fastapi.Depends(verified)) -> Dict[str, str]:
        return {"id": event.id}

    @app.post("/conflict")
    async def conflict(event: payvost.AnyEvent = fastapi.Depends(verified)) -> None:
        raise fastapi.HTTPException(409, "not now")

    @app.post("/broken")
    async def broken(event: payvost.AnyEvent = fastapi.Depends(verified)) -> None:
        raise RuntimeError("the database is down")

    body = event("payment.succeeded", "evt_dep")
    header = payvost.WebhookSignature.generate_header(body, SECRET)
    for base in test_adapters.serve_asgi(app):
        assert post(f"{base}/ok", body, header) == (200, '{"id":"evt_dep"}')
        assert post(f"{base}/conflict", body, header) == (409, '{"detail":"not now"}')
        assert post(f"{base}/broken", body, header)[0] == 500
        wait_for(lambda: len(records) == 3, "the three records")
        # Each was counted out once answered: max_concurrent=1 lets the next one in.
        assert post(f"{base}/ok", body, header)[0] == 200
        wait_for(lambda: len(records) == 4, "the fourth record")
    assert [(r["outcome"], r["status"], r["event_id"]) for r in records] == [
        ("processed", 200, "evt_dep"), ("failed", 409, "evt_dep"), ("failed", 500, "evt_dep"), ("processed", 200, "evt_dep"),
    ]
