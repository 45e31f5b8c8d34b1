"""The idempotency guard against every store, the real servers included
(Redis and PostgreSQL started by scripts/services.sh: `make test` names
them in PAYVOST_TEST_REDIS_URL and PAYVOST_TEST_POSTGRES_URL)."""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
from typing import Any, Callable, Iterator, List

import payvost
import pytest
from payvost.error import IdempotencyError
from payvost.idempotency import FailedEvent, IdempotencyGuard, MemoryStore, PostgresStore, ProcessResult, RedisStore, SqliteStore

import test_adapters
from conftest import post, wait_for

SECRET = "whsec_guard"


def server(variable: str) -> str:
    url = os.environ.get(variable)
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(f"{variable} is not set: make test starts the real servers (scripts/services.sh)")
    pytest.skip(f"{variable} is not set: run through `make test-idempotency`, which starts the real servers")


def postgres_connection() -> Any:
    import psycopg

    return psycopg.connect(server("PAYVOST_TEST_POSTGRES_URL"), autocommit=True)


STORES = ["memory", "sqlite", "redis", "postgres"]


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Any]:
    if request.param == "memory":
        yield MemoryStore()
    elif request.param == "sqlite":
        made = SqliteStore(tmp_path / "events.db")
        made.setup()
        yield made
    elif request.param == "redis":
        import redis

        client = redis.Redis.from_url(server("PAYVOST_TEST_REDIS_URL"))
        yield RedisStore(client)
        client.close()
    else:
        connection = postgres_connection()
        made = PostgresStore(connection)
        made.setup()
        yield made
        connection.close()


def delivery(event_id: str, body_extra: str = "") -> tuple[Any, bytes]:
    body = f'{{"id":"{event_id}","type":"payment.succeeded","data":{{"object":{{"id":"pay_1"{body_extra}}}}}}}'.encode()
    header = payvost.WebhookSignature.generate_header(body, SECRET)
    return payvost.Webhook.construct_event(body, header, SECRET), body


def guard_for(store: Any, **options: Any) -> IdempotencyGuard:
    # A namespace of each test's own: records never meet across tests or runs.
    return IdempotencyGuard(store, namespace=f"test-{uuid.uuid4().hex}", **options)


def code_of(call: Callable[[], Any]) -> str:
    with pytest.raises(IdempotencyError) as raised:
        call()
    return raised.value.code


def test_processed_once_then_a_duplicate(store: Any) -> None:
    guard = guard_for(store)
    event, body = delivery("evt_once")
    ran: List[str] = []
    assert guard.process(event, body, lambda e: ran.append(e.id)) == ProcessResult("processed", 1)
    assert guard.process(event, body, lambda e: ran.append(e.id)) == ProcessResult("duplicate", 1)
    assert ran == ["evt_once"]


def test_a_handlers_error_releases_the_claim_and_the_retry_runs_it_again(store: Any) -> None:
    guard = guard_for(store)
    event, body = delivery("evt_fails_once")

    def fails(e: Any) -> None:
        raise RuntimeError("the database is down")

    with pytest.raises(RuntimeError, match="the database is down"):
        guard.process(event, body, fails)
    assert guard.process(event, body, lambda e: None) == ProcessResult("processed", 2)


def test_the_same_id_with_another_body_is_refused_unprocessed(store: Any) -> None:
    guard = guard_for(store)
    event, body = delivery("evt_reused")
    guard.process(event, body, lambda e: None)
    other, other_body = delivery("evt_reused", ',"amount":1')
    ran: List[str] = []
    with pytest.raises(IdempotencyError) as raised:
        guard.process(other, other_body, ran.append)
    assert raised.value.code == "event_id_reused"
    assert raised.value.message == (
        "Event evt_reused was received before with a different body; an event id always carries the same event, "
        "so this delivery is refused and its handler not run."
    )
    assert ran == []


def test_a_held_lease_is_in_progress_and_a_lapsed_one_is_free(store: Any) -> None:
    guard = guard_for(store, lease=0.3)
    event, body = delivery("evt_held")
    key = f"{guard._namespace}:evt_held"
    fingerprint = payvost._native.fingerprint(body)
    # Another worker's claim, which it never renews (as if it died).
    assert store.claim(key, fingerprint, "their-token", 300, 60_000) == ("claimed", 1)
    ran: List[str] = []
    with pytest.raises(IdempotencyError) as raised:
        guard.process(event, body, ran.append)
    assert raised.value.code == "event_in_progress"
    assert raised.value.message.startswith("Event evt_held is being processed by another worker, which holds its lease; answer 409")
    time.sleep(0.4)
    assert guard.process(event, body, lambda e: ran.append(e.id)) == ProcessResult("processed", 2)
    assert ran == ["evt_held"]


