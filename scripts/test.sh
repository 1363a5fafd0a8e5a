#!/usr/bin/env bash
# Sets everything up and runs all tests (what CI runs): formatting, lints, unit and integration tests
# against real Prometheus, Alertmanager and node exporter started by the test harness.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
bash scripts/install-deps.sh engine
export CI=${CI:-true}
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked --no-fail-fast
