"""A Payvost webhook receiver with Flask: the docs' handler, processing each
event once with the SDK's idempotency guard (deliveries are retried, so an
event id can arrive again, even at once on two processes), answering as
soon as the event is claimed and doing the work after.

    PAYVOST_WEBHOOK_SECRET=whsec_... PORT=5000 python app.py

PAYVOST_IDEMPOTENCY_DB names an SQLite file the receivers of one machine
share (in any language of the SDK); without it, records stay in memory. A
fleet uses RedisStore or PostgresStore instead.
"""

import os
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, jsonify, request

import payvost
from payvost.idempotency import IdempotencyGuard, MemoryStore, SqliteStore

app = Flask(__name__)
work = ThreadPoolExecutor(max_workers=2)

database = os.environ.get("PAYVOST_IDEMPOTENCY_DB")
store = SqliteStore(database) if database else MemoryStore()
store.setup()
guard = IdempotencyGuard(store)
processed: list = []


def verify_webhook(payload, signature, secret):
    try:
        return payvost.Webhook.construct_event(payload, signature, secret)
    except payvost.error.SignatureVerificationError as e:
        print(f'Webhook signature verification failed: {e}')
        return None


@app.post("/webhooks/payvost")
def webhook():
    payload = request.get_data()
    try:
        event = verify_webhook(payload, request.headers.get("Payvost-Signature"), os.environ["PAYVOST_WEBHOOK_SECRET"])
    except payvost.error.InvalidPayloadError as e:  # authentic, but not an event
        return f"Webhook Error: {e}", 400
    if event is None:
        return "Webhook Error: signature verification failed", 400

    # Claim the event: a delivery seen before is acknowledged, not redone; one
    # another process is working on is answered 409, and Payvost retries it.
    try:
        claim = guard.claim(event, payload)
    except payvost.error.IdempotencyError as e:
        return jsonify(error={"code": e.code, "message": e.message}), e.status
    if claim.outcome == "duplicate":
        return jsonify(received=True, duplicate=True)

    # Respond fast (Payvost waits 30 s at most), then process under the claim.
    work.submit(run_claimed, claim, request.headers.get("Payvost-Signature", ""))
    return jsonify(received=True)


def run_claimed(claim: "payvost.idempotency.Claim", header: str) -> None:
    try:
        # Payvost has its 200 and will not deliver it again: should the handler
        # fail, the guard keeps the event for guard.retry() or `payvost webhooks replay`.
        claim.run(process_event, acknowledged=True, header=header)
    except Exception as e:  # noqa: BLE001 - the answer has left; the event is kept as failed
        print(f"processing failed, kept for a retry: {e}", flush=True)


def process_event(event: payvost.Event) -> None:
    if event.type == "payment.succeeded":
        payment = event.data.object
        print(f"payment {payment.id} succeeded: {payment.amount} {payment.currency}", flush=True)
    else:
        print(f"unhandled event type {event.type}", flush=True)
    processed.append(event.id)


@app.get("/processed")
def processed_events():
    """For the tests and the demo: which events were processed, in order."""
    return jsonify(processed)


if __name__ == "__main__":
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", int(os.environ.get("PORT", "5000")), app, threaded=True)
    print(f"listening on http://127.0.0.1:{server.port}", flush=True)
    server.serve_forever()
