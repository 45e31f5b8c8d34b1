#!/usr/bin/env python3
"""The idempotency guard's cost, against the real servers (scripts/services.sh):

- round trips to the store per processed event and per duplicate, counted
  at the client;
- throughput of 10,000 distinct events from 8 concurrent workers (threads,
  each with its own connection) on PostgreSQL and on Redis, beside a
  hand-written baseline of the same job: for PostgreSQL `INSERT ... ON
  CONFLICT DO NOTHING`, then an `UPDATE`; for Redis `SET NX PX`, then a
  `SET`. Neither baseline has leases, fencing, fingerprints or renewal.

Rounds alternate guard and baseline; each figure is the median of five.
Prints a Markdown table for bench/README.md.
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
import uuid
from typing import Any, Callable, List, Tuple

import payvost
import psycopg
import redis
from payvost.idempotency import IdempotencyGuard, PostgresStore, RedisStore

SECRET = "whsec_bench"
EVENTS = int(os.environ.get("PAYVOST_BENCH_EVENTS", "10000"))
WORKERS = 8
ROUNDS = 5
POSTGRES = os.environ["PAYVOST_TEST_POSTGRES_URL"]
REDIS = os.environ["PAYVOST_TEST_REDIS_URL"]


def deliveries(run: str) -> List[Tuple[Any, bytes]]:
    made = []
    for n in range(EVENTS):
        body = f'{{"id":"evt_{run}_{n}","type":"payment.succeeded","data":{{"object":{{"id":"pay_{n}"}}}}}}'.encode()
        made.append((payvost.Webhook.construct_event(body, payvost.WebhookSignature.generate_header(body, SECRET), SECRET), body))
    return made


def parallel(work: List[Tuple[Any, bytes]], make_worker: Callable[[], Callable[[Any, bytes], None]]) -> float:
    """Events per second: `WORKERS` threads, each with its own connection, sharing `work`."""
    workers = [make_worker() for _ in range(WORKERS)]
    slices = [work[i::WORKERS] for i in range(WORKERS)]
    gate = threading.Barrier(WORKERS + 1)

    def run(worker: Callable[[Any, bytes], None], items: List[Tuple[Any, bytes]]) -> None:
        gate.wait()
        for event, body in items:
            worker(event, body)

    threads = [threading.Thread(target=run, args=(w, s)) for w, s in zip(workers, slices)]
    for thread in threads:
        thread.start()
    gate.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return len(work) / (time.perf_counter() - started)


def nothing(event: Any) -> None:
    pass


class Counting:
    """A client whose calls are counted: the round trips."""

    def __init__(self, inner: Any, method: str) -> None:
        self.inner, self.method, self.calls = inner, method, 0

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if name != self.method:
            return attribute

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return attribute(*args, **kwargs)

        return counted


def round_trips() -> List[str]:
    """Counted at the client for PostgreSQL (statements executed), by the
    server for Redis (its command statistics)."""
    connection = psycopg.connect(POSTGRES, autocommit=True)
    counted = Counting(connection, "execute")
    client = redis.Redis.from_url(REDIS)

    def scripts_run() -> int:
        stats = client.info("commandstats")
        return sum(int(stats.get(f"cmdstat_{name}", {}).get("calls", 0)) for name in ("evalsha", "eval"))

    rows = []
    for name, store, count in [("PostgreSQL", PostgresStore(counted), lambda: counted.calls), ("Redis", RedisStore(client), scripts_run)]:
        store.setup()
        guard = IdempotencyGuard(store, namespace=f"bench-{uuid.uuid4().hex}")
        event, body = deliveries(uuid.uuid4().hex[:6])[0]
        guard.process(event, body, nothing)  # Redis learns the scripts (EVAL after NOSCRIPT) once
        event, body = deliveries(uuid.uuid4().hex[:6])[0]
        before = count()
        guard.process(event, body, nothing)
        processed = count() - before
        before = count()
        guard.process(event, body, nothing)
        rows.append(f"| {name} | {processed} | {count() - before} |")
    return rows


def main() -> int:
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        PostgresStore(connection).setup()
        connection.execute("CREATE TABLE IF NOT EXISTS bench_baseline (key text PRIMARY KEY, state text NOT NULL)")

    def guard_postgres() -> Callable[[Any, bytes], None]:
        guard = IdempotencyGuard(PostgresStore(psycopg.connect(POSTGRES, autocommit=True)), namespace=namespace)
        return lambda event, body: guard.process(event, body, nothing) and None

    def baseline_postgres() -> Callable[[Any, bytes], None]:
        connection = psycopg.connect(POSTGRES, autocommit=True)

        def work(event: Any, body: bytes) -> None:
            key = f"{namespace}:{event.id}"
            if connection.execute("INSERT INTO bench_baseline (key, state) VALUES (%s, 'in_progress') ON CONFLICT DO NOTHING",
                                  (key,)).rowcount == 1:
                connection.execute("UPDATE bench_baseline SET state = 'completed' WHERE key = %s", (key,))

        return work

    def guard_redis() -> Callable[[Any, bytes], None]:
        guard = IdempotencyGuard(RedisStore(redis.Redis.from_url(REDIS)), namespace=namespace)
        return lambda event, body: guard.process(event, body, nothing) and None

    def baseline_redis() -> Callable[[Any, bytes], None]:
        client = redis.Redis.from_url(REDIS)

        def work(event: Any, body: bytes) -> None:
            key = f"baseline-{namespace}:{event.id}"
            if client.set(key, "in_progress", nx=True, px=60_000):
                client.set(key, "completed", px=7 * 86_400_000)

        return work

    contenders = {
        "PostgreSQL": (guard_postgres, baseline_postgres),
        "Redis": (guard_redis, baseline_redis),
    }
    figures: dict = {name: ([], []) for name in contenders}
    for _ in range(ROUNDS):
        for name, (guard_worker, baseline_worker) in contenders.items():
            namespace = f"bench-{uuid.uuid4().hex[:8]}"
            work = deliveries(namespace)
            figures[name][0].append(parallel(work, guard_worker))
            figures[name][1].append(parallel(work, baseline_worker))
    print(f"{EVENTS:,} distinct events, {WORKERS} concurrent workers, median of {ROUNDS} interleaved rounds:\n")
    print("| store | the guard (events/s) | baseline (events/s) | ratio |")
    print("| --- | --- | --- | --- |")
    for name, (guarded, baseline) in figures.items():
        g, b = statistics.median(guarded), statistics.median(baseline)
        print(f"| {name} | {g:,.0f} | {b:,.0f} | {g / b:.2f}x |")
    print("\nRound trips to the store (a handler shorter than a third of the lease renews nothing):\n")
    print("| store | processed event | duplicate |")
    print("| --- | --- | --- |")
    print("\n".join(round_trips()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
