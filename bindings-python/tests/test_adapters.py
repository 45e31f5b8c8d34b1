"""The Flask, FastAPI and Django adapters over real HTTP on 127.0.0.1, with
the real frameworks: valid, forged, stale, unsigned, oversized and
misconfigured."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import payvost
import pytest

from conftest import post, wait_for

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


def reporting(handled: List[str]) -> Callable[[Exception, payvost.AnyEvent], None]:
    """Records the error; raises itself while the test has put "raise in on_error" last."""

    def report(error: Exception, event: payvost.AnyEvent) -> None:
        if handled and handled[-1] == "raise in on_error":
            raise RuntimeError("the reporter is down")
        handled.append(f"on_error {event.id}: {error}")

    return report


# Set by the test once the copies sent at once have their answers: until then
# the handler holds its claim, however slow the machine.
HOLD = threading.Event()


def guarded_router(handled: List[str], asynchronous: bool = False) -> payvost.EventRouter:
    """Records payments once ``HOLD`` is set; fails a refund the first time it sees it.

    FastAPI's handler is ``async``: a blocking wait there would stall the
    event loop, and with it the copies that should find the claim held."""
    router = payvost.EventRouter()
    failed_once: set = set()

    if asynchronous:

        @router.on("payment.succeeded")
        async def paid_async(event: payvost.PaymentEvent) -> None:
            await asyncio.to_thread(HOLD.wait, 30)
            handled.append(f"guarded {event.id}")

    else:

        @router.on("payment.succeeded")
        def paid(event: payvost.PaymentEvent) -> None:
            HOLD.wait(30)
            handled.append(f"guarded {event.id}")

    @router.on("refund.created")
    def refunded(event: payvost.RefundEvent) -> None:
        if event.id not in failed_once:
            failed_once.add(event.id)
            raise RuntimeError("the database is down for a moment")
        handled.append(f"guarded {event.id}")

    return router


def flask_app(handled: List[str], guard: Any = None) -> Any:
    import flask
    import payvost.flask

    app = flask.Flask(__name__)
    if guard is not None:
        app.add_url_rule("/guarded", endpoint="guarded", view_func=payvost.flask.view(SECRET, guarded_router(handled), idempotency=guard),
                         methods=["POST"])

    @app.post("/webhooks/payvost")
    @payvost.flask.webhook(SECRET, limit=LIMIT)
    def receive(event: payvost.AnyEvent) -> Any:
        handled.append(event.id)
        return {"received": event.id}

    app.add_url_rule("/routed", view_func=payvost.flask.view(SECRET, recording_router(handled)), methods=["POST"])
    acknowledging = payvost.flask.view(SECRET, acknowledging_router(handled), acknowledge_first=True, on_error=reporting(handled))
    app.add_url_rule("/acknowledged", endpoint="acknowledged", view_func=acknowledging, methods=["POST"])
    return app


def fastapi_app(handled: List[str], guard: Any = None) -> Any:
    import fastapi
    import payvost.fastapi

    app = fastapi.FastAPI()
    verified = payvost.fastapi.WebhookEvent(SECRET, limit=LIMIT)
    if guard is not None:
        app.post("/guarded")(payvost.fastapi.endpoint(verified, guarded_router(handled, asynchronous=True), idempotency=guard))

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


def django_app(handled: List[str], guard: Any = None) -> Any:
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
        *([path("guarded", payvost.django.view(SECRET, guarded_router(handled), idempotency=guard))] if guard is not None else []),
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
    wait_for(lambda: server.started, "uvicorn to start")
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
    wait_for(lambda: len(handled) == 1, "the first handler after the answer")
    assert handled == ["after the answer evt_ack"]
    failing = event("payment.failed", "evt_ack_fail")
    assert post_json(f"{base}/acknowledged", failing, sign(failing, SECRET)) == (200, {"received": True})
    wait_for(lambda: len(handled) == 2, "the second handler after the answer")
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



def _django_urls(*patterns: Any) -> None:
    """Serves ``patterns`` as the URLconf of the Django the tests configure."""
    from django.urls import clear_url_caches

    global urlpatterns
    urlpatterns = list(patterns)
    clear_url_caches()


def test_django_async_views_work_under_asgi_with_the_secret_from_settings() -> None:
    from django.core.handlers.asgi import ASGIHandler
    from django.http import JsonResponse
    from django.test import override_settings
    from django.urls import path

    django_app([])  # configures Django once
    import payvost.django

    handled: List[str] = []

    @payvost.django.webhook()
    async def receive(request: Any, event: payvost.AnyEvent) -> Any:
        await asyncio.sleep(0)
        handled.append(event.id)
        return JsonResponse({"received": event.id, "view": "async"})

    assert asyncio.iscoroutinefunction(receive)
    assert receive.__name__ == "receive" and receive.csrf_exempt is True
    _django_urls(path("webhooks/payvost", receive), path("routed", payvost.django.view(router=recording_router(handled))))
    body = event("payment.succeeded", "evt_async")
    for base in serve_asgi(ASGIHandler()):
        with override_settings(PAYVOST_WEBHOOK_SECRET=SECRET):
            header = payvost.WebhookSignature.generate_header(body, SECRET)
            assert post_json(f"{base}/webhooks/payvost", body, header) == (200, {"received": "evt_async", "view": "async"})
            refund = event("refund.created", "evt_refund")
            assert post_json(f"{base}/routed", refund, payvost.WebhookSignature.generate_header(refund, SECRET)) == (200, {"received": True})
            forged = payvost.WebhookSignature.generate_header(body, "whsec_other")
            assert post_json(f"{base}/webhooks/payvost", body, forged)[1]["error"]["code"] == "signature_mismatch"
            request = urllib.request.Request(f"{base}/webhooks/payvost", method="GET")
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=10)
            assert (refused.value.code, refused.value.headers["Allow"]) == (405, "POST")
        # A rotated secret in the settings is the one used from the next request.
        with override_settings(PAYVOST_WEBHOOK_SECRET="whsec_rotated"):
            assert post_json(f"{base}/webhooks/payvost", body, header)[1]["error"]["code"] == "signature_mismatch"
            rotated = payvost.WebhookSignature.generate_header(body, "whsec_rotated")
            assert post_json(f"{base}/webhooks/payvost", body, rotated)[0] == 200
        # No setting: the server's fault, said in the core's words.
        with override_settings(PAYVOST_WEBHOOK_SECRET=None):
            status, answer = post_json(f"{base}/webhooks/payvost", body, header)
            assert (status, answer["error"]["code"]) == (500, "secret_invalid")
            assert answer["error"]["message"].startswith("The webhook signing secret is None: is PAYVOST_WEBHOOK_SECRET set?")
    assert handled == ["evt_async", "routed evt_refund", "evt_async"]


def test_django_view_takes_its_router_by_name() -> None:
    django_app([])
    import payvost.django

    with pytest.raises(payvost.error.ConfigurationError) as refused:
        payvost.django.view(SECRET)
    assert (refused.value.code, refused.value.message) == (
        "option_invalid", "payvost.django.view takes router=, a payvost.EventRouter, not NoneType.")


def test_flask_reads_its_secret_from_app_config_and_mounts_with_init_app() -> None:
    import flask
    import payvost.flask

    handled: List[str] = []
    extension = payvost.flask.Payvost(router=recording_router(handled))

    def create_app(secret: Optional[str], path: Optional[str] = None) -> flask.Flask:
        app = flask.Flask("factory")
        app.config["PAYVOST_WEBHOOK_SECRET"] = secret
        if path is not None:
            app.config["PAYVOST_WEBHOOK_PATH"] = path

        @app.post("/decorated")
        @payvost.flask.webhook()
        def decorated(event: payvost.AnyEvent) -> Any:
            return {"decorated": event.id}

        extension.init_app(app)
        return app

    body = event("refund.created", "evt_factory")
    header = payvost.WebhookSignature.generate_header(body, SECRET)
    refund = event("refund.created", "evt_refund")
    for base in serve_wsgi(create_app(SECRET)):
        assert post_json(f"{base}/webhooks/payvost", refund, payvost.WebhookSignature.generate_header(refund, SECRET)) == (200, {"received": True})
        assert post_json(f"{base}/decorated", body, header) == (200, {"decorated": "evt_factory"})
    # Two apps of one factory, each with its own secret and path.
    other = create_app("whsec_second_app", "/hooks")
    assert callable(other.extensions["payvost"].stats)
    for base in serve_wsgi(other):
        assert post_json(f"{base}/hooks", body, header)[1]["error"]["code"] == "signature_mismatch"
        assert post_json(f"{base}/hooks", body, payvost.WebhookSignature.generate_header(body, "whsec_second_app"))[0] == 200
    for base in serve_wsgi(create_app(None)):
        status, answer = post_json(f"{base}/webhooks/payvost", body, header)
        assert (status, answer["error"]["code"]) == (500, "secret_invalid")
    assert handled == ["routed evt_refund", "routed evt_factory"]
    with pytest.raises(payvost.error.ConfigurationError) as refused:
        create_app(SECRET, "hooks")
    assert refused.value.message == 'app.config["PAYVOST_WEBHOOK_PATH"] takes a path that starts with "/", not \'hooks\'.'
    with pytest.raises(payvost.error.ConfigurationError) as refused:
        payvost.flask.Payvost(router=recording_router(handled), limit="1mb")
    assert refused.value.code == "option_invalid"

# ----------------------------------------------------------------- hostile requests
#
# Reliability round three (SECURITY.md): each adapter reads Content-Length
# strictly, keeps at most ``limit + 1`` bytes whatever the framing, refuses a
# header sent twice, checks its options when built, and survives an
# ``on_error`` that raises.


class CountingInput:
    """A WSGI input stream that counts the bytes the app read from it."""

    def __init__(self, stream: Any, counted: List[int]) -> None:
        self._stream = stream
        self._counted = counted

    def read(self, *size: int) -> bytes:
        data = self._stream.read(*size)
        self._counted[0] += len(data)
        return data

    def readline(self, *size: int) -> bytes:
        data = self._stream.readline(*size)
        self._counted[0] += len(data)
        return data


def counting_wsgi(app: Any, counted: List[int]) -> Any:
    def counted_app(environ: Dict[str, Any], start_response: Any) -> Any:
        environ["wsgi.input"] = CountingInput(environ["wsgi.input"], counted)
        return app(environ, start_response)

    return counted_app


def counting_asgi(app: Any, counted: List[int]) -> Any:
    async def counted_app(scope: Dict[str, Any], receive: Any, send: Any) -> None:
        async def counted_receive() -> Dict[str, Any]:
            message = await receive()
            counted[0] += len(message.get("body", b""))
            return message

        await app(scope, counted_receive, send)

    return counted_app


COUNTING = {"flask": counting_wsgi, "fastapi": counting_asgi, "django": counting_wsgi}


@pytest.fixture(params=list(FRAMEWORKS))
def counted_server(request: pytest.FixtureRequest) -> Iterator[Tuple[str, List[str], str, List[int], bool]]:
    """A framework's app behind a count of the body bytes it read, and whether it is WSGI."""
    make, serve, key = FRAMEWORKS[request.param]
    handled: List[str] = []
    counted = [0]
    for url in serve(COUNTING[request.param](make(handled), counted)):
        yield url, handled, key, counted, serve is serve_wsgi