def test_only_the_token_that_claimed_completes(store: Any) -> None:
    """A worker stopped past its lease: another completes the event, and the
    first one's completion is refused (lease_lost), the record staying the other's."""
    guard = guard_for(store)
    event, body = delivery("evt_fenced")
    key = f"{guard._namespace}:evt_fenced"
    assert store.claim(key, payvost._native.fingerprint(body), "stopped-worker", 50, 60_000) == ("claimed", 1)
    time.sleep(0.1)
    assert guard.process(event, body, lambda e: None) == ProcessResult("processed", 2)
    assert store.complete(key, "stopped-worker", 60_000) is False
    assert store.renew(key, "stopped-worker", 60_000) is False
    assert guard.process(event, body, lambda e: None) == ProcessResult("duplicate", 2)


def test_a_lease_lost_while_the_handler_ran_is_reported(store: Any) -> None:
    """While the handler runs, its claim is ended and another worker takes the
    event (as when this worker stalls past its lease): the completion is
    refused with lease_lost, and the record is the other worker's."""
    guard = guard_for(store)
    event, body = delivery("evt_lost")
    key = f"{guard._namespace}:evt_lost"
    tokens: List[str] = []

    class Watched:
        """The store, noting the token the guard claims with."""

        def __getattr__(self, name: str) -> Any:
            return getattr(store, name)

        def claim(self, *args: Any) -> Any:
            tokens.append(args[2])
            return store.claim(*args)

    def overtaken(e: Any) -> None:
        assert store.release(key, tokens[0]) is True
        assert store.claim(key, payvost._native.fingerprint(body), "other-worker", 60_000, 60_000) == ("claimed", 2)

    with pytest.raises(IdempotencyError) as raised:
        IdempotencyGuard(Watched(), namespace=guard._namespace).process(event, body, overtaken)
    assert raised.value.code == "lease_lost"
    assert raised.value.message == (
        "This worker's lease on event evt_lost ended and another worker took the event, so this completion was not "
        "recorded and the other worker's stands; set a lease longer than the handler's longest run."
    )
    assert store.complete(key, "other-worker", 60_000) is True
    assert guard.process(event, body, lambda e: None) == ProcessResult("duplicate", 2)


def test_the_lease_is_renewed_while_the_handler_runs(store: Any) -> None:
    guard = guard_for(store, lease=0.3)
    event, body = delivery("evt_slow")
    started, finish, answers = threading.Event(), threading.Event(), []

    def slow(e: Any) -> None:
        started.set()
        finish.wait(10)

    worker = threading.Thread(target=lambda: answers.append(guard.process(event, body, slow)))
    worker.start()
    started.wait(5)
    time.sleep(0.6)  # twice the lease: held only because it was renewed
    assert code_of(lambda: guard.process(event, body, lambda e: None)) == "event_in_progress"
    finish.set()
    worker.join()
    assert answers == [ProcessResult("processed", 1)]


def test_a_completed_record_past_its_retention_is_processed_again(store: Any) -> None:
    guard = guard_for(store, retention=0.2)
    event, body = delivery("evt_retained")
    assert guard.process(event, body, lambda e: None) == ProcessResult("processed", 1)
    assert guard.process(event, body, lambda e: None).outcome == "duplicate"
    time.sleep(0.35)
    assert guard.process(event, body, lambda e: None) == ProcessResult("processed", 1)


def test_deliveries_at_once_run_the_handler_once(store: Any) -> None:
    guard = guard_for(store)
    event, body = delivery("evt_burst")
    ran: List[str] = []
    outcomes: List[str] = []
    lock = threading.Lock()
    gate = threading.Barrier(8)

    def deliver() -> None:
        gate.wait()
        try:
            outcomes.append(guard.process(event, body, lambda e: (time.sleep(0.2), ran.append(e.id))).outcome)
        except IdempotencyError as error:
            with lock:
                outcomes.append(error.code)

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert ran == ["evt_burst"]
    assert sorted(set(outcomes) - {"duplicate", "event_in_progress"}) == ["processed"], outcomes
    assert outcomes.count("processed") == 1


