#!/usr/bin/env bash
# Sets everything up and runs all tests (what CI runs): formatting, lints, unit and integration tests
# against real Prometheus, Alertmanager and node exporter started by the test harness, and the
# desktop tests on Xvfb with D-Bus and dunst, driven through WebDriver (tauri-driver).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
bash scripts/install-deps.sh all
export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v tauri-driver >/dev/null; then
  cargo install tauri-driver --version '^2' --locked
fi
export CI=${CI:-true}
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# The UI's ES modules against a mock of the IPC, in headless Chromium (seconds).
bash scripts/ui-selftest.sh
# The desktop tests drive the built binaries (app, simulator, command line).
cargo build --workspace --bins --locked
WATCHDESK_XVFB=1 scripts/with-desktop.sh cargo test --workspace --locked --no-fail-fast
echo "screenshots of the app: target/screenshots/"
