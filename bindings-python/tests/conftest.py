"""Shared helpers. The suite runs against the installed wheel, never the source tree."""

from __future__ import annotations

import pathlib

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
