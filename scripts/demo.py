#!/usr/bin/env python3
"""`make demo`: every front door's example receiver on 127.0.0.1, sent a real
delivery with `payvost webhooks send` and audited with `payvost webhooks
check`, in one table; everything started is stopped. With --test it is the
CLI's test against each example receiver (make test), ending in a
"N passed, N failed" line and a non-zero exit on any failure.

Run through make (it builds what is needed and sets the environment)."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = ROOT / "target" / "release" / "payvost"
# `check --json` row ids (stable), and the column titles shown here.
COLUMNS = [
    ("send", "send"),
    ("valid", "valid"),
    ("bad_signature", "bad sig"),
    ("tampered", "tampered"),
    ("stale", "stale"),
    ("future", "future"),
    ("no_header", "no header"),
    ("duplicate", "duplicate"),
    ("timely", "< 30 s"),
    ("https", "https"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("did not start")


def worker_project(work: Path) -> Path:
    """A scratch project with the packed WASM package installed."""
    project = work / "worker"
    project.mkdir()
    tarball = subprocess.run(["npm", "pack", "--silent", "--pack-destination", str(project)],
                             cwd=ROOT / "bindings-wasm" / "pkg", check=True, capture_output=True, text=True).stdout.strip()
    (project / "package.json").write_text('{"name":"demo-worker","private":true,"type":"module"}')
    subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", f"./{tarball}"], cwd=project, check=True)
    return project


def bundled_worker(project: Path, example: str) -> Path:
    """An example worker bundled for workerd as its README says, with its config: the
    package from the scratch project, Hono from the WASM package's dev dependencies."""
    folder = project / example
    folder.mkdir()
    modules = ROOT / "bindings-wasm" / "node_modules"
    subprocess.run([str(modules / ".bin" / "esbuild"), str(ROOT / "examples" / example / "worker.mjs"), "--bundle", "--format=esm",
                    "--conditions=workerd", "--external:*.wasm", f"--outfile={folder / 'bundle.mjs'}", "--log-level=warning"],
                   cwd=project, check=True, env={**os.environ, "NODE_PATH": f"{project / 'node_modules'}{os.pathsep}{modules}"})
    shutil.copy(project / "node_modules/@payvost/webhooks-wasm/dist/payvost_wasm_bg.wasm", folder / "payvost_wasm_bg.wasm")
    shutil.copy(ROOT / "examples" / example / "config.capnp", folder / "config.capnp")
    return folder


