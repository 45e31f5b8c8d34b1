"""Process each event once: the idempotency guard (protocol §11).

Payvost retries a delivery until it is answered 2xx, so the same event may
arrive twice, even at once on two workers. The guard runs your handler once
per event across every process that shares its store, in any language of
this SDK, and runs it again only after a failure:

>>> import payvost
>>> from payvost.idempotency import IdempotencyGuard, MemoryStore
>>> guard = IdempotencyGuard(MemoryStore())
>>> body = b'{"id":"evt_1","type":"payment.succeeded","data":{"object":{"id":"pay_1"}}}'
>>> event = payvost.Webhook.construct_event(body, payvost.WebhookSignature.generate_header(body, "whsec_doc"), "whsec_doc")
>>> guard.process(event, body, lambda event: None)
ProcessResult(outcome='processed', attempt=1)
>>> guard.process(event, body, lambda event: None)
ProcessResult(outcome='duplicate', attempt=1)

The store decides, by its own clock, in one atomic operation a step: a claim
(with a lease that the guard renews while the handler runs), then the
completion, which only the claim's token can make. A handler's error
releases the claim, so Payvost's retry runs it again; a worker that dies
frees its event when its lease ends. The statements and scripts come from
the core (``facts.json``), so records written here are read alike by Node,
PHP and Rust.

Errors are :class:`payvost.error.IdempotencyError`: ``event_in_progress``
(another worker holds the event: answer 409), ``store_unavailable`` (503),
``event_id_reused`` (the id came before with another body: 422) and
``lease_lost``.

Stores: :class:`MemoryStore` (one process), :class:`SqliteStore` (one
machine), :class:`RedisStore` and :class:`PostgresStore` (a fleet), each
wrapping the client you already have; install ``payvost[redis]`` or
``payvost[postgres]`` for theirs.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Literal, NamedTuple, Optional, Sequence, Tuple, TypeVar, Union

from . import _native
from .error import ConfigurationError, IdempotencyError

__all__ = [
    "IdempotencyGuard",
    "Claim",
    "ProcessResult",
    "FailedEvent",
    "MemoryStore",
    "SqliteStore",
    "RedisStore",
    "PostgresStore",
    "DEFAULT_LEASE",
    "DEFAULT_RETENTION",
    "DEFAULT_NAMESPACE",
]

_FACTS: Dict[str, Any] = json.loads(_native.FACTS)
_RULES: Dict[str, Any] = _FACTS["idempotency"]
_MESSAGES: Dict[str, str] = _FACTS["messages"]

#: How long a claim holds, in seconds, unless configured (the core's).
DEFAULT_LEASE: int = _RULES["lease"]
#: How long a completed record is kept, in seconds (the core's: 7 days).
DEFAULT_RETENTION: int = _RULES["retention"]
#: The namespace of record keys, ``<namespace>:<event id>``.
DEFAULT_NAMESPACE: str = _RULES["namespace"]

T = TypeVar("T")

#: What a store's claim answers: the outcome's name and the record's attempt.
ClaimAnswer = Tuple[str, int]


def _error(code: str, **values: str) -> IdempotencyError:
    message = _MESSAGES[code]
    for name, value in values.items():
        message = message.replace("{" + name + "}", value)
    return IdempotencyError(message + ".", code=code)


def _unavailable(error: BaseException) -> IdempotencyError:
    return _error("store_unavailable", why=f"{type(error).__name__}: {error}".strip())


@dataclass(frozen=True)
class ProcessResult:
    """What :meth:`IdempotencyGuard.process` did: ran the handler
    (``processed``) or found the event processed already (``duplicate``);
    ``attempt`` counts the claims of the event, 2 after one failure."""

    outcome: Literal["processed", "duplicate"]
    attempt: int


class FailedEvent(NamedTuple):
    """An event whose handlers failed after its delivery was answered
    (acknowledged first), as the guard keeps it: Payvost will not deliver
    it again, so :meth:`IdempotencyGuard.retry` runs it."""

    id: str
    #: The claims of the event so far.
    attempt: int
    #: The raw body, as delivered and verified.
    body: str
    #: The ``Payvost-Signature`` header it came with.
    header: str


class IdempotencyGuard:
    """Runs a handler once per event across every worker sharing ``store``.

    ``lease`` (seconds, default 60) is how long a claim holds without
    renewal; the guard renews it every third of it while the handler runs,
    so a worker that dies frees its event that long after. ``retention``
    (seconds, default 7 days) is how long a completed event is remembered.
    ``namespace`` prefixes the record keys (``payvost:<event id>``).
    """

    __slots__ = ("_store", "_lease_ms", "_retention_ms", "_namespace", "_renewer")

    def __init__(
        self,
        store: Any,
        *,
        lease: float = DEFAULT_LEASE,
        retention: float = DEFAULT_RETENTION,
        namespace: str = DEFAULT_NAMESPACE,
    ) -> None:
        for name, value in (("lease", lease), ("retention", retention)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 10**9:
                raise ConfigurationError(f"IdempotencyGuard's {name} must be a positive number of seconds, not {value!r}.", code="option_invalid")
        if not isinstance(namespace, str) or namespace == "":
            raise ConfigurationError(f"IdempotencyGuard's namespace must be a non-empty string, not {namespace!r}.", code="option_invalid")
        if not all(callable(getattr(store, method, None)) for method in ("claim", "renew", "release", "complete")):
            raise ConfigurationError(
                f"IdempotencyGuard takes a store (MemoryStore, SqliteStore, RedisStore, PostgresStore), not {type(store).__name__}.",
                code="option_invalid",
            )
        self._store = store
        self._lease_ms = int(lease * 1000)
        self._retention_ms = int(retention * 1000)
        self._namespace = namespace
        self._renewer = _Renewer(store, self._lease_ms)

    def _claiming(self, event: Any) -> Tuple[str, str, str]:
        """The event's id, its record's key, and a fresh token for this claim."""
        event_id = _event_id(event)
        return event_id, f"{self._namespace}:{event_id}", secrets.token_hex(16)

    def process(self, event: Any, payload: Union[bytes, str], handler: Callable[[Any], Any]) -> ProcessResult:
        """Claims ``event``, runs ``handler(event)`` while renewing the lease,
        then completes it. ``payload`` is the raw body the event came in,
        whose fingerprint tells a reused id apart. A handler's exception
        releases the claim and propagates."""
        return self.claim(event, payload).run(handler)

    async def aprocess(self, event: Any, payload: Union[bytes, str], handler: Callable[[Any], Any]) -> ProcessResult:
        """As :meth:`process`, for asyncio: the store's async client
        (``redis.asyncio``, psycopg's async connection or pool) is awaited,
        a sync store runs in a thread, and ``handler`` may be ``async``."""
        return await (await self.aclaim(event, payload)).arun(handler)

    def claim(self, event: Any, payload: Union[bytes, str]) -> "Claim":
        """The first half of :meth:`process`, for receivers that answer in
        between (acknowledging first): a :class:`Claim` held by this worker,
        or one whose ``outcome`` is ``duplicate``. Raises
        ``event_in_progress`` and ``event_id_reused``."""
        if getattr(self._store, "is_async", False):
            raise ConfigurationError(
                f"{type(self._store).__name__} wraps an asyncio client: call `await guard.aprocess(...)`.", code="option_invalid"
            )
        event_id, key, token = self._claiming(event)
        outcome, attempt = self._store.claim(key, _native.fingerprint(payload), token, self._lease_ms, self._retention_ms)
        return Claim(self, event, payload, key, token, _settled(outcome, event_id), attempt)

    async def aclaim(self, event: Any, payload: Union[bytes, str]) -> "Claim":
        """As :meth:`claim`, for asyncio (then :meth:`Claim.arun`)."""
        event_id, key, token = self._claiming(event)
        outcome, attempt = await _acall(self._store, "claim", key, _native.fingerprint(payload), token, self._lease_ms, self._retention_ms)
        return Claim(self, event, payload, key, token, _settled(outcome, event_id), attempt)

    def failed(self) -> List[FailedEvent]:
        """The events whose handlers failed after their delivery was
        answered (``acknowledge_first``), by id: Payvost will not deliver
        them again, so the guard keeps their raw body and header until the
        retention ends. :meth:`retry` runs one again."""
        prefix = f"{self._namespace}:"
        return [FailedEvent(key[len(prefix):], int(attempt), body, header) for key, attempt, body, header in self._store.failed(prefix)]

    async def afailed(self) -> List[FailedEvent]:
        """As :meth:`failed`, for asyncio."""
        prefix = f"{self._namespace}:"
        rows = await _acall(self._store, "failed", prefix)
        return [FailedEvent(key[len(prefix):], int(attempt), body, header) for key, attempt, body, header in rows]

    def retry(self, event_id: str, handler: Callable[[Any], Any]) -> ProcessResult:
        """Runs ``handler`` again for the failed event ``event_id`` (from
        :meth:`failed`), with the event its stored body holds, under a claim
        like any delivery's. Should it fail again, the record stays failed
        and the exception propagates. An id that is not failed is
        ``option_invalid``."""
        failed = self._failed_one(event_id, self.failed())
        event = _native.trusted_event(failed.body.encode())
        return self.claim(event, failed.body).run(handler, acknowledged=True, header=failed.header)

    async def aretry(self, event_id: str, handler: Callable[[Any], Any]) -> ProcessResult:
        """As :meth:`retry`, for asyncio; ``handler`` may be ``async``."""
        failed = self._failed_one(event_id, await self.afailed())
        event = _native.trusted_event(failed.body.encode())
        return await (await self.aclaim(event, failed.body)).arun(handler, acknowledged=True, header=failed.header)

    @staticmethod
    def _failed_one(event_id: str, failed: List[FailedEvent]) -> FailedEvent:
        for one in failed:
            if one.id == event_id:
                return one
        raise ConfigurationError(
            f"IdempotencyGuard.retry: no failed event {event_id!r} in this guard's store (its handlers completed since, "
            "or it never failed after an acknowledgement).",
            code="option_invalid",
        )

    @staticmethod
    def _failure(key: str, token: str, payload: Union[bytes, str], header: Optional[str]) -> Tuple[str, Tuple[Any, ...]]:
        """What a handler's error does to its claim, as the store's method and
        its arguments: ``release``, so that Payvost's retry runs the handler
        again; or, its delivery answered already (``header`` given), ``fail``
        with the raw body and header, since Payvost will not deliver it again."""
        if header is None:
            return "release", (key, token)
        body = payload if isinstance(payload, str) else payload.decode("utf-8", "replace")
        return "fail", (key, token, body, header)

    def _run(
        self, event: Any, payload: Union[bytes, str], key: str, token: str, attempt: int, handler: Callable[[Any], Any], header: Optional[str]
    ) -> ProcessResult:
        self._renewer.hold(key, token)
        try:
            handler(event)
        except BaseException:
            self._renewer.drop(key, token)
            method, args = self._failure(key, token, payload, header)
            _quietly(lambda: getattr(self._store, method)(*args))
            raise
        self._renewer.drop(key, token)
        if not self._store.complete(key, token, self._retention_ms):
            raise _error("lease_lost", id=_event_id(event))
        return ProcessResult("processed", attempt)

    async def _arun(
        self, event: Any, payload: Union[bytes, str], key: str, token: str, attempt: int, handler: Callable[[Any], Any], header: Optional[str]
    ) -> ProcessResult:
        renewing = asyncio.ensure_future(self._arenew_forever(key, token))
        try:
            result = handler(event)
            if inspect.isawaitable(result):
                await result
        except BaseException:
            renewing.cancel()
            try:
                method, args = self._failure(key, token, payload, header)
                await _acall(self._store, method, *args)
            except Exception:  # noqa: BLE001 - the lease ends on its own
                pass
            raise
        finally:
            renewing.cancel()
        if not await _acall(self._store, "complete", key, token, self._retention_ms):
            raise _error("lease_lost", id=_event_id(event))
        return ProcessResult("processed", attempt)

    def process_in_transaction(self, event: Any, payload: Union[bytes, str], connection: Any, handler: Callable[[Any, Any], Any]) -> ProcessResult:
        """PostgreSQL only: runs ``handler(event, connection)`` inside one
        transaction of ``connection`` (a psycopg connection to the store's
        database), in which the event's completion commits too. The
        handler's writes and the record commit together or not at all: a
        handler's error, or a lease lost meanwhile (``lease_lost``), rolls
        its writes back. Effects are then exactly once, whatever the handler
        writes in that database.

        >>> # with guard = IdempotencyGuard(PostgresStore(pool)):
        >>> # guard.process_in_transaction(event, body, connection,
        >>> #     lambda event, db: db.execute("INSERT INTO orders ...", (...)))
        """
        if not isinstance(self._store, PostgresStore) or self._store.is_async:
            raise ConfigurationError("process_in_transaction needs a guard on a PostgresStore with a sync psycopg client.", code="option_invalid")
        claim = self.claim(event, payload)
        if claim.outcome == "duplicate":
            return ProcessResult("duplicate", claim.attempt)
        key, token = claim._key, claim._token
        complete = _RULES["postgres"]["complete"]["percent"]
        self._renewer.hold(key, token)
        try:
            with connection.transaction():
                handler(event, connection)
                values = {"key": key, "token": token, "retention_ms": self._retention_ms}
                if connection.execute(complete["text"], _params(complete, values)).fetchone() is None:
                    raise _error("lease_lost", id=_event_id(event))
        except IdempotencyError:
            raise
        except BaseException:
            _quietly(lambda: self._store.release(key, token))
            raise
        finally:
            self._renewer.drop(key, token)
        return ProcessResult("processed", claim.attempt)

    def purge(self) -> int:
        """Drops the records past their retention (SQL stores; Redis expires
        its own) and says how many."""
        return int(self._store.purge())

    async def _arenew_forever(self, key: str, token: str) -> None:
        while True:
            await asyncio.sleep(self._lease_ms / 3000)
            try:
                await _acall(self._store, "renew", key, token, self._lease_ms)
            except Exception:  # noqa: BLE001 - as in _Renewer
                pass

    def __repr__(self) -> str:
        return f"<IdempotencyGuard {type(self._store).__name__} lease={self._lease_ms / 1000:g}s namespace={self._namespace!r}>"


class _Renewer:
    """Renews the leases of the claims whose handlers are running, from one
    thread per guard, started on first use: every third of the lease it
    renews each claim held for at least that long, so a claim is renewed
    before two thirds of its lease have passed. A thread per claim would
    cost more than the claim itself."""

    def __init__(self, store: Any, lease_ms: int) -> None:
        self._store = store
        self._lease_ms = lease_ms
        self._held: Dict[Tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self._thread: Optional[threading.Thread] = None

    def hold(self, key: str, token: str) -> None:
        with self._lock:
            self._held[(key, token)] = time.monotonic()
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="payvost-lease-renewal", daemon=True)
                self._thread.start()

    def drop(self, key: str, token: str) -> None:
        with self._lock:
            self._held.pop((key, token), None)

    def _loop(self) -> None:
        interval = self._lease_ms / 3000
        while True:
            time.sleep(interval)
            now = time.monotonic()
            with self._lock:
                due = [claim for claim, since in self._held.items() if now - since >= interval * 0.99]
            for key, token in due:
                # A failed renewal is tried again; a lost lease shows at completion.
                _quietly(lambda: self._store.renew(key, token, self._lease_ms))


def _event_id(event: Any) -> str:
    event_id = event.get("id") if isinstance(event, dict) else getattr(event, "id", None)
    if not isinstance(event_id, str) or event_id == "":
        raise ConfigurationError(f"IdempotencyGuard processes a verified event (with an id), not {type(event).__name__}.", code="option_invalid")
    return event_id


def _settled(outcome: str, event_id: str) -> Literal["claimed", "duplicate"]:
    """A claim's outcome, or the error it means."""
    if outcome == "claimed" or outcome == "duplicate":
        return outcome  # type: ignore[return-value]
    if outcome == "reused":
        raise _error("event_id_reused", id=event_id)
    raise _error("event_in_progress", id=event_id)


class Claim:
    """What :meth:`IdempotencyGuard.claim` got: ``outcome`` ``claimed`` (this
    worker holds the event; :meth:`run` its handler) or ``duplicate`` (the
    event was processed before; :meth:`run` runs nothing), and ``attempt``."""

    __slots__ = ("_guard", "_event", "_payload", "_key", "_token", "outcome", "attempt")

    def __init__(
        self, guard: IdempotencyGuard, event: Any, payload: Union[bytes, str], key: str, token: str, outcome: Literal["claimed", "duplicate"], attempt: int
    ) -> None:
        self._guard, self._event, self._payload, self._key, self._token = guard, event, payload, key, token
        self.outcome: Literal["claimed", "duplicate"] = outcome
        self.attempt = attempt

    def run(self, handler: Callable[[Any], Any], *, acknowledged: bool = False, header: str = "") -> ProcessResult:
        """The second half of :meth:`IdempotencyGuard.process`. With
        ``acknowledged=True`` (the delivery was answered already, and came
        with ``header``), a handler's exception marks the event failed, kept
        for :meth:`IdempotencyGuard.retry`, rather than releasing it."""
        if self.outcome == "duplicate":
            return ProcessResult("duplicate", self.attempt)
        return self._guard._run(self._event, self._payload, self._key, self._token, self.attempt, handler, header if acknowledged else None)

    async def arun(self, handler: Callable[[Any], Any], *, acknowledged: bool = False, header: str = "") -> ProcessResult:
        """As :meth:`run`, for asyncio; ``handler`` may be ``async``."""
        if self.outcome == "duplicate":
            return ProcessResult("duplicate", self.attempt)
        return await self._guard._arun(self._event, self._payload, self._key, self._token, self.attempt, handler, header if acknowledged else None)

    def __repr__(self) -> str:
        return f"<Claim {self.outcome} attempt={self.attempt}>"


def _quietly(call: Callable[[], Any]) -> None:
    try:
        call()
    except Exception:  # noqa: BLE001 - a lease ends on its own
        pass


async def _acall(store: Any, method: str, *args: Any) -> Any:
    """The store's async method where it has one, else its sync one in a thread."""
    asynchronous = getattr(store, "a" + method, None)
    if asynchronous is not None and getattr(store, "is_async", False):
        return await asynchronous(*args)
    return await asyncio.to_thread(getattr(store, method), *args)


def _params(statement: Dict[str, Any], values: Dict[str, Any]) -> List[Any]:
    return [values[name] for name in statement["params"]]


def _claim_row(row: Optional[Sequence[Any]]) -> ClaimAnswer:
    """A claim's answer; no row is a record held by a claim not yet visible."""
    if row is None:
        return ("in_progress", 0)
    return (str(row[0]), int(row[1]))


# ----------------------------------------------------------------- SQLite


class SqliteStore:
    """Records in an SQLite database: one machine, any number of processes.

    ``database`` is a path (the store opens its own connection, in WAL mode,
    waiting up to ``timeout`` seconds for a lock) or an open
    ``sqlite3.Connection`` made with ``check_same_thread=False``, as the
    guard renews leases from a thread. Call :meth:`setup` once.
    """

    is_async = False

    def __init__(self, database: Union[str, "os.PathLike[str]", sqlite3.Connection], *, timeout: float = 5.0) -> None:
        if isinstance(database, sqlite3.Connection):
            self._db = database
        else:
            path = os.fspath(database)
            self._db = self._run(lambda: sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False))
        self._run(lambda: self._db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}"))
        self._lock = threading.Lock()
        self._sql: Dict[str, Any] = _RULES["sqlite"]

    def setup(self) -> None:
        """Creates the table and its index where missing, and turns on WAL."""
        with self._lock:
            self._run(lambda: self._db.execute("PRAGMA journal_mode = WAL"))
        for statement in self._sql["setup"]:
            self._transaction(lambda: self._db.execute(statement["qmark"]["text"]))

    def claim(self, key: str, fingerprint: str, token: str, lease_ms: int, retention_ms: int) -> ClaimAnswer:
        values = {"key": key, "fingerprint": fingerprint, "token": token, "lease_ms": lease_ms, "retention_ms": retention_ms}
        claim, inspect_ = self._sql["claim"]["qmark"], self._sql["inspect"]["qmark"]

        def steps() -> ClaimAnswer:
            row = self._db.execute(claim["text"], _params(claim, values)).fetchone()
            if row is None:
                row = self._db.execute(inspect_["text"], _params(inspect_, values)).fetchone()
            return _claim_row(row)

        return self._transaction(steps)

    def renew(self, key: str, token: str, lease_ms: int) -> bool:
        return self._held("renew", {"key": key, "token": token, "lease_ms": lease_ms})

    def release(self, key: str, token: str) -> bool:
        return self._held("release", {"key": key, "token": token})

    def complete(self, key: str, token: str, retention_ms: int) -> bool:
        return self._held("complete", {"key": key, "token": token, "retention_ms": retention_ms})

    def fail(self, key: str, token: str, body: str, header: str) -> bool:
        return self._held("fail", {"key": key, "token": token, "body": body, "header": header})

    def failed(self, prefix: str) -> List[Tuple[str, int, str, str]]:
        statement = self._sql["failed"]["qmark"]
        rows = self._transaction(lambda: self._db.execute(statement["text"], _params(statement, {"prefix": prefix})).fetchall())
        return [(str(key), int(attempt), str(body), str(header)) for key, attempt, body, header in rows]

    def purge(self) -> int:
        text = self._sql["purge"]["qmark"]["text"]
        return self._transaction(lambda: max(self._db.execute(text).rowcount, 0))

    def _held(self, step: str, values: Dict[str, Any]) -> bool:
        statement = self._sql[step]["qmark"]
        return self._transaction(lambda: self._db.execute(statement["text"], _params(statement, values)).fetchone() is not None)

    def _transaction(self, steps: Callable[[], T]) -> T:
        """``steps()`` in one write transaction (``BEGIN IMMEDIATE``, which
        SQLite serialises), under this store's lock; its failures are
        ``store_unavailable``."""

        def transaction() -> T:
            self._begin()
            try:
                result = steps()
                self._commit()
            except BaseException:
                self._rollback()
                raise
            return result

        with self._lock:
            return self._run(transaction)

    def _begin(self) -> None:
        if not self._db.in_transaction:
            self._db.execute("BEGIN IMMEDIATE")

    def _commit(self) -> None:
        if self._db.in_transaction:
            self._db.commit()

    def _rollback(self) -> None:
        if self._db.in_transaction:
            self._db.rollback()

    @staticmethod
    def _run(call: Callable[[], Any]) -> Any:
        try:
            return call()
        except sqlite3.Error as error:
            raise _unavailable(error) from error


