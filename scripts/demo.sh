#!/usr/bin/env bash
# The main job: set everything up, start the reference stack (real Prometheus, Alertmanager,
# node exporter, simulated VMS) and open the Watchdesk app on it. Without a display, the engine
# polls it, draws the RTA overview into out/ and keeps polling.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
bash scripts/install-deps.sh all
PROFILE=${PROFILE:-release}   # PROFILE=debug reuses a debug build
if [ "$PROFILE" = release ]; then cargo build --release --workspace --bins; else cargo build --workspace --bins; fi
export VMS_SIM="$repo/target/$PROFILE/vms-sim"
WD="$repo/target/$PROFILE/watchdesk"
APP="$repo/target/$PROFILE/watchdesk-app"
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
echo "demo: waiting 35 s for the first scrapes (rates need two)"; sleep 35
# The simulator serves the services' logs through Loki's query API on its control port.
LOKI=$(cat .stack/control.url)
SITE=(--cache "$CACHE" --loki "$LOKI" --dashboard rta-overview --dashboard deploy/dashboards/service-logs.json)
"$WD" "${SITE[@]}" check
"$WD" "${SITE[@]}" poll --once
"$WD" "${SITE[@]}" render --from -6h --out "$OUT"
echo "demo: the RTA overview and the service logs are also drawn in $OUT/*/index.html (one SVG per panel)."
echo "demo: take a service down: curl -X POST \"\$(cat .stack/control.url)/scenario/service-down?service=go-api\""
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "demo: opening the Watchdesk app; closing its window hides it to the tray (tray menu: Quit)."
  "$APP" "${SITE[@]}" --prometheus http://127.0.0.1:9090 --alertmanager http://127.0.0.1:9093
else
  echo "demo: no display: polling continuously instead of opening the app (Ctrl-C stops everything)."
  "$WD" "${SITE[@]}" poll
fi
