"""A Payvost webhook receiver with FastAPI, on the SDK's dependency: the
verified event is a parameter, ``Annotated[payvost.AnyEvent, Depends(...)]``,
so a delivery that is not authentic is answered 400 before the endpoint
runs; the endpoint processes each event once with the idempotency guard.

    PAYVOST_WEBHOOK_SECRET=whsec_... PORT=8000 python dependency.py
"""

import os
from typing import Annotated

import uvicorn
from fastapi import Depends, FastAPI, HTTPException, Request

import payvost
import payvost.fastapi
from payvost.idempotency import IdempotencyGuard, MemoryStore

app = FastAPI()
verified = payvost.fastapi.WebhookEvent(secret=os.environ.get("PAYVOST_WEBHOOK_SECRET"))
VerifiedEvent = Annotated[payvost.AnyEvent, Depends(verified)]
# One process: records in memory. Several: SqliteStore, RedisStore (redis.asyncio too) or PostgresStore.
guard = IdempotencyGuard(MemoryStore())
processed: list = []


@app.post("/webhooks/payvost")
async def receive(event: VerifiedEvent, request: Request):
    # The raw bytes the dependency verified (Starlette keeps them): the guard keys its record on them.
    payload = await request.body()
    try:
        result = await guard.aprocess(event, payload, lambda e: processed.append(e.id))
    except payvost.error.IdempotencyError as e:
        raise HTTPException(e.status, {"code": e.code, "message": e.message}) from e
    return {"received": True, "duplicate": result.outcome == "duplicate"}


@app.get("/processed")
async def processed_events():
    """For the tests: which events were processed, in order."""
    return processed


if __name__ == "__main__":
    config = uvicorn.Config(app, host="127.0.0.1", port=int(os.environ.get("PORT", "8000")), log_level="warning")
    socket = config.bind_socket()
    socket.listen(128)
    print(f"listening on http://127.0.0.1:{socket.getsockname()[1]}", flush=True)
    uvicorn.Server(config).run(sockets=[socket])