def raw_post(url: str, head: List[str], body: List[bytes], chunked: bool) -> Tuple[int, Any]:
    """One request written by hand, ``Connection: close``: its status and JSON
    answer. ``body`` is sent as HTTP chunks when ``chunked``; a server that
    answers and closes before it is all sent is what is being tested, so a
    broken pipe is not an error."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    lines = [f"POST {parts.path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *head]
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        try:
            for piece in body:
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
            # Werkzeug's server reads what is left after the answer until the client is done.
            sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = b""
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
        except ConnectionResetError:
            pass
    status_line, _, rest = answer.partition(b"\r\n")
    text = rest.partition(b"\r\n\r\n")[2].decode("utf-8", "replace")
    try:
        return int(status_line.split(b" ")[1]), json.loads(text)
    except ValueError:
        return int(status_line.split(b" ")[1]), text


def pieces(data: bytes, size: int = 1024) -> List[bytes]:
    return [data[at:at + size] for at in range(0, len(data), size)]


TOO_LARGE = {"code": "payload_invalid_json", "message": f"The body is larger than the {LIMIT}-byte limit; Payvost's events are far smaller."}


def test_a_chunked_body_is_read_to_the_limit_and_no_further(
    counted_server: Tuple[str, List[str], str, List[int], bool]
) -> None:
    base, handled, key, counted, wsgi = counted_server
    url = f"{base}/webhooks/payvost"
    small = event("payment.succeeded", "evt_chunked")
    header = f"Payvost-Signature: {payvost.WebhookSignature.generate_header(small, SECRET)}"
    # Under the limit, in three chunks and with no Content-Length: read whole and verified.
    assert raw_post(url, [header], pieces(small, 40), chunked=True) == (200, {"received": "evt_chunked"})
    assert handled == ["evt_chunked"] and counted[0] == len(small)

    # 256 times the limit, in 1 KiB chunks: refused once the limit is passed, never verified.
    counted[0] = 0
    big = json.dumps({"id": "evt_big", "type": "x", "data": {"object": {"pad": "x" * (LIMIT * 256)}}}).encode()
    header = f"Payvost-Signature: {payvost.WebhookSignature.generate_header(big, SECRET)}"
    status, answer = raw_post(url, [header], pieces(big), chunked=True)
    assert (status, answer[key]) == (413, TOO_LARGE)
    if wsgi:
        # A WSGI app asks for bytes: it takes exactly one past the limit.
        assert counted[0] == LIMIT + 1
    else:
        # An ASGI app takes what the server buffered (uvicorn: up to 64 KiB) in one message.
        assert LIMIT < counted[0] <= LIMIT + 2 * 65536, f"read {counted[0]} of {len(big)} bytes"

    # A declared length over the limit: refused before a byte is read.
    counted[0] = 0
    status, answer = raw_post(url, [header, f"Content-Length: {len(big)}"], [big], chunked=False)
    assert (status, answer[key], counted[0]) == (413, TOO_LARGE, 0)
    assert handled == ["evt_chunked"]


def test_a_body_of_exactly_the_limit_is_read_whole_and_one_byte_more_is_not(
    counted_server: Tuple[str, List[str], str, List[int], bool]
) -> None:
    base, handled, key, _, _ = counted_server
    url = f"{base}/webhooks/payvost"
    for chunked in (False, True):
        event_id = f"evt_at_limit_{'chunked' if chunked else 'declared'}"
        body = event("payment.succeeded", event_id)
        body += b" " * (LIMIT - len(body))  # JSON allows the spaces: a signed body of exactly the limit
        for sent, expected in ((body, (200, {"received": event_id})), (body + b" ", (413, TOO_LARGE))):
            head = [f"Payvost-Signature: {payvost.WebhookSignature.generate_header(sent, SECRET)}"]
            if not chunked:
                head.append(f"Content-Length: {len(sent)}")
            status, answer = raw_post(url, head, pieces(sent, 1000), chunked=chunked)
            assert (status, answer if status == 200 else answer[key]) == expected, (len(sent), chunked)
    assert handled == ["evt_at_limit_declared", "evt_at_limit_chunked"]


def test_read_body_reads_a_body_of_many_reads_to_its_end() -> None:
    """The reads a WSGI stream answers are at most 64 KiB: a body of several
    is joined whole, at the limit exactly too, and one longer is refused."""
    import io

    from payvost._adapter import Answer, read_body

    body = bytes(range(256)) * 800  # 204,800 bytes: four reads
    reads: List[int] = []

    def reader(data: bytes) -> Callable[[int], bytes]:
        stream = io.BytesIO(data)
        return lambda n: (reads.append(n), stream.read(n))[1]

    assert read_body(reader(body), len(body), len(body)) == body
    assert reads == [65536, 65536, 65536, 8193, 1], "never more than one byte past the limit is asked for"
    assert read_body(reader(body), None, 300_000) == body
    with pytest.raises(Answer) as refused:
        read_body(reader(body), None, len(body) - 1)
    assert (refused.value.status, refused.value.code) == (413, "payload_invalid_json")
    with pytest.raises(Answer) as cut:
        read_body(reader(body[:1000]), len(body), 300_000)
    assert (cut.value.status, cut.value.code) == (400, "payload_wrong_type")


def test_a_content_length_that_is_not_digits_is_refused_unread() -> None:
    """``²`` is a digit to ``str.isdigit`` and to nobody else. Werkzeug hands
    it to the app as sent; uvicorn refuses it itself, so FastAPI's dependency
    is driven directly, as any other ASGI server would drive it."""
    import asyncio

    refused = {"code": "payload_invalid_json", "message":
               "The Content-Length header is not a whole number of bytes (ASCII digits only), so the body cannot be read."}
    for make in (flask_app, django_app):
        for base in serve_wsgi(make([])):
            for value in ("\u00b2", "+12", "1 2", "0x10"):
                status, answer = raw_post(f"{base}/webhooks/payvost", [f"Content-Length: {value}"], [], chunked=False)
                assert (status, answer) == (400, {"error": refused}), (make.__name__, value)

    sent: List[Dict[str, Any]] = []

    async def receive() -> Dict[str, Any]:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: Dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/webhooks/payvost", "raw_path": b"/webhooks/payvost", "query_string": b"", "root_path": "",
             "headers": [(b"content-length", b"\xb2")], "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    asyncio.run(fastapi_app([])(scope, receive, send))
    assert sent[0]["status"] == 400
    assert json.loads(sent[1]["body"]) == {"detail": refused}


def test_django_debug_pages_never_show_the_secret() -> None:
    from django.conf import settings

    handled: List[str] = []
    app = django_app(handled)
    settings.DEBUG = True
    try:
        for base in serve_wsgi(app):
            # What used to raise in the view, with the secret in its frame: now a 400.
            status, answer = raw_post(f"{base}/webhooks/payvost", ["Content-Length: \u00b2"], [], chunked=False)
            assert status == 400 and answer["error"]["code"] == "payload_invalid_json"
            # A handler's error renders Django's technical 500 page, every frame's locals listed.
            failing = event("payment.failed", "evt_debug")
            status, page = post(f"{base}/routed", failing, payvost.WebhookSignature.generate_header(failing, SECRET))
            assert status == 500 and "cannot record the failure" in page and "Local vars" in page
            assert SECRET not in page
            assert "&lt;Verifier secrets=1 tolerance=300&gt;" in page or "********************" in page
    finally:
        settings.DEBUG = False


def test_the_header_sent_twice_is_refused(server: Tuple[str, List[str], str]) -> None:
    """Werkzeug joins the lines by ",", giving two ``t``; FastAPI's dependency
    joins them by ", " (protocol §2): ``header_malformed`` either way."""
    base, handled, key = server
    body = event("payment.succeeded", "evt_twice")
    line = f"Payvost-Signature: {payvost.WebhookSignature.generate_header(body, SECRET)}"
    length = f"Content-Length: {len(body)}"
    status, answer = raw_post(f"{base}/webhooks/payvost", [line, line, length], [body], chunked=False)
    assert (status, answer[key]["code"]) == (400, "header_malformed")
    assert raw_post(f"{base}/webhooks/payvost", [line, length], [body], chunked=False) == (200, {"received": "evt_twice"})
    assert handled == ["evt_twice"]


def test_a_limit_that_is_not_a_positive_whole_number_of_bytes_fails_when_the_app_starts() -> None:
    import payvost.django
    import payvost.fastapi
    import payvost.flask

    router = payvost.EventRouter()
    builders = {
        "flask.webhook": lambda limit: payvost.flask.webhook(SECRET, limit=limit),
        "flask.view": lambda limit: payvost.flask.view(SECRET, router, limit=limit),
        "fastapi.WebhookEvent": lambda limit: payvost.fastapi.WebhookEvent(SECRET, limit=limit),
        "django.webhook": lambda limit: payvost.django.webhook(SECRET, limit=limit),
        "django.view": lambda limit: payvost.django.view(SECRET, router, limit=limit),
    }
    for name, build in builders.items():
        for limit, written in (("1mb", "'1mb'"), (0, "0"), (-1, "-1"), (1.5, "1.5"), (True, "True"), (None, "None")):
            with pytest.raises(payvost.ConfigurationError) as refused:
                build(limit)
            assert refused.value.code == "option_invalid", name
            assert refused.value.message == (
                f"The body limit must be a positive whole number of bytes (for example 1048576 for 1 MiB), not {written}."
            ), name
        build(1)


def test_an_on_error_that_raises_is_logged_and_the_server_goes_on(
    server: Tuple[str, List[str], str], caplog: pytest.LogCaptureFixture
) -> None:
    base, handled, _ = server
    sign = payvost.WebhookSignature.generate_header
    failing = event("payment.failed", "evt_hook")
    caplog.set_level(logging.ERROR, logger="payvost")
    # The "/acknowledged" views' on_error raises for this event (see reporting()).
    handled.append("raise in on_error")
    assert post_json(f"{base}/acknowledged", failing, sign(failing, SECRET)) == (200, {"received": True})
    # The delivery's own record is logged too (ERROR, as it failed): see test_delivery.py.
    reported = lambda: [r for r in caplog.records if r.name == "payvost" and r.getMessage().startswith("payvost: on_error")]  # noqa: E731
    wait_for(lambda: bool(reported()), "the error reported")
    [record] = reported()
    assert record.getMessage() == (
        "payvost: on_error raised RuntimeError('the reporter is down') while reporting "
        "RuntimeError('cannot record the failure'), the error of a handler of event evt_hook"
    )
    refund = event("refund.created", "evt_after_hook")
    RELEASE.set()
    assert post_json(f"{base}/acknowledged", refund, sign(refund, SECRET)) == (200, {"received": True})
    wait_for(lambda: "after the answer evt_after_hook" in handled, "the handler of evt_after_hook")
    assert handled[-1] == "after the answer evt_after_hook"


@pytest.mark.parametrize("framework", list(FRAMEWORKS))
def test_with_idempotency_each_events_handlers_run_once(framework: str) -> None:
    """Three deliveries at once: one runs the handlers, two get 409; a
    redelivery is a duplicate (200, unrun); the same id with another body 422;
    a handler's error 500 and a retry that runs again; a store down 503."""
    import redis
    from payvost.idempotency import IdempotencyGuard, MemoryStore, RedisStore

    make, serve, key = FRAMEWORKS[framework]
    handled: List[str] = []
    sign = payvost.WebhookSignature.generate_header
    for base in serve(make(handled, IdempotencyGuard(MemoryStore(), namespace=framework))):
        url = f"{base}/guarded"
        body = event("payment.succeeded", "evt_guarded")
        answers: List[Tuple[int, Any]] = []
        together = threading.Barrier(3)
        HOLD.clear()

        def deliver() -> None:
            header = sign(body, SECRET)
            together.wait()
            answers.append(post_json(url, body, header))
            if len(answers) >= 2:
                HOLD.set()

        threads = [threading.Thread(target=deliver) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(status for status, _ in answers) == [200, 409, 409], answers
        assert {answer[key]["code"] for status, answer in answers if status == 409} == {"event_in_progress"}
        assert post_json(url, body, sign(body, SECRET)) == (200, {"received": True})
        assert handled == ["guarded evt_guarded"]

        reused = body.replace(b"obj_1", b"obj_2")
        status, answer = post_json(url, reused, sign(reused, SECRET))
        assert (status, answer[key]["code"]) == (422, "event_id_reused")

        refund = event("refund.created", "evt_guarded_refund")
        assert post_json(url, refund, sign(refund, SECRET))[0] == 500, "the handler failed: the claim is released"
        assert post_json(url, refund, sign(refund, SECRET)) == (200, {"received": True})
        assert handled == ["guarded evt_guarded", "guarded evt_guarded_refund"]

    down = RedisStore(redis.Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=1))
    for base in serve(make([], IdempotencyGuard(down))):
        status, answer = post_json(f"{base}/guarded", body, sign(body, SECRET))
        assert (status, answer[key]["code"]) == (503, "store_unavailable")


def test_idempotency_takes_a_guard() -> None:
    import payvost.django
    import payvost.fastapi
    import payvost.flask

    router = payvost.EventRouter()
    for build in (
        lambda: payvost.flask.view(SECRET, router, idempotency="redis://"),
        lambda: payvost.django.view(SECRET, router, idempotency="redis://"),
        lambda: payvost.fastapi.endpoint(payvost.fastapi.WebhookEvent(SECRET), router, idempotency="redis://"),
    ):
        with pytest.raises(payvost.ConfigurationError) as refused:
            build()
        assert (refused.value.code, refused.value.message) == (
            "option_invalid", "idempotency takes a payvost.idempotency.IdempotencyGuard, not str.")
