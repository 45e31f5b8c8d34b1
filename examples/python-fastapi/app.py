"""A Payvost webhook receiver with FastAPI: the docs' handler, processing each
event once with the SDK's idempotency guard (deliveries are retried, so an
event id can arrive again, even at once on two workers), answering as soon
as the event is claimed and doing the work after in a background task.

    PAYVOST_WEBHOOK_SECRET=whsec_... PORT=8000 python app.py
"""

import os

import uvicorn
from fastapi import BackgroundTasks, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse

import payvost
from payvost.idempotency import IdempotencyGuard, MemoryStore

app = FastAPI()

# One process: records in memory. Several: SqliteStore, RedisStore (redis.asyncio too) or PostgresStore.
guard = IdempotencyGuard(MemoryStore())
processed: list = []


def verify_webhook(payload, signature, secret):
    try:
        return payvost.Webhook.construct_event(payload, signature, secret)
    except payvost.error.SignatureVerificationError as e:
        print(f'Webhook signature verification failed: {e}')
        return None


@app.post("/webhooks/payvost")
async def webhook(request: Request, background: BackgroundTasks):
    payload = await request.body()  # the raw bytes, never request.json()
    try:
        event = verify_webhook(payload, request.headers.get("payvost-signature"), os.environ["PAYVOST_WEBHOOK_SECRET"])
    except payvost.error.InvalidPayloadError as e:  # authentic, but not an event
        return PlainTextResponse(f"Webhook Error: {e}", status_code=400)
    if event is None:
        return PlainTextResponse("Webhook Error: signature verification failed", status_code=400)

    # Claim the event: a delivery seen before is acknowledged, not redone; one
    # another worker is processing is answered 409, and Payvost retries it.
    try:
        claim = await guard.aclaim(event, payload)
    except payvost.error.IdempotencyError as e:
        return JSONResponse({"error": {"code": e.code, "message": e.message}}, status_code=e.status)
    if claim.outcome == "duplicate":
        return JSONResponse({"received": True, "duplicate": True})

    # Respond fast (Payvost waits 30 s at most), then process under the claim.
    background.add_task(claim.arun, process_event)
    return JSONResponse({"received": True})


def process_event(event: payvost.Event) -> None:
    if event.type == "payment.succeeded":
        payment = event.data.object
        print(f"payment {payment.id} succeeded: {payment.amount} {payment.currency}", flush=True)
    else:
        print(f"unhandled event type {event.type}", flush=True)
    processed.append(event.id)


@app.get("/processed")
async def processed_events():
    """For the tests and the demo: which events were processed, in order."""
    return processed


if __name__ == "__main__":
    config = uvicorn.Config(app, host="127.0.0.1", port=int(os.environ.get("PORT", "8000")), log_level="warning")
    socket = config.bind_socket()
    socket.listen(128)  # accept into the backlog now, so "listening" is true when printed
    print(f"listening on http://127.0.0.1:{socket.getsockname()[1]}", flush=True)
    uvicorn.Server(config).run(sockets=[socket])