class MemoryStore(SqliteStore):
    """Records in this process's memory (an in-memory SQLite database, run by
    the same statements as :class:`SqliteStore`): for one process only, and
    forgotten when it exits."""

    def __init__(self) -> None:
        super().__init__(sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False))
        self.setup()


# ----------------------------------------------------------------- Redis


class RedisStore:
    """Records in Redis, one hash a record, expired by Redis itself: a fleet.

    ``client`` is a ``redis.Redis`` or a ``redis.asyncio.Redis`` (then use
    :meth:`IdempotencyGuard.aprocess`). Each step is one Lua script, run by
    ``EVALSHA``; nothing to set up.
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        scripts: Dict[str, Any] = _RULES["redis"]
        self._scripts = {name: (client.register_script(script["source"]), script["args"]) for name, script in scripts.items()}
        self.is_async = inspect.iscoroutinefunction(getattr(client, "execute_command", None))

    def setup(self) -> None:
        """Nothing to create: Redis keeps records as they come."""

    async def asetup(self) -> None:
        """As :meth:`setup`."""

    def purge(self) -> int:
        """Nothing to drop: Redis expires records when their retention ends."""
        return 0

    def claim(self, key: str, fingerprint: str, token: str, lease_ms: int, retention_ms: int) -> ClaimAnswer:
        return _claim_row(self._run("claim", key, fingerprint=fingerprint, token=token, lease_ms=lease_ms, retention_ms=retention_ms))

    def renew(self, key: str, token: str, lease_ms: int) -> bool:
        return bool(self._run("renew", key, token=token, lease_ms=lease_ms))

    def release(self, key: str, token: str) -> bool:
        return bool(self._run("release", key, token=token))

    def complete(self, key: str, token: str, retention_ms: int) -> bool:
        return bool(self._run("complete", key, token=token, retention_ms=retention_ms))

    def fail(self, key: str, token: str, body: str, header: str) -> bool:
        return bool(self._run("fail", key, token=token, body=body, header=header))

    def failed(self, prefix: str) -> List[Tuple[str, int, str, str]]:
        # The script scans: it names no key of its own (this one routes it on a cluster).
        return _failed_rows(self._run("failed", prefix + "*", prefix=prefix))

    async def afail(self, key: str, token: str, body: str, header: str) -> bool:
        return bool(await self._arun("fail", key, token=token, body=body, header=header))

    async def afailed(self, prefix: str) -> List[Tuple[str, int, str, str]]:
        return _failed_rows(await self._arun("failed", prefix + "*", prefix=prefix))

    async def aclaim(self, key: str, fingerprint: str, token: str, lease_ms: int, retention_ms: int) -> ClaimAnswer:
        return _claim_row(await self._arun("claim", key, fingerprint=fingerprint, token=token, lease_ms=lease_ms, retention_ms=retention_ms))

    async def arenew(self, key: str, token: str, lease_ms: int) -> bool:
        return bool(await self._arun("renew", key, token=token, lease_ms=lease_ms))

    async def arelease(self, key: str, token: str) -> bool:
        return bool(await self._arun("release", key, token=token))

    async def acomplete(self, key: str, token: str, retention_ms: int) -> bool:
        return bool(await self._arun("complete", key, token=token, retention_ms=retention_ms))

    def _run(self, name: str, key: str, **values: Any) -> Any:
        script, args = self._scripts[name]
        try:
            return _decoded(script(keys=[key], args=[values[arg] for arg in args]))
        except Exception as error:  # noqa: BLE001 - redis-py's errors, sockets' and the server's alike
            raise _unavailable(error) from error

    async def _arun(self, name: str, key: str, **values: Any) -> Any:
        script, args = self._scripts[name]
        try:
            return _decoded(await script(keys=[key], args=[values[arg] for arg in args]))
        except Exception as error:  # noqa: BLE001 - as in _run
            raise _unavailable(error) from error


def _failed_rows(flat: List[Any]) -> List[Tuple[str, int, str, str]]:
    """The FAILED script's flat reply, four values a record."""
    return [(str(flat[i]), int(flat[i + 1]), str(flat[i + 2]), str(flat[i + 3])) for i in range(0, len(flat) - 3, 4)]


