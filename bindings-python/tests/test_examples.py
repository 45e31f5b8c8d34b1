"""The Flask and FastAPI examples, served on 127.0.0.1 and sent real deliveries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Dict, Iterator, Optional, Tuple

import payvost
import pytest

from conftest import ROOT, post, wait_for

SECRET = "whsec_example_secret"


@pytest.fixture(params=["python-flask", "python-fastapi"])
def server(request: pytest.FixtureRequest) -> Iterator[str]:
    env = {**os.environ, "PAYVOST_WEBHOOK_SECRET": SECRET, "PORT": "0"}
    proc = subprocess.Popen(
        [sys.executable, "app.py"], cwd=ROOT / "examples" / request.param, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:"), line
        yield line.split("listening on ")[1].strip()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_example_accepts_signed_deliveries_once_and_rejects_the_rest(server: str) -> None:
    url = f"{server}/webhooks/payvost"
    now = int(time.time())
    body = json.dumps({"id": "evt_py_example", "type": "payment.succeeded", "created": now,
                       "data": {"object": {"id": "pay_1", "amount": 2000, "currency": "eur"}}}).encode()

    def sign(payload: bytes, timestamp: int = now, secret: str = SECRET) -> str:
        return payvost.WebhookSignature.generate_header(payload, secret, timestamp)

    status, text = post(url, body, sign(body))
    assert (status, json.loads(text)) == (200, {"received": True})
    # The first delivery's work runs after its answer; until it completes, a
    # copy finds the event held (409, and Payvost would deliver it again).
    answers: list = []

    def settled() -> bool:
        answers.append(post(url, body, sign(body, now + 1)))
        return answers[-1][0] != 409

    wait_for(settled, "the first delivery's work to complete")
    status, text = answers[-1]
    assert (status, json.loads(text)) == (200, {"received": True, "duplicate": True})
    assert all(json.loads(text)["error"]["code"] == "event_in_progress" for _, text in answers[:-1])
    assert post(url, body, sign(body, now, "whsec_attacker"))[0] == 400
    assert post(url, body.replace(b"2000", b"1"), sign(body))[0] == 400
    assert post(url, body, sign(body, now - 3600))[0] == 400
    assert post(url, body, sign(body, now + 3600))[0] == 400
    assert post(url, body, None)[0] == 400
    not_event = b'{"hello":"world"}'
    status, text = post(url, not_event, sign(not_event))
    assert status == 400 and "not a Payvost event" in text

    def processed() -> list:
        with urllib.request.urlopen(f"{server}/processed", timeout=10) as response:
            return list(json.loads(response.read()))

    wait_for(lambda: bool(processed()), "the example to process its event")
    assert processed() == ["evt_py_example"]


def test_the_fastapi_dependency_example_takes_the_verified_event_as_an_annotated_parameter() -> None:
    source = (ROOT / "examples" / "python-fastapi" / "dependency.py").read_text()
    assert "VerifiedEvent = Annotated[payvost.AnyEvent, Depends(verified)]" in source
    env = {**os.environ, "PAYVOST_WEBHOOK_SECRET": SECRET, "PORT": "0"}
    proc = subprocess.Popen([sys.executable, "dependency.py"], cwd=ROOT / "examples" / "python-fastapi", env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:"), line
        url = line.split("listening on ")[1].strip()
        body = json.dumps({"id": "evt_dependency", "type": "payment.succeeded", "data": {"object": {"id": "pay_1"}}}).encode()
        header = payvost.WebhookSignature.generate_header(body, SECRET)
        assert post(f"{url}/webhooks/payvost", body, header) == (200, '{"received":true,"duplicate":false}')
        assert post(f"{url}/webhooks/payvost", body, header) == (200, '{"received":true,"duplicate":true}')
        status, text = post(f"{url}/webhooks/payvost", body, payvost.WebhookSignature.generate_header(body, "whsec_attacker"))
        assert (status, json.loads(text)["detail"]["code"]) == (400, "signature_mismatch")
        status, text = post(f"{url}/webhooks/payvost", body.replace(b"pay_1", b"pay_2"), None)
        assert (status, json.loads(text)["detail"]["code"]) == (400, "header_missing")
        reused = body.replace(b"pay_1", b"pay_2")
        status, text = post(f"{url}/webhooks/payvost", reused, payvost.WebhookSignature.generate_header(reused, SECRET))
        assert (status, json.loads(text)["detail"]["code"]) == (422, "event_id_reused")
        with urllib.request.urlopen(f"{url}/processed", timeout=10) as response:
            assert json.loads(response.read()) == ["evt_dependency"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
