# The two commands: `make demo` and `make test`. Everything else is a step of theirs.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
CARGO ?= cargo
# This machine's addon, as its platform package ships it (glibc 2.17).
NAPI_HOST_TARGET ?= x86_64-unknown-linux-gnu.2.17

.PHONY: demo test test-steps test-idempotency dist test-release version versions-check mutants differential test-differential test-platforms tools fmt-check clippy test-rust no-std test-crate bench vectors node test-node bench-node bench-node-parts test-python bench-python wasm test-wasm bench-wasm test-php bench-php test-demo fuzz soak timing

# The core signing, verifying and refusing; then every front door's example
# receiver on 127.0.0.1, sent and audited by the CLI, in one table.
demo: tools node wasm
	@scripts/ensure-tools.sh php
	$(CARGO) run --quiet -p payvost-webhooks --example demo
	$(CARGO) build --release --quiet -p payvost-cli
	$(CARGO) build --release --quiet -p payvost-axum --example receiver
	scripts/php-env.sh python3 scripts/demo.py --python "$$(scripts/python-env.sh)"

# The CLI against every example receiver: the demo, asserting.
test-demo: tools node wasm
	@scripts/ensure-tools.sh php
	$(CARGO) build --release --quiet -p payvost-cli
	$(CARGO) build --release --quiet -p payvost-axum --example receiver
	scripts/php-env.sh python3 scripts/demo.py --test --python "$$(scripts/python-env.sh)"

# Redis and PostgreSQL run for the whole of it (scripts/services.sh), and stop at the end, pass or fail.
test:
	scripts/services.sh run $(MAKE) --no-print-directory test-steps

test-steps: tools fmt-check generated-check versions-check clippy no-std test-crate test-rust test-node test-platforms test-python test-wasm test-php test-plain-host test-idempotency test-demo test-differential test-release

# The idempotency guard across a fleet of Node, Python, PHP and Rust workers on
# real SQLite, Redis and PostgreSQL: fleet, languages, crash, paused worker,
# store down (tests/idempotency/fleet.py).
test-idempotency: tools node wasm
	@scripts/ensure-tools.sh php
	$(CARGO) build -q -p payvost-axum --features postgres,redis,sqlite --example fleet-worker
	scripts/services.sh run scripts/php-env.sh "$$(scripts/python-env.sh)" tests/idempotency/fleet.py

tools:
	@scripts/ensure-tools.sh core

fmt-check:
	$(CARGO) fmt --all -- --check

# One version: the workspace's (Cargo.toml), written into every manifest.
version:
	@test -n "$(V)" || { echo "make version V=x.y.z"; exit 2; }
	python3 scripts/version.py $(V)

# Every manifest states the workspace's version (make version writes them).
versions-check:
	python3 scripts/version.py --check

# Every door's typed objects are what scripts/generate-objects.py writes from the core's schema.
generated-check:
	python3 scripts/generate-objects.py --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p payvost-webhooks --no-default-features --lib -- -D warnings
	# The WASM crate's plain-module half compiles only for wasm32.
	$(CARGO) clippy -p payvost-wasm --target wasm32-unknown-unknown -- -D warnings
	$(CARGO) clippy -p payvost-wasm --target wasm32-unknown-unknown --no-default-features --features test-hooks -- -D warnings

# Unit, integration, property and doc tests; the vectors run in core/tests/vectors.rs.
test-rust:
	$(CARGO) test --workspace
	# payvost-axum's guard on each store (its features), on the real servers.
	$(CARGO) test -p payvost-axum --all-features

# The core as a published crate: no serde_json feature imposed on dependents,
# minimal versions of every dependency, the declared MSRV (scripts/check-crate.sh).
test-crate:
	scripts/check-crate.sh
	# docs.rs's page: every intra-doc link resolves (the API in two layers, crate root and bindings).
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc -q -p payvost-webhooks --no-deps --all-features

# The core must build without std: a target that has none proves it.
no-std:
	$(CARGO) build -p payvost-webhooks --no-default-features --target wasm32-unknown-unknown

# The napi addon and its loader (native.js), and the shared JS layer of js/
# bundled to CommonJS (lib/sdk.js) with its types.
# The addon is linked by zig against glibc 2.17, as released (make dist);
# lib/wasm.js and its module are the fallback where no addon loads.
node: wasm
	@scripts/ensure-tools.sh node
	@scripts/ensure-tools.sh zig
	scripts/napi-build.sh $(NAPI_HOST_TARGET) --js native.js --dts native.d.ts
	cd bindings-node && npx esbuild ../js/sdk.mjs --bundle --format=cjs --platform=neutral --external:better-sqlite3 --log-level=warning --outfile=lib/sdk.js
	node bindings-node/esm-entry.mjs
	cd bindings-node && npx esbuild wasm.mjs --bundle --format=cjs --platform=node --log-level=error --outfile=lib/wasm.js
	cp bindings-wasm/pkg/dist/payvost_wasm_bg.wasm bindings-node/lib/
	cp js/index.d.ts js/index.d.mts js/fastify.d.ts js/hono.d.ts bindings-node/

# The Node suite three ways (native addon, forced WASM fallback, installed
# with --omit=optional) and on the lowest Node that `engines` admits.
test-node: node
	scripts/services.sh run scripts/test-node.sh

