"""The reusable verifier, and the one-line calls' cache of the last 16."""

from __future__ import annotations

import payvost
import pytest
from payvost import _webhook

from conftest import NOW

BODY = b'{"id":"evt_1","type":"payment.succeeded","data":{"object":{"id":"pay_1","amount":2000}}}'


def sign(secret: str, timestamp: int = NOW) -> str:
    return payvost.WebhookSignature.generate_header(BODY, secret, timestamp)


def test_a_verifier_built_once_checks_many_deliveries() -> None:
    verifier = payvost.WebhookVerifier("whsec_endpoint_a", tolerance=600)
    for _ in range(3):
        assert verifier.construct_event(BODY, sign("whsec_endpoint_a"), now=NOW + 500).id == "evt_1"
    assert verifier.verify_header(BODY, sign("whsec_endpoint_a"), now=NOW) == (NOW, 0)
    with pytest.raises(payvost.SignatureVerificationError) as raised:
        verifier.construct_event(BODY, sign("whsec_endpoint_b"), now=NOW)
    assert raised.value.code == "signature_mismatch"
    with pytest.raises(payvost.SignatureVerificationError) as raised:
        verifier.construct_event(BODY, sign("whsec_endpoint_a"), now=NOW + 601)
    assert raised.value.code == "timestamp_too_old"


def test_a_rotating_verifier_reports_which_secret_matched() -> None:
    verifier = payvost.WebhookVerifier(["whsec_old", "whsec_new"])
    assert verifier.verify_header(BODY, sign("whsec_new"), now=NOW).secret_index == 1


def test_a_bad_secret_or_tolerance_fails_when_the_verifier_is_built() -> None:
    with pytest.raises(payvost.ConfigurationError, match="secret_invalid|API key"):
        payvost.WebhookVerifier("sk_live_1")
    with pytest.raises(payvost.ConfigurationError, match="is None: is PAYVOST_WEBHOOK_SECRET set"):
        payvost.WebhookVerifier(None)  # type: ignore[arg-type]
    with pytest.raises(payvost.ConfigurationError):
        payvost.WebhookVerifier("whsec_a", tolerance=0)


def test_no_repr_shows_a_secret() -> None:
    verifier = payvost.WebhookVerifier("whsec_supersecret_1")
    assert repr(verifier) == "<WebhookVerifier secrets=1 tolerance=300>"
    payvost.Webhook.construct_event(BODY, sign("whsec_supersecret_2"), "whsec_supersecret_2", now=NOW)
    assert "supersecret" not in repr(_webhook._verifiers)
    assert repr(_webhook._verifiers).startswith("<payvost verifier cache: ")


def test_the_one_line_calls_keep_the_last_16_verifiers() -> None:
    secrets = [f"whsec_endpoint_{i}" for i in range(20)]
    for _ in range(2):
        for secret in secrets:
            assert payvost.Webhook.construct_event(BODY, sign(secret), secret, now=NOW).id == "evt_1"
    assert repr(_webhook._verifiers) == "<payvost verifier cache: 16 of 16>"
    # Eight endpoints in turn: each served by the verifier kept for it.
    kept = {secret: _webhook._verifier(secret, 300) for secret in secrets[-8:]}
    for secret in secrets[-8:]:
        assert _webhook._verifier(secret, 300) is kept[secret]