def test_an_unreachable_store_is_store_unavailable_and_the_handler_does_not_run(tmp_path: Any) -> None:
    import psycopg
    import redis

    ran: List[str] = []
    event, body = delivery("evt_down")
    closed = "127.0.0.1:9"  # discard: nothing listens
    stores = {
        "redis": RedisStore(redis.Redis.from_url(f"redis://{closed}/0", socket_connect_timeout=1)),
        "postgres": PostgresStore(psycopg_pool_or_none(f"postgresql://postgres@{closed}/postgres")),
    }
    for name, store in stores.items():
        with pytest.raises(IdempotencyError) as raised:
            IdempotencyGuard(store).process(event, body, ran.append)
        assert raised.value.code == "store_unavailable", name
        assert raised.value.message.startswith("The idempotency store could not be reached or answered an error ("), name
        assert raised.value.message.endswith("the handler did not run: answer 503, and Payvost retries."), name
    assert ran == []
    del psycopg


def psycopg_pool_or_none(url: str) -> Any:
    from psycopg_pool import ConnectionPool

    return ConnectionPool(url, open=False, timeout=1, kwargs={"connect_timeout": 1})


def test_a_stopped_server_is_store_unavailable_until_it_is_back() -> None:
    """The real Redis paused (SIGSTOP would hang; DEBUG SLEEP answers
    nothing for a while): the claim times out as store_unavailable, the
    handler does not run, and once Redis answers the event is processed once."""
    import redis

    url = server("PAYVOST_TEST_REDIS_URL")
    admin = redis.Redis.from_url(url)
    client = redis.Redis.from_url(url, socket_timeout=0.3)
    guard = guard_for(RedisStore(client))
    event, body = delivery("evt_paused")
    ran: List[str] = []
    sleeper = threading.Thread(target=lambda: redis.Redis.from_url(url).execute_command("DEBUG", "SLEEP", "1"))
    sleeper.start()
    time.sleep(0.1)
    assert code_of(lambda: guard.process(event, body, ran.append)) == "store_unavailable"
    sleeper.join()
    assert ran == []
    assert guard.process(event, body, lambda e: ran.append(e.id)) == ProcessResult("processed", 1)
    assert ran == ["evt_paused"]
    admin.close()


def test_asyncio_clients_with_aprocess() -> None:
    import psycopg
    import redis.asyncio

    async def main() -> List[Any]:
        results: List[Any] = []
        connection = await psycopg.AsyncConnection.connect(server("PAYVOST_TEST_POSTGRES_URL"), autocommit=True)
        client = redis.asyncio.Redis.from_url(server("PAYVOST_TEST_REDIS_URL"))
        for store in (RedisStore(client), PostgresStore(connection)):
            await store.asetup()
            guard = guard_for(store)
            event, body = delivery("evt_async")
            ran: List[str] = []

            async def handler(e: Any) -> None:
                await asyncio.sleep(0.01)
                ran.append(e.id)

            results.append(await guard.aprocess(event, body, handler))
            results.append(await guard.aprocess(event, body, handler))
            results.append(ran)
        await client.aclose()
        await connection.close()
        return results

    processed, duplicate = ProcessResult("processed", 1), ProcessResult("duplicate", 1)
    assert asyncio.run(main()) == [processed, duplicate, ["evt_async"]] * 2


def test_a_sync_guard_refuses_an_asyncio_client_and_bad_options() -> None:
    import redis.asyncio

    client = redis.asyncio.Redis.from_url("redis://127.0.0.1:9/0")
    event, body = delivery("evt_wrong")
    with pytest.raises(payvost.ConfigurationError, match=r"wraps an asyncio client: call `await guard.aprocess\(...\)`"):
        IdempotencyGuard(RedisStore(client)).process(event, body, lambda e: None)
    for options, message in [
        ({"lease": 0}, "IdempotencyGuard's lease must be a positive number of seconds, not 0."),
        ({"retention": "7d"}, "IdempotencyGuard's retention must be a positive number of seconds, not '7d'."),
        ({"namespace": ""}, "IdempotencyGuard's namespace must be a non-empty string, not ''."),
    ]:
        with pytest.raises(payvost.ConfigurationError) as raised:
            IdempotencyGuard(MemoryStore(), **options)
        assert (raised.value.code, raised.value.message) == ("option_invalid", message)
    with pytest.raises(payvost.ConfigurationError, match="takes a store"):
        IdempotencyGuard(object())