def _decoded(reply: Any) -> Any:
    if isinstance(reply, list):
        return [_decoded(item) for item in reply]
    return reply.decode() if isinstance(reply, bytes) else reply


# ----------------------------------------------------------------- Postgres


class PostgresStore:
    """Records in a PostgreSQL table: a fleet, one round trip a step.

    ``connection`` is a psycopg 3 connection (``psycopg.Connection`` or
    ``psycopg.AsyncConnection``, in autocommit mode or committed by the
    store after each step) or pool (``psycopg_pool.ConnectionPool`` or
    ``AsyncConnectionPool``). Call :meth:`setup` (or ``await asetup()``)
    once.
    """

    def __init__(self, connection: Any) -> None:
        self._target = connection
        self._pool = callable(getattr(connection, "connection", None)) and not hasattr(connection, "execute")
        opener = getattr(connection, "connection", None) if self._pool else None
        self.is_async = inspect.iscoroutinefunction(getattr(connection, "execute", None)) or (
            opener is not None and type(connection).__name__.startswith("Async")
        )
        # Each step's statements in psycopg's style, with their parameters' names.
        self._sql: Dict[str, List[Tuple[str, List[str]]]] = {
            step: [(s["percent"]["text"], s["percent"]["params"]) for s in (chosen if isinstance(chosen, list) else [chosen])]
            for step, chosen in _RULES["postgres"].items()
            if chosen is not None
        }

    def _statements(self, step: str, values: Dict[str, Any]) -> List[Tuple[str, List[Any]]]:
        return [(text, [values[name] for name in names]) for text, names in self._sql[step]]

    def setup(self) -> None:
        self._rows("setup", {})

    async def asetup(self) -> None:
        await self._arows("setup", {})

    def purge(self) -> int:
        return len(self._rows("purge", {}, fetch=False))

    def claim(self, key: str, fingerprint: str, token: str, lease_ms: int, retention_ms: int) -> ClaimAnswer:
        rows = self._rows("claim", {"key": key, "fingerprint": fingerprint, "token": token, "lease_ms": lease_ms, "retention_ms": retention_ms})
        return _claim_row(rows[0] if rows else None)

    def renew(self, key: str, token: str, lease_ms: int) -> bool:
        return bool(self._rows("renew", {"key": key, "token": token, "lease_ms": lease_ms}))

    def release(self, key: str, token: str) -> bool:
        return bool(self._rows("release", {"key": key, "token": token}))

    def complete(self, key: str, token: str, retention_ms: int) -> bool:
        return bool(self._rows("complete", {"key": key, "token": token, "retention_ms": retention_ms}))

    async def aclaim(self, key: str, fingerprint: str, token: str, lease_ms: int, retention_ms: int) -> ClaimAnswer:
        rows = await self._arows("claim", {"key": key, "fingerprint": fingerprint, "token": token, "lease_ms": lease_ms, "retention_ms": retention_ms})
        return _claim_row(rows[0] if rows else None)

    async def arenew(self, key: str, token: str, lease_ms: int) -> bool:
        return bool(await self._arows("renew", {"key": key, "token": token, "lease_ms": lease_ms}))

    async def arelease(self, key: str, token: str) -> bool:
        return bool(await self._arows("release", {"key": key, "token": token}))

    async def acomplete(self, key: str, token: str, retention_ms: int) -> bool:
        return bool(await self._arows("complete", {"key": key, "token": token, "retention_ms": retention_ms}))

    def fail(self, key: str, token: str, body: str, header: str) -> bool:
        return bool(self._rows("fail", {"key": key, "token": token, "body": body, "header": header}))

    def failed(self, prefix: str) -> List[Tuple[str, int, str, str]]:
        return [(str(k), int(a), str(b), str(h)) for k, a, b, h in self._rows("failed", {"prefix": prefix})]

    async def afail(self, key: str, token: str, body: str, header: str) -> bool:
        return bool(await self._arows("fail", {"key": key, "token": token, "body": body, "header": header}))

    async def afailed(self, prefix: str) -> List[Tuple[str, int, str, str]]:
        return [(str(k), int(a), str(b), str(h)) for k, a, b, h in await self._arows("failed", {"prefix": prefix})]

    def _rows(self, step: str, values: Dict[str, Any], fetch: bool = True) -> List[Any]:
        try:
            if self._pool:
                with self._target.connection() as connection:
                    return self._execute(connection, step, values, fetch)
            return self._execute(self._target, step, values, fetch)
        except IdempotencyError:
            raise
        except Exception as error:  # noqa: BLE001 - psycopg's, the pool's and the socket's errors alike
            raise _unavailable(error) from error

    def _execute(self, connection: Any, step: str, values: Dict[str, Any], fetch: bool) -> List[Any]:
        rows: List[Any] = []
        for text, params in self._statements(step, values):
            cursor = connection.execute(text, params)
            rows = cursor.fetchall() if fetch and cursor.description else [None] * max(cursor.rowcount, 0)
        if not connection.autocommit:
            connection.commit()
        return rows

    async def _arows(self, step: str, values: Dict[str, Any]) -> List[Any]:
        try:
            if self._pool:
                async with self._target.connection() as connection:
                    return await self._aexecute(connection, step, values)
            return await self._aexecute(self._target, step, values)
        except IdempotencyError:
            raise
        except Exception as error:  # noqa: BLE001 - as in _rows
            raise _unavailable(error) from error

    async def _aexecute(self, connection: Any, step: str, values: Dict[str, Any]) -> List[Any]:
        rows: List[Any] = []
        for text, params in self._statements(step, values):
            cursor = await connection.execute(text, params)
            rows = await cursor.fetchall() if cursor.description else [None] * max(cursor.rowcount, 0)
        if not connection.autocommit:
            await connection.commit()
        return rows
