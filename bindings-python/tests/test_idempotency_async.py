"""The idempotency guard's asyncio path (``aprocess``, ``aclaim``/``arun``,
``afailed``, ``aretry``) against every client a store takes: the asyncio
clients of the real Redis and PostgreSQL (a connection in autocommit or not,
a pool), and a sync store, which the guard runs in a thread. Then the sync
PostgreSQL clients test_idempotency.py does not use: a pool, and a
connection outside autocommit, which the store commits itself."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any, AsyncIterator, Awaitable, Callable, Iterator, List, Tuple

import payvost
import pytest
from payvost.error import IdempotencyError
from payvost.idempotency import FailedEvent, IdempotencyGuard, MemoryStore, PostgresStore, ProcessResult, RedisStore

from test_idempotency import delivery, server

ASYNC_STORES = ["redis", "postgres", "postgres-not-autocommit", "postgres-pool", "memory"]

Scenario = Callable[[Any], Awaitable[None]]


async def opened(kind: str) -> Tuple[Any, Callable[[], Awaitable[None]]]:
    """A store of ``kind`` on an asyncio client, set up, and how to close it."""
    if kind == "memory":
        store = MemoryStore()

        async def nothing() -> None:
            return None

        return store, nothing
    if kind == "redis":
        import redis.asyncio

        client = redis.asyncio.Redis.from_url(server("PAYVOST_TEST_REDIS_URL"))
        return RedisStore(client), client.aclose
    import psycopg

    url = server("PAYVOST_TEST_POSTGRES_URL")
    if kind == "postgres-pool":
        from psycopg_pool import AsyncConnectionPool

        pool = AsyncConnectionPool(url, open=False, min_size=1, max_size=4, kwargs={"autocommit": True})
        await pool.open()
        target: Any = pool
    else:
        target = await psycopg.AsyncConnection.connect(url, autocommit=kind == "postgres")
    store = PostgresStore(target)
    await store.asetup()
    return store, target.close


def run_on(kind: str, scenario: Scenario) -> None:
    async def main() -> None:
        store, close = await opened(kind)
        try:
            assert store.is_async is (kind != "memory")
            await scenario(store)
        finally:
            await close()

    asyncio.run(main())


def guard_for(store: Any, **options: Any) -> IdempotencyGuard:
    return IdempotencyGuard(store, namespace=f"async-{uuid.uuid4().hex}", **options)


async def code_of(call: Awaitable[Any]) -> str:
    with pytest.raises(IdempotencyError) as raised:
        await call
    return raised.value.code


class Watched:
    """The store, noting each token the guard claims with."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.tokens: List[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def claim(self, *args: Any) -> Any:
        self.tokens.append(args[2])
        return self.store.claim(*args)

    async def aclaim(self, *args: Any) -> Any:
        self.tokens.append(args[2])
        return await self.store.aclaim(*args)


async def step(store: Any, method: str, *args: Any) -> Any:
    """One of the store's own steps, as the guard calls it."""
    if store.is_async:
        return await getattr(store, "a" + method)(*args)
    return getattr(store, method)(*args)


@pytest.mark.parametrize("kind", ASYNC_STORES)
def test_processed_once_a_failure_released_a_reused_id_and_a_held_lease(kind: str) -> None:
    async def scenario(store: Any) -> None:
        guard = guard_for(store, lease=0.3)
        event, body = delivery("evt_async_once")
        ran: List[str] = []

        async def fails(e: Any) -> None:
            raise RuntimeError("the database is down")

        with pytest.raises(RuntimeError, match="the database is down"):
            await guard.aprocess(event, body, fails)

        async def handled(e: Any) -> None:
            await asyncio.sleep(0.01)
            ran.append(e.id)

        assert await guard.aprocess(event, body, handled) == ProcessResult("processed", 2)
        assert await guard.aprocess(event, body, handled) == ProcessResult("duplicate", 2)
        # A sync handler, under the asyncio guard, runs as it is.
        sync_event, sync_body = delivery("evt_async_sync")
        assert await guard.aprocess(sync_event, sync_body, lambda e: ran.append(e.id)) == ProcessResult("processed", 1)
        other, other_body = delivery("evt_async_once", ',"amount":1')
        assert await code_of(guard.aprocess(other, other_body, ran.append)) == "event_id_reused"
        assert ran == ["evt_async_once", "evt_async_sync"]

        held, held_body = delivery("evt_async_held")
        key = f"{guard._namespace}:evt_async_held"
        fingerprint = payvost._native.fingerprint(held_body)
        assert await step(store, "claim", key, fingerprint, "their-token", 300, 60_000) == ("claimed", 1)
        assert await step(store, "renew", key, "their-token", 300) is True
        assert await step(store, "renew", key, "not-theirs", 300) is False
        assert await code_of(guard.aprocess(held, held_body, ran.append)) == "event_in_progress"
        assert await step(store, "release", key, "not-theirs") is False
        assert await step(store, "release", key, "their-token") is True
        assert await guard.aprocess(held, held_body, lambda e: None) == ProcessResult("processed", 2)
        assert await step(store, "complete", key, "their-token", 60_000) is False

    run_on(kind, scenario)


