"""The Flask, FastAPI and Django adapters over real HTTP on 127.0.0.1, with
the real frameworks: valid, forged, stale, unsigned, oversized and
misconfigured."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import payvost
import pytest

from conftest import post

SECRET = "whsec_adapter_secret"
LIMIT = 4096


def post_json(url: str, body: bytes, header: Optional[str]) -> Tuple[int, Any]:
    """The status and the JSON answered, or the text of a framework's own error page."""
    status, text = post(url, body, header)
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def recording_router(handled: List[str]) -> payvost.EventRouter:
    """Records refunds; fails on failed payments."""
    router = payvost.EventRouter()

    @router.on("refund.created")
    def refunded(event: payvost.RefundEvent) -> None:
        handled.append(f"routed {event.id}")

    @router.on("payment.failed")
    def fails(event: payvost.PaymentEvent) -> None:
        raise RuntimeError("cannot record the failure")

    return router


#: Released by the test once it has the answer: a handler that ran before the answer would time out first.
RELEASE = threading.Event()


def acknowledging_router(handled: List[str]) -> payvost.EventRouter:
    """Waits for RELEASE on refunds, then records them; fails on failed payments."""
    router = payvost.EventRouter()

    @router.on("refund.created")
    def refunded(event: payvost.RefundEvent) -> None:
        RELEASE.wait(timeout=10)
        handled.append(f"after the answer {event.id}")

    @router.on("payment.failed")
    def fails(event: payvost.PaymentEvent) -> None:
        raise RuntimeError("cannot record the failure")

    return router


def wait_for(done: Callable[[], bool], seconds: float = 10) -> None:
    """Until ``done()``, or ``seconds`` at most: handlers that run after the answer finish on their own time."""
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        time.sleep(0.01)


def reporting(handled: List[str]) -> Callable[[Exception, payvost.AnyEvent], None]:
    return lambda error, event: handled.append(f"on_error {event.id}: {error}")


def flask_app(handled: List[str]) -> Any:
    import flask
    import payvost.flask

    app = flask.Flask(__name__)

    @app.post("/webhooks/payvost")
    @payvost.flask.webhook(SECRET, limit=LIMIT)
    def receive(event: payvost.AnyEvent) -> Any:
        handled.append(event.id)
        return {"received": event.id}

    app.add_url_rule("/routed", view_func=payvost.flask.view(SECRET, recording_router(handled)), methods=["POST"])
    acknowledging = payvost.flask.view(SECRET, acknowledging_router(handled), acknowledge_first=True, on_error=reporting(handled))
    app.add_url_rule("/acknowledged", endpoint="acknowledged", view_func=acknowledging, methods=["POST"])
    return app


def fastapi_app(handled: List[str]) -> Any:
    import fastapi
    import payvost.fastapi

    app = fastapi.FastAPI()
    verified = payvost.fastapi.WebhookEvent(SECRET, limit=LIMIT)

    @app.post("/webhooks/payvost")
    async def receive(event: payvost.AnyEvent = fastapi.Depends(verified)) -> Dict[str, str]:
        handled.append(event.id)
        return {"received": event.id}

    router = payvost.EventRouter()

    @router.on("refund.created")
    async def refunded(event: payvost.RefundEvent) -> None:
        handled.append(f"routed {event.id}")

    @router.on("payment.failed")
    def fails(event: payvost.PaymentEvent) -> None:
        raise RuntimeError("cannot record the failure")

    app.post("/routed")(payvost.fastapi.endpoint(verified, router))
    app.post("/acknowledged")(
        payvost.fastapi.endpoint(verified, acknowledging_router(handled), acknowledge_first=True, on_error=reporting(handled))
    )
    return app


def django_app(handled: List[str]) -> Any:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DEBUG=False, ALLOWED_HOSTS=["127.0.0.1"], ROOT_URLCONF=__name__, SECRET_KEY="tests-only",
            MIDDLEWARE=["django.middleware.common.CommonMiddleware", "django.middleware.csrf.CsrfViewMiddleware"],
        )
        django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.http import HttpRequest, HttpResponse, JsonResponse
    from django.urls import path

    import payvost.django

    @payvost.django.webhook(SECRET, limit=LIMIT)
    def receive(request: HttpRequest, event: payvost.AnyEvent) -> HttpResponse:
        handled.append(event.id)
        return JsonResponse({"received": event.id})

    global urlpatterns
    acknowledging = payvost.django.view(SECRET, acknowledging_router(handled), acknowledge_first=True, on_error=reporting(handled))
    urlpatterns = [
        path("webhooks/payvost", receive),
        path("routed", payvost.django.view(SECRET, recording_router(handled))),
        path("acknowledged", acknowledging),
    ]
    from django.urls import clear_url_caches

    clear_url_caches()
    return WSGIHandler()


urlpatterns: List[Any] = []


def serve_wsgi(app: Any) -> Iterator[str]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def serve_asgi(app: Any) -> Iterator[str]:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


FRAMEWORKS: Dict[str, Tuple[Callable[[List[str]], Any], Callable[[Any], Iterator[str]], str]] = {
    "flask": (flask_app, serve_wsgi, "error"),
    "fastapi": (fastapi_app, serve_asgi, "detail"),
    "django": (django_app, serve_wsgi, "error"),
}


