# The two commands: `make demo` and `make test`. Everything else is a step of theirs.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
CARGO ?= cargo

.PHONY: demo test tools fmt-check clippy test-rust no-std bench vectors

demo: tools
	$(CARGO) run --quiet -p payvost-webhooks --example demo

test: tools fmt-check clippy no-std test-rust

tools:
	@scripts/ensure-tools.sh core

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p payvost-webhooks --no-default-features --lib -- -D warnings

# Unit, integration, property and doc tests; the vectors run in core/tests/vectors.rs.
test-rust:
	$(CARGO) test --workspace

# The core must build without std: a target that has none proves it.
no-std:
	$(CARGO) build -p payvost-webhooks --no-default-features --target wasm32-unknown-unknown

# Speed against the physical limit; writes the table for bench/README.md.
bench:
	bench/run.sh

# Rewrite tests/vectors/*.json after editing the generator.
vectors:
	python3 tests/vectors/generate.py