@pytest.mark.parametrize("kind", ASYNC_STORES)
def test_the_lease_is_renewed_while_an_async_handler_runs(kind: str) -> None:
    async def scenario(store: Any) -> None:
        guard = guard_for(store, lease=0.3)
        event, body = delivery("evt_async_slow")
        started, finish = asyncio.Event(), asyncio.Event()

        async def slow(e: Any) -> None:
            started.set()
            await finish.wait()

        running = asyncio.ensure_future(guard.aprocess(event, body, slow))
        await asyncio.wait_for(started.wait(), 5)
        await asyncio.sleep(0.6)  # twice the lease: held only because it was renewed
        assert await code_of(guard.aprocess(event, body, lambda e: None)) == "event_in_progress"
        finish.set()
        assert await running == ProcessResult("processed", 1)
        # The renewal stopped with the handler: the completed record is not renewed into a lease.
        await asyncio.sleep(0.2)
        assert await guard.aprocess(event, body, lambda e: None) == ProcessResult("duplicate", 1)

    run_on(kind, scenario)


@pytest.mark.parametrize("kind", ASYNC_STORES)
def test_a_lease_lost_while_an_async_handler_ran_is_reported(kind: str) -> None:
    async def scenario(store: Any) -> None:
        watched = Watched(store)
        guard = IdempotencyGuard(watched, namespace=f"async-{uuid.uuid4().hex}")
        event, body = delivery("evt_async_lost")
        key = f"{guard._namespace}:evt_async_lost"

        async def overtaken(e: Any) -> None:
            assert await step(store, "release", key, watched.tokens[0]) is True
            assert await step(store, "claim", key, payvost._native.fingerprint(body), "other-worker", 60_000, 60_000) == ("claimed", 2)

        with pytest.raises(IdempotencyError) as raised:
            await guard.aprocess(event, body, overtaken)
        assert (raised.value.code, raised.value.message) == (
            "lease_lost",
            "This worker's lease on event evt_async_lost ended and another worker took the event, so this completion was not "
            "recorded and the other worker's stands; set a lease longer than the handler's longest run.",
        )
        assert await step(store, "complete", key, "other-worker", 60_000) is True
        assert await guard.aprocess(event, body, lambda e: None) == ProcessResult("duplicate", 2)

    run_on(kind, scenario)


