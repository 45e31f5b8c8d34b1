"""Protocol §10's table, as tests/vectors/receivers.json holds it: every
case sent over HTTP to each Python adapter, which answers it with the
table's status and body (FastAPI's refusals under "detail")."""

from __future__ import annotations

import base64
import json
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import payvost
import pytest
from payvost.idempotency import IdempotencyGuard, MemoryStore

from conftest import VECTORS
from test_adapters import _django_urls, django_app, post_json, serve_asgi, serve_wsgi

DOC = json.loads((VECTORS / "receivers.json").read_text())
SECRET = DOC["secret"]
LIMIT = 4096
CASES = {case["id"]: case for case in DOC["cases"]}


def router(handled: List[str]) -> payvost.EventRouter:
    routes = payvost.EventRouter()
    routes.on_any(lambda event: handled.append(event.id))
    return routes


def flask_app(handled: List[str]) -> Any:
    import flask
    import payvost.flask

    app = flask.Flask("receivers")
    app.add_url_rule("/plain", endpoint="plain", view_func=payvost.flask.view(SECRET, router(handled), limit=LIMIT), methods=["POST"])
    guarded = payvost.flask.view(SECRET, router(handled), limit=LIMIT, idempotency=IdempotencyGuard(MemoryStore()))
    app.add_url_rule("/guarded", endpoint="guarded", view_func=guarded, methods=["POST"])
    return app


def fastapi_app(handled: List[str]) -> Any:
    import fastapi
    import payvost.fastapi

    app = fastapi.FastAPI()
    verified = payvost.fastapi.WebhookEvent(SECRET, limit=LIMIT)
    app.post("/plain")(payvost.fastapi.endpoint(verified, router(handled)))
    app.post("/guarded")(payvost.fastapi.endpoint(verified, router(handled), idempotency=IdempotencyGuard(MemoryStore())))
    return app


def django_receivers(handled: List[str]) -> Any:
    from django.core.handlers.wsgi import WSGIHandler
    from django.urls import path

    django_app([])  # configures Django once
    import payvost.django

    guarded = payvost.django.view(SECRET, router(handled), limit=LIMIT, idempotency=IdempotencyGuard(MemoryStore()))
    _django_urls(path("plain", payvost.django.view(SECRET, router(handled), limit=LIMIT)), path("guarded", guarded))
    return WSGIHandler()


ADAPTERS: Dict[str, Tuple[Callable[[List[str]], Any], Callable[[Any], Iterator[str]], str]] = {
    "flask": (flask_app, serve_wsgi, "error"),
    "fastapi": (fastapi_app, serve_asgi, "detail"),
    "django": (django_receivers, serve_wsgi, "error"),
}


def deliver(base: str, case: Dict[str, Any]) -> Tuple[int, Any]:
    body = b" " * (LIMIT + case["over_limit"]) if "over_limit" in case else base64.b64decode(case["body_b64"])
    sign_with: Optional[str] = case["sign_with"]
    header = None if sign_with is None else payvost.WebhookSignature.generate_header(body, sign_with)
    return post_json(f"{base}/{'guarded' if case['guard'] else 'plain'}", body, header)


def expected(case: Dict[str, Any], key: str) -> Dict[str, Any]:
    body = case["expected"]["body"]
    return {key: body["error"]} if "error" in body else body


def seen(answer: Any, key: str) -> Any:
    """The answer with its message, if any, read as the table's "...": any non-empty string."""
    refusal = answer.get(key) if isinstance(answer, dict) else None
    if isinstance(refusal, dict) and isinstance(refusal.get("message"), str) and refusal["message"]:
        return {**answer, key: {**refusal, "message": "..."}}
    return answer


@pytest.mark.parametrize("adapter", list(ADAPTERS))
def test_each_adapter_answers_every_case_as_the_protocol_table_says(adapter: str) -> None:
    make, serve, key = ADAPTERS[adapter]
    handled: List[str] = []
    for base in serve(make(handled)):
        for case in DOC["cases"]:
            if "after" in case:
                deliver(base, {**CASES["receivers/" + case["after"]], "guard": case["guard"]})
            status, answer = deliver(base, case)
            assert (status, seen(answer, key)) == (case["expected"]["status"], expected(case, key)), case["id"]
    # The handlers ran for the deliveries the table calls processed: once plain, once guarded.
    assert handled == ["evt_receivers", "evt_receivers"]


def test_the_vectors_hold_every_row_of_the_table_they_name() -> None:
    rows = {case["row"] for case in DOC["cases"]}
    protocol = (VECTORS.parent.parent / "docs" / "protocol.md").read_text()
    for row in rows:
        assert f"| {row} |" in protocol, row
    assert DOC["schema"] == "receivers/1" and len(DOC["cases"]) == 7
