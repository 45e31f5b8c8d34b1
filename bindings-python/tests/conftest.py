"""Shared helpers. The suite runs against the installed wheel, never the source tree."""

from __future__ import annotations

import pathlib
import time
import urllib.error
import urllib.request
from typing import Callable, Dict, Optional, Tuple

import payvost
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors"
SECRET = "whsec_test_secret_1234"
NOW = 1764000000
BODY = (
    b'{"id":"evt_1","type":"payment.succeeded","created":1764000000,'
    b'"data":{"object":{"id":"pay_1","amount":2000,"currency":"eur"}}}'
)


def pytest_report_header() -> str:
    return f"payvost from {payvost.__file__}"


@pytest.fixture
def header() -> str:
    return payvost.WebhookSignature.generate_header(BODY, SECRET, NOW)


def wait_for(done: Callable[[], bool], what: str, seconds: float = 10) -> None:
    """Until ``done()``: work that finishes on its own time (a handler after the
    answer, a server starting). Past ``seconds``, fails saying what it waited for."""
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        time.sleep(0.01)


def post(url: str, body: bytes, header: Optional[str]) -> Tuple[int, str]:
    """POSTs a delivery to a server on 127.0.0.1: the status and the body's text."""
    headers: Dict[str, str] = {"Content-Type": "application/json"}
    if header is not None:
        headers["Payvost-Signature"] = header
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
