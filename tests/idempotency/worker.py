"""A Python worker of the fleet test (fleet.py): reads deliveries as JSON
lines, verifies each, runs it through the idempotency guard on the store
named by PAYVOST_FLEET_STORE, and answers a JSON line. Its handler says
when it starts (for the crash and pause scenarios), sleeps as told, then
records its effect in a place with no uniqueness of its own."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from typing import Any, Callable

import payvost
from payvost.error import IdempotencyError
from payvost.idempotency import IdempotencyGuard, PostgresStore, RedisStore, SqliteStore

STORE = os.environ["PAYVOST_FLEET_STORE"]
NAME = f"python-{os.getpid()}"


def say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def open_store() -> tuple[Any, Callable[[str], None]]:
    if STORE.startswith("redis://"):
        import redis

        client = redis.Redis.from_url(STORE, socket_timeout=2, socket_connect_timeout=2)
        effects = os.environ["PAYVOST_FLEET_EFFECTS"]
        return RedisStore(client), lambda event_id: client.rpush(effects, f"{event_id} {NAME}")
    if STORE.startswith("postgresql://"):
        from psycopg_pool import ConnectionPool

        pool = ConnectionPool(
            STORE, min_size=1, max_size=2, timeout=2, check=ConnectionPool.check_connection,
            kwargs={"autocommit": True, "connect_timeout": 2},
        )

        def effect(event_id: str) -> None:
            with pool.connection() as connection:
                connection.execute("INSERT INTO fleet_effects (event_id, worker) VALUES (%s, %s)", (event_id, NAME))

        return PostgresStore(pool), effect
    path = STORE.removeprefix("sqlite:")
    effects_db = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
    return SqliteStore(path, timeout=10), lambda event_id: effects_db.execute(
        "INSERT INTO fleet_effects (event_id, worker) VALUES (?, ?)", (event_id, NAME))


def main() -> None:
    store, effect = open_store()
    guard = IdempotencyGuard(store, lease=float(os.environ["PAYVOST_FLEET_LEASE"]), namespace=os.environ["PAYVOST_FLEET_NAMESPACE"])
    say({"ready": NAME})
    for line in sys.stdin:
        job = json.loads(line)
        body = job["body"].encode()
        event = payvost.Webhook.construct_event(body, job["header"], job["secret"])

        def handler(event: Any) -> None:
            say({"started": event.id, "worker": NAME})
            time.sleep(job["sleep"])
            effect(event.id)

        try:
            result = guard.process(event, body, handler)
            say({"id": event.id, "worker": NAME, "outcome": result.outcome, "attempt": result.attempt})
        except IdempotencyError as error:
            say({"id": event.id, "worker": NAME, "outcome": error.code})


if __name__ == "__main__":
    main()
