#!/usr/bin/env bash
# The main job: set everything up, start the reference stack (real Prometheus, Alertmanager,
# node exporter, simulated VMS), poll it into the cache, draw the RTA overview, keep polling.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
bash scripts/install-deps.sh engine
cargo build --release --bins
export VMS_SIM="$repo/target/release/vms-sim"
WD="$repo/target/release/watchdesk"
CACHE=${CACHE:-$repo/.stack/cache.db}
OUT=${OUT:-$repo/out}

deploy/run-stack.sh &
stack=$!
trap 'kill $stack 2>/dev/null || true; wait $stack 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 120); do
  curl -fsS -o /dev/null http://127.0.0.1:9090/-/ready 2>/dev/null && [ -s .stack/control.url ] && break
  kill -0 $stack 2>/dev/null || { echo "demo: the stack did not start" >&2; exit 1; }
  sleep 0.5
done
echo "demo: waiting 30 s for the first scrapes"; sleep 30
"$WD" --cache "$CACHE" check
"$WD" --cache "$CACHE" poll --once
"$WD" --cache "$CACHE" render --from -15m --out "$OUT"
"$WD" --cache "$CACHE" alerts
echo "demo: the RTA overview is drawn in $OUT/rta-overview/index.html (one SVG per panel)."
echo "demo: polling continuously; try: curl -X POST \$(cat .stack/control.url)/scenario/service-down?service=go-api"
echo "demo: then '$WD --cache $CACHE alerts' and '$WD --cache $CACHE render --out $OUT'. Ctrl-C stops everything."
"$WD" --cache "$CACHE" poll
