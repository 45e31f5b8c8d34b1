"""A Payvost webhook receiver with Flask: the docs' handler, processing each
event once (deliveries are retried, so an event id can arrive again),
answering at once and doing the work after.

    PAYVOST_WEBHOOK_SECRET=whsec_... PORT=5000 python app.py
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, jsonify, request

import payvost

app = Flask(__name__)
work = ThreadPoolExecutor(max_workers=2)

# In production this is a table with a unique key on the event id.
seen: set = set()
seen_lock = threading.Lock()
processed: list = []


def verify_webhook(payload, signature, secret):
    try:
        return payvost.Webhook.construct_event(payload, signature, secret)
    except payvost.error.SignatureVerificationError as e:
        print(f'Webhook signature verification failed: {e}')
        return None


@app.post("/webhooks/payvost")
def webhook():
    try:
        event = verify_webhook(
            request.get_data(), request.headers.get("Payvost-Signature"), os.environ["PAYVOST_WEBHOOK_SECRET"]
        )
    except payvost.error.InvalidPayloadError as e:  # authentic, but not an event
        return f"Webhook Error: {e}", 400
    if event is None:
        return "Webhook Error: signature verification failed", 400

    # Idempotent: a retried delivery of an event already taken is acknowledged, not redone.
    with seen_lock:
        duplicate = event.id in seen
        seen.add(event.id)
    if duplicate:
        return jsonify(received=True, duplicate=True)

    # Respond fast (Payvost waits 30 s at most), then process.
    work.submit(process_event, event)
    return jsonify(received=True)


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