def receivers(python: str, secret: str, work: Path):
    """(name, command, cwd, env, url) of each example receiver."""
    node_path = work / "node_path"
    (node_path / "@payvost").mkdir(parents=True)
    os.symlink(ROOT / "bindings-node", node_path / "@payvost" / "node-sdk")
    base = {**os.environ, "PAYVOST_WEBHOOK_SECRET": secret}
    node_env = {**base, "NODE_PATH": f"{node_path}{os.pathsep}{ROOT / 'bindings-node/node_modules'}"}
    for name, folder in [("Node (Express)", "node-express"), ("Node (Fastify)", "node-fastify"),
                         ("Node (Koa)", "node-koa"), ("Node (Hono)", "node-hono")]:
        port = free_port()
        yield (name, [shutil.which("node"), "server.js"], ROOT / "examples" / folder, {**node_env, "PORT": str(port)},
               f"http://127.0.0.1:{port}/webhooks/payvost")
    for name, folder in [("Python (Flask)", "python-flask"), ("Python (FastAPI)", "python-fastapi"),
                         ("Python (Django)", "python-django")]:
        port = free_port()
        yield (name, [python, "app.py"], ROOT / "examples" / folder, {**base, "PORT": str(port)},
               f"http://127.0.0.1:{port}/webhooks/payvost")
    php_env = {**base, "PAYVOST_AUTOLOAD": os.environ["PAYVOST_PHP_AUTOLOAD"]}
    port = free_port()
    yield ("PHP (php -S)", ["php", "-d", "ffi.enable=1", "-S", f"127.0.0.1:{port}", "webhook.php"], ROOT / "examples/php",
           {**php_env, "PAYVOST_EVENTS_FILE": str(work / "php-events"), "PAYVOST_IDEMPOTENCY_DB": str(work / "php-events.db")},
           f"http://127.0.0.1:{port}/webhooks/payvost")
    port = free_port()
    # PSR-15's interfaces come from the php-psr extension here (scripts/php-env.sh).
    yield ("PHP (PSR-15)", ["php", "-d", "ffi.enable=1", "-d", f"extension={os.environ['PAYVOST_PSR_EXTENSION']}",
                            "-S", f"127.0.0.1:{port}", "index.php"], ROOT / "examples/php-psr15",
           {**php_env, "PAYVOST_EVENTS_FILE": str(work / "psr15-events"), "PAYVOST_IDEMPOTENCY_DB": str(work / "psr15-events.db")},
           f"http://127.0.0.1:{port}/webhooks/payvost")
    port = free_port()
    yield ("Rust (axum)", [str(ROOT / "target" / "release" / "examples" / "receiver")], ROOT,
           {**base, "PORT": str(port)}, f"http://127.0.0.1:{port}/webhooks/payvost")
    project = worker_project(work)
    for name, example in [("Worker (workerd, WASM)", "cloudflare-worker"), ("Hono on Workers (workerd, WASM)", "hono-worker")]:
        port = free_port()
        yield (name, [str(ROOT / "bindings-wasm/node_modules/.bin/workerd"), "serve", "config.capnp", "--socket-addr", f"http=127.0.0.1:{port}"],
               bundled_worker(project, example), base, f"http://127.0.0.1:{port}/webhooks/payvost")


