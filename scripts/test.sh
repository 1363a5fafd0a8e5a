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
# On the way out (also on a failure), nothing started in the background is left running.
kill_tree() {
  local c
  for c in $(pgrep -P "$1" 2>/dev/null); do kill_tree "$c"; done
  kill "$1" 2>/dev/null || true
}
trap 'report; [ -z "${bg_pid:-}" ] || kill_tree "$bg_pid"' EXIT
part "install-deps" bash scripts/install-deps.sh all
export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v tauri-driver >/dev/null; then
  cargo install tauri-driver --version '^2' --locked
fi
export CI=${CI:-true}
part "fmt" cargo fmt --all --check
# The lints and the Windows cross-build run in the background at the lowest CPU priority, each in a
# target dir of its own (no build lock shared with the tests' builds): on 2 cores they use what the
# desktop tests, which mostly wait, leave idle. Their outcome is checked before the end.
win=x86_64-pc-windows-gnu
mkdir -p target
background() {
  set +e
  local rc=0
  run_bg() {
    local name=$1 t0 r
    shift
    t0=$(date +%s)
    nice -n 19 "$@" >"target/bg-$name.log" 2>&1
    r=$?
    printf '%-34s %5d s%s\n' "$name (background)" $(( $(date +%s) - t0 )) \
      "$([ $r -eq 0 ] || echo "  FAILED: target/bg-$name.log")" >>target/bg-timings
    return $r
  }
  : >target/bg-timings
  run_bg clippy env CARGO_TARGET_DIR=target/lint \
    cargo clippy --workspace --all-targets --locked -- -D warnings || rc=1
  # Windows keeps compiling: the engine and the app, checked for x86_64-pc-windows-gnu (MinGW-w64),
  # and the command line built for the Wine test.
  run_bg "clippy windows" env CARGO_TARGET_DIR=target/windows \
    cargo clippy --target $win -p watchdesk -p watchdesk-app --all-targets --locked -- -D warnings || rc=1
  run_bg "windows CLI build" env CARGO_TARGET_DIR=target/windows \
    cargo build --target $win --locked -p watchdesk --bin watchdesk || rc=1
  return $rc
}
background &
bg_pid=$!
wait_background() {
  local rc=0
  wait "$bg_pid" || rc=$?
  cat target/bg-timings
  if [ $rc -ne 0 ]; then
    for f in target/bg-*.log; do
      echo "== $f (last 60 lines)"
      tail -n 60 "$f"
    done
  fi
  return $rc
}
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
# upgraded and removed; the .deb in a fresh Debian; then the release figures of BENCHMARKS.md (printed, not asserted).
part "install test" env WATCHDESK_XVFB=1 scripts/with-desktop.sh \
  cargo test -p watchdesk-app --locked --test install -- --ignored --nocapture
# The .deb into a minimal Debian 12 made by debootstrap (no Rust, no compiler): apt resolves its
# Depends, its programs find their libraries, the command line draws, the app starts WebKit.
part "fresh Debian install" env WATCHDESK_XVFB=1 scripts/with-desktop.sh \
  cargo test -p watchdesk-app --locked --test fresh_debian -- --ignored --nocapture
part "release figures" env WATCHDESK_XVFB=1 scripts/with-desktop.sh \
  cargo test -p watchdesk-app --locked --test figures -- --ignored --nocapture
part "lints and windows build (wait)" wait_background
# The Windows command line under Wine against the reference stack (check, poll, render).
part "windows CLI under wine" env WATCHDESK_WINDOWS_EXE="$repo/target/windows/$win/debug/watchdesk.exe" \
  cargo test -p watchdesk --locked --test windows_cli -- --ignored