def test_purge_drops_expired_records(tmp_path: Any) -> None:
    store = SqliteStore(tmp_path / "purge.db")
    store.setup()
    guard = guard_for(store, retention=0.1)
    for n in range(3):
        event, body = delivery(f"evt_purge_{n}")
        guard.process(event, body, lambda e: None)
    time.sleep(0.2)
    assert guard.purge() == 3
    assert guard.purge() == 0


def test_postgres_handlers_commit_with_the_completion_or_not_at_all() -> None:
    connection = postgres_connection()
    store = PostgresStore(postgres_connection())
    store.setup()
    connection.execute("CREATE TABLE IF NOT EXISTS guard_orders (event_id text, note text)")
    guard = guard_for(store)
    run = uuid.uuid4().hex[:8]
    written = lambda event_id: [n for (n,) in connection.execute("SELECT note FROM guard_orders WHERE event_id = %s", (event_id,))]

    event, body = delivery(f"evt_tx_{run}")
    insert = lambda e, db: db.execute("INSERT INTO guard_orders (event_id, note) VALUES (%s, 'fulfilled')", (e.id,))
    assert guard.process_in_transaction(event, body, connection, insert) == ProcessResult("processed", 1)
    assert guard.process_in_transaction(event, body, connection, insert) == ProcessResult("duplicate", 1)
    assert written(f"evt_tx_{run}") == ["fulfilled"]

    failing, failing_body = delivery(f"evt_tx_fails_{run}")

    def fails(e: Any, db: Any) -> None:
        db.execute("INSERT INTO guard_orders (event_id, note) VALUES (%s, 'half')", (e.id,))
        raise RuntimeError("the card network is down")

    with pytest.raises(RuntimeError, match="the card network is down"):
        guard.process_in_transaction(failing, failing_body, connection, fails)
    assert written(f"evt_tx_fails_{run}") == [], "rolled back"
    assert guard.process_in_transaction(failing, failing_body, connection, insert) == ProcessResult("processed", 2)

    lost, lost_body = delivery(f"evt_tx_lost_{run}")
    key = f"{guard._namespace}:evt_tx_lost_{run}"

    def overtaken(e: Any, db: Any) -> None:
        db.execute("INSERT INTO guard_orders (event_id, note) VALUES (%s, 'overtaken')", (e.id,))
        # Another worker takes the event from under this one.
        other = postgres_connection()
        other.execute("UPDATE payvost_events SET token = 'other-worker' WHERE key = %s", (key,))
        other.close()

    assert code_of(lambda: guard.process_in_transaction(lost, lost_body, connection, overtaken)) == "lease_lost"
    assert written(f"evt_tx_lost_{run}") == [], "the handler's write was rolled back with the completion"
    with pytest.raises(payvost.ConfigurationError, match="needs a guard on a PostgresStore"):
        IdempotencyGuard(MemoryStore()).process_in_transaction(lost, lost_body, connection, insert)
    connection.close()


def test_an_acknowledged_handler_that_fails_leaves_the_event_failed_until_retried(store: Any) -> None:
    guard = IdempotencyGuard(store, namespace=f"failed-{uuid.uuid4().hex}")
    body = b'{"id":"evt_after","type":"payment.succeeded","data":{"object":{"id":"pay_1"}}}'
    header = "t=1764000000,v1=" + "ab" * 32
    event = payvost._native.trusted_event(body)

    def down(event: Any) -> None:
        raise RuntimeError("the mailer is down")

    with pytest.raises(RuntimeError, match="the mailer is down"):
        guard.claim(event, body).run(down, acknowledged=True, header=header)
    assert guard.failed() == [FailedEvent("evt_after", 1, body.decode(), header)]
    with pytest.raises(RuntimeError, match="the mailer is down"):
        guard.retry("evt_after", down)
    assert [(f.id, f.attempt) for f in guard.failed()] == [("evt_after", 2)]
    ran: List[Any] = []
    assert guard.retry("evt_after", lambda e: ran.append((e.id, e.data.object.id, type(e).__name__))) == ProcessResult("processed", 3)
    assert ran == [("evt_after", "pay_1", "PaymentEvent")]
    assert guard.failed() == []
    assert guard.process(event, body, ran.append) == ProcessResult("duplicate", 3)
    with pytest.raises(payvost.ConfigurationError) as refused:
        guard.retry("evt_after", ran.append)
    assert (refused.value.code, refused.value.message) == (
        "option_invalid",
        "IdempotencyGuard.retry: no failed event 'evt_after' in this guard's store (its handlers completed since, or it never failed "
        "after an acknowledgement).",
    )


