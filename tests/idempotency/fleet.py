#!/usr/bin/env python3
"""The idempotency guard across a fleet: Node, Python, PHP and Rust workers
(worker.js, worker.py, worker.php, and payvost-axum's fleet-worker example)
share one store, SQLite, Redis or PostgreSQL, all real, and receive the
same deliveries at once.

Scenarios, for each store:

- fleet: eight workers (two of each language) get each of 100 fresh events at
  once; the handler sleeps, then records an effect where nothing is unique:
  every event has exactly one effect;
- languages: an event processed by one language is a duplicate for the
  others, for every language first;
- crash: a worker of each language is killed (SIGKILL) inside its handler; a
  redelivery within the lease is event_in_progress, one after it runs the
  handler again, attempt 2;
- paused: a worker of each language is stopped (SIGSTOP) inside its handler
  past its lease; another completes the event; the first, resumed, reports
  lease_lost, and the record stays the other's;
- store down (Redis, PostgreSQL): the server stopped, every language answers
  store_unavailable and runs no handler; started again, the next delivery is
  processed once.

Run by `make test-idempotency` (under scripts/services.sh and
scripts/php-env.sh, with the test venv's Python, once the Rust worker is
built); prints each scenario, then `N passed, N failed`.
"""

from __future__ import annotations

import json
import os
import pathlib
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from typing import Any, Callable, Dict, List, Optional

import payvost

ROOT = pathlib.Path(__file__).resolve().parents[2]
HERE = ROOT / "tests" / "idempotency"
SECRET = "whsec_fleet"
LEASE = 1.0
LANGUAGES = ["python", "node", "php", "rust"]
COMMANDS = {
    "python": [sys.executable, str(HERE / "worker.py")],
    "node": ["node", str(HERE / "worker.js")],
    "php": ["php", str(HERE / "worker.php")],
    # Built by `make test-idempotency` (cargo build --example fleet-worker).
    "rust": [str(ROOT / "target" / "debug" / "examples" / "fleet-worker")],
}


