#!/usr/bin/env bash
# Sets everything up and runs all tests (what CI runs): formatting, lints (Linux and the Windows
# cross-check), unit and integration tests against real Prometheus, Alertmanager and node exporter
# started by the test harness, the desktop tests on Xvfb with D-Bus and dunst, driven through
# WebDriver (tauri-driver); then the packages (one release build): the .deb installed and driven as
# an operator would, the release figures, and the Windows command line under Wine.
# Prints how long each part took.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
timings=()
part() {
  local name=$1 t0
  shift
  t0=$(date +%s)
  "$@"
  timings+=("$(printf '%-34s %5d s' "$name" $(( $(date +%s) - t0 )))")
}
report() { [ ${#timings[@]} -eq 0 ] || printf 'timing: %s\n' "${timings[@]}"; }
trap report EXIT
part "install-deps" bash scripts/install-deps.sh all
export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v tauri-driver >/dev/null; then
  cargo install tauri-driver --version '^2' --locked
fi
export CI=${CI:-true}
part "fmt" cargo fmt --all --check
part "clippy" cargo clippy --workspace --all-targets --locked -- -D warnings
# Windows keeps compiling: the engine and the app, checked for x86_64-pc-windows-gnu (MinGW-w64).
win=x86_64-pc-windows-gnu
part "clippy windows (engine)" cargo clippy --target $win -p watchdesk --all-targets --locked -- -D warnings
part "clippy windows (app)" cargo clippy --target $win -p watchdesk-app --all-targets --locked -- -D warnings
# The UI's ES modules against a mock of the IPC, in headless Chromium (seconds).
part "ui self-test" bash scripts/ui-selftest.sh
# The desktop tests drive the built binaries (app, simulator, command line).
part "debug build" cargo build --workspace --bins --locked
part "tests" env WATCHDESK_XVFB=1 scripts/with-desktop.sh cargo test --workspace --locked --no-fail-fast
echo "screenshots of the app: target/screenshots/"
# The packages, from one release build shared with the figures (it includes the empty Tauri window
# the memory figure compares to).
part "package (release build, .deb, .rpm)" bash scripts/package.sh
# The .deb installed (dpkg -i), started from its desktop entry, driven through xdg-open links,
# upgraded and removed; then the release figures of BENCHMARKS.md (printed, not asserted).
part "install test" env WATCHDESK_XVFB=1 scripts/with-desktop.sh \
  cargo test -p watchdesk-app --locked --test install -- --ignored --nocapture
part "release figures" env WATCHDESK_XVFB=1 scripts/with-desktop.sh \
  cargo test -p watchdesk-app --locked --test figures -- --ignored --nocapture
# The Windows command line under Wine against the reference stack (check, poll, render).
part "windows CLI build" cargo build --target $win --locked -p watchdesk --bin watchdesk
part "windows CLI under wine" cargo test -p watchdesk --locked --test windows_cli -- --ignored