@pytest.mark.parametrize("kind", ASYNC_STORES)
def test_an_acknowledged_async_handler_that_fails_is_kept_until_aretry(kind: str) -> None:
    async def scenario(store: Any) -> None:
        guard = guard_for(store)
        body = b'{"id":"evt_async_after","type":"payment.succeeded","data":{"object":{"id":"pay_1"}}}'
        header = "t=1764000000,v1=" + "cd" * 32
        event = payvost._native.trusted_event(body)

        async def down(e: Any) -> None:
            raise RuntimeError("the mailer is down")

        claim = await guard.aclaim(event, body)
        assert (claim.outcome, claim.attempt) == ("claimed", 1)
        with pytest.raises(RuntimeError, match="the mailer is down"):
            await claim.arun(down, acknowledged=True, header=header)
        assert await guard.afailed() == [FailedEvent("evt_async_after", 1, body.decode(), header)]
        with pytest.raises(RuntimeError, match="the mailer is down"):
            await guard.aretry("evt_async_after", down)
        assert [(f.id, f.attempt, f.header) for f in await guard.afailed()] == [("evt_async_after", 2, header)]
        ran: List[Any] = []

        async def handled(e: Any) -> None:
            ran.append((e.id, e.data.object.id, type(e).__name__))

        assert await guard.aretry("evt_async_after", handled) == ProcessResult("processed", 3)
        assert ran == [("evt_async_after", "pay_1", "PaymentEvent")]
        assert await guard.afailed() == []
        assert await guard.aprocess(event, body, handled) == ProcessResult("duplicate", 3)
        with pytest.raises(payvost.ConfigurationError, match="no failed event 'evt_async_after'"):
            await guard.aretry("evt_async_after", handled)
        # Another guard's failures are not this one's.
        assert await guard_for(store).afailed() == []

    run_on(kind, scenario)


@pytest.mark.parametrize("kind", ["redis", "postgres"])
def test_an_unreachable_async_store_is_store_unavailable(kind: str) -> None:
    async def main() -> List[str]:
        closed = "127.0.0.1:9"  # discard: nothing listens
        if kind == "redis":
            import redis.asyncio

            store: Any = RedisStore(redis.asyncio.Redis.from_url(f"redis://{closed}/0", socket_connect_timeout=1))
        else:
            from psycopg_pool import AsyncConnectionPool

            store = PostgresStore(AsyncConnectionPool(f"postgresql://postgres@{closed}/postgres", open=False, timeout=1))
        event, body = delivery("evt_async_down")
        ran: List[str] = []
        codes = [await code_of(IdempotencyGuard(store).aprocess(event, body, ran.append)), await code_of(IdempotencyGuard(store).afailed())]
        assert ran == []
        return codes

    assert asyncio.run(main()) == ["store_unavailable", "store_unavailable"]


# The sync PostgreSQL clients: a pool, and a connection the store commits.


@pytest.fixture(params=["pool", "not-autocommit"])
def postgres_store(request: pytest.FixtureRequest) -> Iterator[PostgresStore]:
    import psycopg

    url = server("PAYVOST_TEST_POSTGRES_URL")
    if request.param == "pool":
        from psycopg_pool import ConnectionPool

        target: Any = ConnectionPool(url, min_size=1, max_size=4, open=True, kwargs={"autocommit": True})
    else:
        target = psycopg.connect(url, autocommit=False)
    store = PostgresStore(target)
    assert store.is_async is False
    store.setup()
    yield store
    target.close()


def test_a_postgres_pool_or_a_committed_connection_keeps_every_step(postgres_store: PostgresStore) -> None:
    import psycopg

    guard = guard_for(postgres_store)
    event, body = delivery("evt_pg_client")
    assert guard.process(event, body, lambda e: None) == ProcessResult("processed", 1)
    # What the store wrote is committed: another connection sees it.
    with psycopg.connect(server("PAYVOST_TEST_POSTGRES_URL")) as other:
        store = PostgresStore(other)
        assert IdempotencyGuard(store, namespace=guard._namespace).process(event, body, lambda e: None) == ProcessResult("duplicate", 1)
    header = "t=1764000000,v1=" + "ef" * 32
    failing = payvost._native.trusted_event(b'{"id":"evt_pg_failed","type":"refund.created","data":{"object":{"id":"re_1"}}}')

    def down(e: Any) -> None:
        raise RuntimeError("down")

    with pytest.raises(RuntimeError):
        guard.claim(failing, '{"id":"evt_pg_failed","type":"refund.created","data":{"object":{"id":"re_1"}}}').run(down, acknowledged=True, header=header)
    assert [(f.id, f.attempt, f.header) for f in guard.failed()] == [("evt_pg_failed", 1, header)]
    assert guard.retry("evt_pg_failed", lambda e: None) == ProcessResult("processed", 2)
    assert guard.failed() == []
    expired = guard_for(postgres_store, retention=0.05)
    purged, purged_body = delivery("evt_pg_purged")
    expired.process(purged, purged_body, lambda e: None)
    time.sleep(0.1)
    assert guard.purge() >= 1