# One foreign architecture run for real: the arm64 Linux addon under
# qemu-aarch64 (the rest are checked by make dist: docs/platforms.md).
test-platforms: node
	scripts/test-arm64.sh

# Every release artifact into dist/, each built and checked, with
# dist/SHA256SUMS and dist/manifest.json: see docs/platforms.md.
dist: node wasm
	@scripts/ensure-tools.sh dist
	@scripts/ensure-tools.sh php
	python3 scripts/dist.py

# make dist's slice for this machine (scripts/dist.py --host): each kind of
# artifact built as released, put through its registry's checks, installed
# and run; the PHP archive installed by Composer and served by PHP-FPM.
test-release: node wasm
	@scripts/ensure-tools.sh dist-host
	@scripts/ensure-tools.sh php
	python3 scripts/dist.py --host

# The wheel, built and installed into a fresh venv, then pytest.
test-python: tools
	scripts/services.sh run scripts/test-python.sh

# @payvost/webhooks-wasm in bindings-wasm/pkg: the module, its glue, wasm-opt,
# the shared JS layer and one entry per runtime.
wasm:
	@scripts/ensure-tools.sh wasm
	node bindings-wasm/build.mjs

# The shared Node suite and the runtime tests (Chromium, workerd, Deno, Bun),
# against the packed tarball installed in a scratch project.
test-wasm: wasm node
	scripts/services.sh run scripts/test-wasm.sh

# payvost/payvost-php as Composer lays it out, on Wasmtime through FFI, with PHPUnit.
test-php: wasm
	@scripts/ensure-tools.sh php
	scripts/services.sh run scripts/test-php.sh

# The plain module under a second host, Python's wasmtime package, on the
# conformance vectors (docs/wasm-abi.md).
test-plain-host: wasm
	scripts/test-plain-host.sh

bench-php: wasm
	@scripts/ensure-tools.sh php
	scripts/php-env.sh php bench/php/bench.php

bench-wasm: wasm node
	node bench/wasm/bench.mjs

bench-node: node
	cd bindings-node && node ../bench/node/bench.js

# Where a Node call's time goes, beside stripe-node (bench/README.md).
bench-node-parts: node
	cd bindings-node && node ../bench/node/parts.js

bench-python: tools
	$$(scripts/python-env.sh bench/python/requirements.txt) bench/python/bench.py

# Every door (napi, WASM in Node, Python, PHP, the CLI) on the same random
# cases, compared outcome by outcome (tests/differential/run.py). The seed is
# printed; DIFFERENTIAL_SEED=n replays it. make test runs a 2,000-case slice.
DIFFERENTIAL_CASES ?= 100000
differential: tools node wasm
	@scripts/ensure-tools.sh php
	$(CARGO) build --release --quiet -p payvost-cli
	scripts/php-env.sh python3 tests/differential/run.py --cases $(DIFFERENTIAL_CASES) \
	  --python "$$(scripts/python-env.sh)" $(if $(DIFFERENTIAL_SEED),--seed $(DIFFERENTIAL_SEED))

test-differential:
	$(MAKE) --no-print-directory differential DIFFERENTIAL_CASES=2000

# Mutation testing: cargo-mutants on the core's verification files, StrykerJS
# on js/, mutmut on the Python package, each scored against its target in
# docs/security.md ("Mutation testing"). About four hours; not part of make test.
# MUTANTS_JOBS (default 2), MUTANTS_JS and MUTANTS_PYTHON narrow it.
mutants: tools
	scripts/services.sh run scripts/mutants.sh $(MUTANTS_PARTS)

# Every cargo-fuzz target for FUZZ_SECONDS each, seeded from tests/vectors/.
FUZZ_SECONDS ?= 30
fuzz:
	@scripts/ensure-tools.sh fuzz
	python3 fuzz/seed.py
	cd fuzz && for target in header verify construct_event event; do \
	  cargo +nightly fuzz run $$target corpus/$$target -- -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=1 || exit 1; \
	done

# The memory checks at full scale: 1,000,000 calls in Node (napi and WASM)
# and Python, 100,000 in PHP (its test's own count), 100 MiB payloads.
soak: node wasm
	@scripts/ensure-tools.sh php
	PAYVOST_SOAK_CALLS=1000000 node --test bindings-node/test/memory.test.js
	PAYVOST_SOAK_CALLS=1000000 PAYVOST_SDK=$$PWD/bindings-wasm/pkg node --test bindings-node/test/memory.test.js
	PAYVOST_SOAK_CALLS=1000000 $$(scripts/python-env.sh) -m pytest -p no:cacheprovider -s bindings-python/tests/test_memory.py
	scripts/php-env.sh phpunit -c bindings-wasm/php/phpunit.xml --filter MemoryTest

# Timing evidence (dudect-style Welch's t-test): see docs/security.md.
timing:
	$(CARGO) run --release --quiet -p payvost-bench --bin timing

# Speed against the physical limit; writes the table for bench/README.md.
bench:
	bench/run.sh

# Rewrite tests/vectors/*.json after editing the generator.
vectors:
	python3 tests/vectors/generate.py