def stop(running: list) -> None:
    """Ends every process started, politely first."""
    for process in running:
        process.terminate()
    for process in running:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def processing_once(python: str, secret: str, work: Path, test: bool) -> tuple[int, int]:
    """The scene of protocol §11: a Node, a Python and a PHP receiver share one
    SQLite file; each event goes to all three at once, three copies each, and
    the handler runs once per event across them. Returns (passed, failed)."""
    database = work / "shared-events.db"
    node_path = work / "node_path"
    base = {**os.environ, "PAYVOST_WEBHOOK_SECRET": secret, "PAYVOST_IDEMPOTENCY_DB": str(database)}
    scene = [
        ("Node (Express)", [shutil.which("node"), "server.js"], ROOT / "examples/node-express",
         {**base, "NODE_PATH": f"{node_path}{os.pathsep}{ROOT / 'bindings-node/node_modules'}"}),
        ("Python (Flask)", [python, "app.py"], ROOT / "examples/python-flask", base),
        ("PHP (php -S)", None, ROOT / "examples/php",
         {**base, "PAYVOST_AUTOLOAD": os.environ["PAYVOST_PHP_AUTOLOAD"], "PAYVOST_EVENTS_FILE": str(work / "scene-php-events")}),
    ]
    running, urls = [], {}
    try:
        for name, command, cwd, env in scene:
            port = free_port()
            if command is None:
                command = ["php", "-d", "ffi.enable=1", "-S", f"127.0.0.1:{port}", "webhook.php"]
            process = subprocess.Popen(command, cwd=cwd, env={**env, "PORT": str(port)},
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            running.append(process)
            wait_for(f"http://127.0.0.1:{port}/processed", process)
            urls[name] = f"http://127.0.0.1:{port}"
        endpoints = [arg for url in urls.values() for arg in ("--endpoint", f"{url}/webhooks/payvost")]
        if not test:
            print("\nProcessing once: Node, Python and PHP receivers share one SQLite file; each event is sent to all")
            print("three at once, three copies each:")
            print(f"$ payvost webhooks send {' '.join(endpoints)} --event payment.succeeded --repeat 3")
        sent = []
        for _ in range(5):
            result = payvost("send", *endpoints, "--event", "payment.succeeded", "--repeat", "3", secret=secret)
            first = (result.stdout.splitlines() or [""])[0].split()
            sent.append(first[1] if len(first) > 1 else "?")
            if not test and len(sent) == 1:
                print(result.stdout.rstrip())
        # The handlers run after the answer: read until each event has run
        # somewhere, for 10 s at most (an event that never ran shows as 0 below).
        deadline = time.monotonic() + 10
        while True:
            ran = {}
            for name, url in urls.items():
                with urllib.request.urlopen(f"{url}/processed", timeout=10) as response:
                    ran[name] = json.loads(response.read())
            if all(any(e in r for r in ran.values()) for e in sent) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    finally:
        stop(running)
    width = max(len(e) for e in sent) + 2
    print()
    print("event".ljust(width) + "".join(name.ljust(17) for name in urls) + "handler ran")
    passed = failed = 0
    for event_id in sent:
        counts = [ran[name].count(event_id) for name in urls]
        print(event_id.ljust(width) + "".join(str(c).ljust(17) for c in counts) + str(sum(counts)))
        if sum(counts) == 1:
            passed += 1
        else:
            failed += 1
    print(f"\n{len(sent)} events x 3 receivers x 3 copies: " +
          ("each handler ran once." if failed == 0 else "some event ran other than once: see above."))
    return passed, failed


def payvost(*args: str, secret: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLI), "webhooks", *args], capture_output=True, text=True,
                          env={**os.environ, "PAYVOST_WEBHOOK_SECRET": secret}, timeout=120)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", required=True, help="a Python with the payvost wheel, Flask and FastAPI")
    parser.add_argument("--test", action="store_true", help="assert, and end with 'N passed, N failed'")
    args = parser.parse_args()
    secret = "whsec_demo_" + secrets.token_hex(12)
    results = {}
    with tempfile.TemporaryDirectory(prefix="payvost-demo-") as tmp:
        work = Path(tmp)
        running = []
        try:
            for name, command, cwd, env, url in receivers(args.python, secret, work):
                log = open(work / f"{len(running)}.log", "w")
                process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
                running.append(process)
                try:
                    wait_for(url, process)
                except RuntimeError as e:
                    print(f"{name}: {e}\n{(work / f'{len(running) - 1}.log').read_text()}", file=sys.stderr)
                    results[name] = {column: "FAIL" for column, _ in COLUMNS}
                    continue
                sent = payvost("send", "--endpoint", url, "--event", "payment.succeeded", "--id", "pay_test_1234567890", secret=secret)
                if not args.test:
                    print(f"$ payvost webhooks send --endpoint {url} --event payment.succeeded --id pay_test_1234567890")
                    print(sent.stdout.rstrip() + sent.stderr.rstrip())
                checked = payvost("check", url, "--json", secret=secret)
                row = {"send": "PASS" if sent.returncode == 0 else "FAIL"}
                try:
                    row.update({r["id"]: r["result"] for r in json.loads(checked.stdout)["results"]})
                except (ValueError, KeyError):
                    print(f"{name}: check gave no report: {checked.stdout}{checked.stderr}", file=sys.stderr)
                results[name] = row
        finally:
            stop(running)
        once_passed, once_failed = processing_once(args.python, secret, work, args.test)
    mark = {"PASS": "✓", "WARN": "! (http)", "FAIL": "✗"}
    width = max(len(name) for name in results) + 2
    print()
    print("".ljust(width) + " ".join(short.ljust(9) for _, short in COLUMNS))
    for name, row in results.items():
        print(name.ljust(width) + " ".join(mark.get(row.get(column, "FAIL"), "✗").ljust(9) for column, _ in COLUMNS))
    outcomes = [row.get(column, "FAIL") for row in results.values() for column, _ in COLUMNS]
    passed = sum(o != "FAIL" for o in outcomes) + once_passed
    failed = len(outcomes) - sum(o != "FAIL" for o in outcomes) + once_failed
    print(f"\nEvery door: the send accepted, forged/tampered/stale/future/unsigned deliveries refused, duplicates acknowledged."
          if failed == 0 else "\nSome door does not follow the checklist: see ✗ above.")
    if args.test:
        print(f"demo: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