def test_aretry_runs_an_async_handler_for_a_failed_event() -> None:
    guard = IdempotencyGuard(MemoryStore())
    body = b'{"id":"evt_async","type":"refund.created","data":{"object":{"id":"re_1"}}}'
    event = payvost._native.trusted_event(body)

    async def scenario() -> List[Any]:
        async def down(event: Any) -> None:
            raise RuntimeError("down")

        with pytest.raises(RuntimeError):
            await (await guard.aclaim(event, body)).arun(down, acknowledged=True, header="t=1,v1=00")
        assert [f.id for f in await guard.afailed()] == ["evt_async"]
        ran: List[Any] = []

        async def handled(event: Any) -> None:
            ran.append(type(event).__name__)

        assert await guard.aretry("evt_async", handled) == ProcessResult("processed", 2)
        return ran

    assert asyncio.run(scenario()) == ["RefundEvent"]


class Mailer:
    """A payment handler whose mailer is down until the test brings it back."""

    def __init__(self) -> None:
        self.down = True
        self.ran: List[str] = []
        self.router = payvost.EventRouter()
        self.router.on("payment.succeeded")(self.send)

    def send(self, event: Any) -> None:
        if self.down:
            raise RuntimeError("the mailer is down")
        self.ran.append(event.id)


def test_flask_acknowledged_first_keeps_a_failed_delivery_with_its_header_for_retry() -> None:
    import flask
    import payvost.flask

    guard = IdempotencyGuard(MemoryStore())
    mailer = Mailer()
    errors: List[str] = []
    app = flask.Flask(__name__)
    view = payvost.flask.view(SECRET, mailer.router, idempotency=guard, acknowledge_first=True, on_error=lambda e, ev: errors.append(str(e)))
    app.add_url_rule("/", view_func=view, methods=["POST"])
    body = b'{"id":"evt_flask_after","type":"payment.succeeded","data":{"object":{"id":"pay_1"}}}'
    header = payvost.WebhookSignature.generate_header(body, SECRET)
    with app.test_client() as client:
        answer = client.post("/", data=body, headers={"Payvost-Signature": header})
        assert (answer.status_code, answer.json) == (200, {"received": True})
        answer.close()  # the WSGI server's close(): the handlers run now
    assert errors == ["the mailer is down"]
    assert guard.failed() == [FailedEvent("evt_flask_after", 1, body.decode(), header)]
    mailer.down = False
    assert guard.retry("evt_flask_after", mailer.router.dispatch) == ProcessResult("processed", 2)
    assert mailer.ran == ["evt_flask_after"] and guard.failed() == []


def test_fastapi_acknowledged_first_keeps_a_failed_delivery_with_its_header_for_retry() -> None:
    import fastapi
    import payvost.fastapi

    guard = IdempotencyGuard(MemoryStore())
    mailer = Mailer()
    errors: List[str] = []
    app = fastapi.FastAPI()
    verified = payvost.fastapi.WebhookEvent(SECRET)
    app.post("/")(payvost.fastapi.endpoint(verified, mailer.router, idempotency=guard, acknowledge_first=True,
                                           on_error=lambda e, ev: errors.append(str(e))))
    body = b'{"id":"evt_fastapi_after","type":"payment.succeeded","data":{"object":{"id":"pay_1"}}}'
    header = payvost.WebhookSignature.generate_header(body, SECRET)
    for base in test_adapters.serve_asgi(app):
        assert post(f"{base}/", body, header) == (200, '{"received":true}')
        wait_for(lambda: bool(errors), "the handler's error reported after the answer")
    assert errors == ["the mailer is down"]
    assert guard.failed() == [FailedEvent("evt_fastapi_after", 1, body.decode(), header)]
    mailer.down = False
    assert asyncio.run(guard.aretry("evt_fastapi_after", mailer.router.dispatch_async)) == ProcessResult("processed", 2)
    assert mailer.ran == ["evt_fastapi_after"] and guard.failed() == []
