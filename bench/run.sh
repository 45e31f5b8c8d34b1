#!/usr/bin/env bash
# Runs the core benchmarks and OpenSSL's SHA-256 in one go and writes the
# table of bench/README.md. Speed is never asserted in tests: machines are
# shared and noisy; this is measured and reported instead.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p payvost-bench --bench core
cargo bench -p payvost-bench --bench profile
python3 bench/report.py
cargo run --release --quiet -p payvost-bench --bin ratios