class Worker:
    """One worker process: deliveries in as JSON lines, answers out."""

    def __init__(self, language: str, env: Dict[str, str]) -> None:
        self.language = language
        self.process = subprocess.Popen(
            COMMANDS[language], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, bufsize=1,
        )
        self.messages: "queue.Queue[Dict[str, Any]]" = queue.Queue()
        self.errors: List[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=lambda: self.errors.extend(self.process.stderr or []), daemon=True).start()
        ready = self._next(lambda m: "ready" in m, 60)
        self.name = ready["ready"]

    def _read(self) -> None:
        for line in self.process.stdout or []:
            self.messages.put(json.loads(line))

    def _next(self, wanted: Callable[[Dict[str, Any]], bool], seconds: float) -> Dict[str, Any]:
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            try:
                message = self.messages.get(timeout=max(left, 0.01))
            except queue.Empty:
                raise AssertionError(f"{self.language} worker: no answer in {seconds} s; stderr: {''.join(self.errors)[-2000:]}") from None
            if wanted(message):
                return message

    def send(self, job: Dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()

    def answer(self, seconds: float = 30) -> Dict[str, Any]:
        return self._next(lambda m: "outcome" in m, seconds)

    def started(self, seconds: float = 30) -> Dict[str, Any]:
        return self._next(lambda m: "started" in m, seconds)

    def signal(self, number: int) -> None:
        self.process.send_signal(number)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def job(event_id: str, sleep: float) -> Dict[str, Any]:
    body = json.dumps({"id": event_id, "type": "payment.succeeded", "data": {"object": {"id": "pay_1", "amount": 2000}}})
    return {"body": body, "header": payvost.WebhookSignature.generate_header(body, SECRET), "secret": SECRET, "sleep": sleep}


class Store:
    """A store under test: what the workers are told, and how effects are counted."""

    def __init__(self, kind: str, run: str) -> None:
        self.kind = kind
        self.namespace = f"fleet-{run}"
        self.effects_key = f"fleet-effects:{run}"
        if kind == "sqlite":
            folder = ROOT / "target" / "fleet"
            folder.mkdir(parents=True, exist_ok=True)
            self.path = folder / f"{run}.db"
            self.url = f"sqlite:{self.path}"
            from payvost.idempotency import SqliteStore

            SqliteStore(self.path).setup()
            with sqlite3.connect(self.path) as db:
                db.execute("CREATE TABLE fleet_effects (event_id TEXT, worker TEXT)")
        elif kind == "postgres":
            import psycopg
            from payvost.idempotency import PostgresStore

            self.url = os.environ["PAYVOST_TEST_POSTGRES_URL"]
            with psycopg.connect(self.url, autocommit=True) as connection:
                PostgresStore(connection).setup()
                connection.execute("CREATE TABLE IF NOT EXISTS fleet_effects (event_id text, worker text)")
        else:
            self.url = os.environ["PAYVOST_TEST_REDIS_URL"]

    def env(self) -> Dict[str, str]:
        return {
            **os.environ, "PAYVOST_FLEET_STORE": self.url, "PAYVOST_FLEET_LEASE": str(LEASE),
            "PAYVOST_FLEET_NAMESPACE": self.namespace, "PAYVOST_FLEET_EFFECTS": self.effects_key,
        }

    def effects(self, event_id: str) -> List[str]:
        """The workers whose handler recorded an effect for `event_id`."""
        if self.kind == "sqlite":
            with sqlite3.connect(self.path) as db:
                return [w for (w,) in db.execute("SELECT worker FROM fleet_effects WHERE event_id = ?", (event_id,))]
        if self.kind == "postgres":
            import psycopg

            with psycopg.connect(self.url, autocommit=True) as connection:
                return [w for (w,) in connection.execute("SELECT worker FROM fleet_effects WHERE event_id = %s", (event_id,))]
        import redis

        client = redis.Redis.from_url(self.url)
        entries = [e.decode() for e in client.lrange(self.effects_key, 0, -1)]
        client.close()
        return [e.split(" ", 1)[1] for e in entries if e.split(" ", 1)[0] == event_id]


class Fleet:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.workers: Dict[str, List[Worker]] = {language: [] for language in LANGUAGES}

    def spawn(self, language: str) -> Worker:
        worker = Worker(language, self.store.env())
        self.workers[language].append(worker)
        return worker

    def replace(self, worker: Worker) -> None:
        worker.stop()
        self.workers[worker.language].remove(worker)
        self.spawn(worker.language)

    def around(self, language: str) -> List[Worker]:
        """A worker of `language`, then one of each other language, in turn."""
        at = LANGUAGES.index(language)
        return [self.workers[LANGUAGES[(at + step) % len(LANGUAGES)]][0] for step in range(3)]

    def all(self) -> List[Worker]:
        return [w for ws in self.workers.values() for w in ws]

    def stop(self) -> None:
        for worker in self.all():
            worker.stop()


def scenario_fleet(fleet: Fleet, run: str) -> str:
    counts: Dict[str, int] = {}
    events = 100
    for n in range(events):
        event_id = f"evt_{run}_fleet_{n}"
        delivery = job(event_id, 0.02)
        workers = fleet.all()
        for worker in workers:
            worker.send(delivery)
        outcomes = [worker.answer()["outcome"] for worker in workers]
        for outcome in outcomes:
            counts[outcome] = counts.get(outcome, 0) + 1
        assert outcomes.count("processed") == 1, (event_id, outcomes)
        assert set(outcomes) <= {"processed", "duplicate", "event_in_progress"}, (event_id, outcomes)
    once = sum(1 for n in range(events) if len(fleet.store.effects(f"evt_{run}_fleet_{n}")) == 1)
    assert once == events, f"{events - once} events had other than one effect"
    return (f"{events} events x {len(fleet.all())} workers at once: {counts.get('processed', 0)} processed, "
            f"{counts.get('duplicate', 0)} duplicate, {counts.get('event_in_progress', 0)} in progress; one effect each")


def scenario_languages(fleet: Fleet, run: str) -> str:
    for first in LANGUAGES:
        event_id = f"evt_{run}_from_{first}"
        delivery = job(event_id, 0)
        worker = fleet.workers[first][0]
        worker.send(delivery)
        assert worker.answer() == {"id": event_id, "worker": worker.name, "outcome": "processed", "attempt": 1}
        for other in LANGUAGES:
            if other != first:
                reader = fleet.workers[other][0]
                reader.send(delivery)
                assert reader.answer() == {"id": event_id, "worker": reader.name, "outcome": "duplicate", "attempt": 1}, (first, other)
        assert len(fleet.store.effects(event_id)) == 1
    return "a record completed in any language is a duplicate in the others"


def scenario_crash(fleet: Fleet, run: str) -> str:
    for victim_language in LANGUAGES:
        event_id = f"evt_{run}_crash_{victim_language}"
        victim, other, _ = fleet.around(victim_language)
        victim.send(job(event_id, 30))
        victim.started()
        victim.signal(signal.SIGKILL)
        other.send(job(event_id, 0))
        assert other.answer()["outcome"] == "event_in_progress", victim_language
        time.sleep(LEASE + 0.3)
        other.send(job(event_id, 0))
        assert other.answer() == {"id": event_id, "worker": other.name, "outcome": "processed", "attempt": 2}, victim_language
        assert fleet.store.effects(event_id) == [other.name]
        fleet.replace(victim)
    return "a worker killed in its handler (each language): in progress within the lease, run again after it with attempt 2"


def scenario_paused(fleet: Fleet, run: str) -> str:
    for victim_language in LANGUAGES:
        event_id = f"evt_{run}_paused_{victim_language}"
        victim, other, third = fleet.around(victim_language)
        victim.send(job(event_id, 0.3))
        victim.started()
        victim.signal(signal.SIGSTOP)
        time.sleep(LEASE + 0.5)
        other.send(job(event_id, 0))
        assert other.answer() == {"id": event_id, "worker": other.name, "outcome": "processed", "attempt": 2}, victim_language
        victim.signal(signal.SIGCONT)
        assert victim.answer()["outcome"] == "lease_lost", victim_language
        third.send(job(event_id, 0))
        assert third.answer() == {"id": event_id, "worker": third.name, "outcome": "duplicate", "attempt": 2}, victim_language
    return "a worker stopped in its handler past its lease (each language): another completes, the first gets lease_lost"


def scenario_store_down(fleet: Fleet, run: str) -> Optional[str]:
    if fleet.store.kind == "sqlite":
        return None  # SQLite is a file, with no server to stop
    services = [str(ROOT / "scripts" / "services.sh")]
    subprocess.run([*services, "down", fleet.store.kind], check=True)
    try:
        for language in LANGUAGES:
            event_id = f"evt_{run}_down_{language}"
            worker = fleet.workers[language][0]
            worker.send(job(event_id, 0))
            assert worker.answer(60)["outcome"] == "store_unavailable", language
    finally:
        subprocess.run([*services, "up", fleet.store.kind], check=True)
    for language in LANGUAGES:
        event_id = f"evt_{run}_down_{language}"
        answers = []
        for reader in LANGUAGES:
            worker = fleet.workers[reader][0]
            worker.send(job(event_id, 0))
            answers.append(worker.answer(60)["outcome"])
        assert answers.count("processed") == 1 and answers.count("duplicate") == len(LANGUAGES) - 1, (language, answers)
        assert len(fleet.store.effects(event_id)) == 1
    return "the server stopped: store_unavailable in every language, no handler run; started again: each event processed once"


SCENARIOS: List[Callable[[Fleet, str], Optional[str]]] = [scenario_fleet, scenario_languages, scenario_crash, scenario_paused, scenario_store_down]


def main() -> int:
    passed = failed = skipped = 0
    for kind in ["sqlite", "redis", "postgres"]:
        run = uuid.uuid4().hex[:8]
        store = Store(kind, run)
        fleet = Fleet(store)
        try:
            for language in LANGUAGES:
                fleet.spawn(language)
                fleet.spawn(language)
            for scenario in SCENARIOS:
                name = scenario.__name__.removeprefix("scenario_").replace("_", " ")
                started = time.monotonic()
                try:
                    said = scenario(fleet, run)
                except Exception as error:  # noqa: BLE001 - every scenario is reported, then the count decides
                    failed += 1
                    print(f"FAIL {kind}: {name}: {type(error).__name__}: {error}", flush=True)
                else:
                    if said is None:
                        skipped += 1
                        print(f"skip {kind}: {name}: SQLite is a file, with no server to stop", flush=True)
                        continue
                    passed += 1
                    print(f"ok   {kind}: {name}: {said} ({time.monotonic() - started:.1f} s)", flush=True)
        finally:
            fleet.stop()
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