@pytest.fixture(params=list(FRAMEWORKS))
def server(request: pytest.FixtureRequest) -> Iterator[Tuple[str, List[str], str]]:
    make, serve, key = FRAMEWORKS[request.param]
    handled: List[str] = []
    for url in serve(make(handled)):
        yield url, handled, key


def event(event_type: str, event_id: str) -> bytes:
    return json.dumps({"id": event_id, "type": event_type, "data": {"object": {"id": "obj_1"}}}).encode()


def test_the_adapter_verifies_before_the_view(server: Tuple[str, List[str], str]) -> None:
    base, handled, key = server
    url = f"{base}/webhooks/payvost"
    body = event("payment.succeeded", "evt_ok")
    now = int(time.time())
    sign = payvost.WebhookSignature.generate_header

    assert post_json(url, body, sign(body, SECRET, now)) == (200, {"received": "evt_ok"})
    cases = {
        "signature_mismatch": sign(body, "whsec_forged", now),
        "timestamp_too_old": sign(body, SECRET, now - 3600),
        "header_missing": None,
    }
    for code, header in cases.items():
        status, answer = post_json(url, body, header)
        refusal = answer[key]
        assert status == 400 and refusal["code"] == code, (code, answer)
    not_json = b"[1,2]"
    status, answer = post_json(url, not_json, sign(not_json, SECRET, now))
    assert status == 400 and answer[key]["code"] == "payload_invalid_json"
    big = json.dumps({"id": "evt_big", "type": "x", "data": {"object": {"pad": "x" * (LIMIT * 4)}}}).encode()
    status, answer = post_json(url, big, sign(big, SECRET, now))
    assert status == 413 and answer[key] == {
        "code": "payload_invalid_json",
        "message": f"The body is larger than the {LIMIT}-byte limit; Payvost's events are far smaller.",
    }
    assert handled == ["evt_ok"]


def test_the_router_view_answers_after_the_handlers_and_surfaces_their_errors(server: Tuple[str, List[str], str]) -> None:
    base, handled, _ = server
    sign = payvost.WebhookSignature.generate_header
    refund = event("refund.created", "evt_refund")
    assert post_json(f"{base}/routed", refund, sign(refund, SECRET)) == (200, {"received": True})
    assert handled == ["routed evt_refund"]
    failing = event("payment.failed", "evt_fail")
    status, _ = post_json(f"{base}/routed", failing, sign(failing, SECRET))
    assert status == 500


def test_acknowledge_first_answers_before_the_handlers_and_reports_their_errors(server: Tuple[str, List[str], str]) -> None:
    base, handled, _ = server
    sign = payvost.WebhookSignature.generate_header
    RELEASE.clear()
    refund = event("refund.created", "evt_ack")
    assert post_json(f"{base}/acknowledged", refund, sign(refund, SECRET)) == (200, {"received": True})
    assert handled == [], "the handler is still waiting: the answer came first"
    RELEASE.set()
    wait_for(lambda: len(handled) == 1)
    assert handled == ["after the answer evt_ack"]
    failing = event("payment.failed", "evt_ack_fail")
    assert post_json(f"{base}/acknowledged", failing, sign(failing, SECRET)) == (200, {"received": True})
    wait_for(lambda: len(handled) == 2)
    assert handled == ["after the answer evt_ack", "on_error evt_ack_fail: cannot record the failure"]
    forged = post_json(f"{base}/acknowledged", refund, sign(refund, "whsec_forged"))
    assert forged[0] == 400, "verified before acknowledging"


def test_acknowledge_first_needs_on_error() -> None:
    import payvost.django
    import payvost.fastapi
    import payvost.flask

    router = payvost.EventRouter()
    message = re.escape("acknowledge_first needs on_error=callback(error, event), which gets the errors of handlers that run after the answer")
    with pytest.raises(TypeError, match=message):
        payvost.flask.view(SECRET, router, acknowledge_first=True)
    with pytest.raises(TypeError, match=message):
        payvost.fastapi.endpoint(payvost.fastapi.WebhookEvent(SECRET), router, acknowledge_first=True)
    with pytest.raises(TypeError, match=message):
        payvost.django.view(SECRET, router, acknowledge_first=True)


def test_a_misconfigured_secret_fails_when_the_app_starts() -> None:
    import payvost.fastapi
    import payvost.flask

    with pytest.raises(payvost.ConfigurationError) as flask_error:
        payvost.flask.webhook("sk_live_123")
    assert flask_error.value.code == "secret_invalid"
    with pytest.raises(payvost.ConfigurationError) as fastapi_error:
        payvost.fastapi.WebhookEvent(None)
    assert "PAYVOST_WEBHOOK_SECRET" in fastapi_error.value.message
    import payvost.django

    with pytest.raises(payvost.ConfigurationError):
        payvost.django.webhook("", tolerance=300)


def test_the_django_view_is_exempt_from_csrf_and_takes_post_only() -> None:
    handled: List[str] = []
    for base in serve_wsgi(django_app(handled)):
        request = urllib.request.Request(f"{base}/webhooks/payvost", method="GET")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 405
        body = event("payment.succeeded", "evt_csrf")
        # No CSRF cookie or token: CsrfViewMiddleware would answer 403 without the exemption.
        assert post_json(f"{base}/webhooks/payvost", body, payvost.WebhookSignature.generate_header(body, SECRET)) == (
            200, {"received": "evt_csrf"})
