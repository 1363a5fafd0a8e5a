#!/usr/bin/env bash
# Runs the UI's self-test (ui/dev/selftest.html: the real index.html and ES modules over a mock of the
# IPC) in headless Chromium and fails unless every check passes. Needs Debian's chromium
# (scripts/install-deps.sh desktop installs it).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
command -v chromium >/dev/null || { echo "ui-selftest: chromium is missing: run scripts/install-deps.sh desktop" >&2; exit 1; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
out=$(timeout 180 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
  --allow-file-access-from-files --virtual-time-budget=60000 \
  --dump-dom "file://$repo/ui/dev/selftest.html" 2>/dev/null || true)
pass=$(grep -oE 'PASS [^<]*' <<<"$out" | wc -l)
fail=$(grep -oE 'FAIL [^<]*' <<<"$out" || true)
if [ -n "$fail" ] || [ "$pass" -lt 50 ]; then
  echo "ui-selftest: $pass passed; failures:" >&2
  echo "${fail:-(no results: the page did not run)}" >&2
  exit 1
fi
echo "ui-selftest: all $pass checks passed"
