#!/usr/bin/env bash
# Starts the reference monitoring stack on loopback, in the foreground, until Ctrl-C:
# real Prometheus (:9090), Alertmanager (:9093), node exporter (:9100) and the VMS simulator
# (12 services on :9201-9212, scenario control URL printed at start).
#   deploy/run-stack.sh            state (TSDB, silences) kept in .stack/ next to this repo
# Before Prometheus starts, a day of simulated history is imported into its TSDB (the simulator's
# model every 15 s: `vms-sim history`, then `promtool tsdb create-blocks-from openmetrics`), so the
# dashboards' 6 h range is full from the first minute; 15-30 s on 2 shared cores. An existing TSDB only
# gets the time since it was last written (at most HISTORY_HOURS).
# Env: PROM_PORT AM_PORT NODE_PORT SIM_BASE_PORT STACK_DIR VMS_SIM (path of a built vms-sim)
#      HISTORY_HOURS (24; 0 = no imported history)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
PROM_PORT=${PROM_PORT:-9090}
AM_PORT=${AM_PORT:-9093}
NODE_PORT=${NODE_PORT:-9100}
SIM_BASE_PORT=${SIM_BASE_PORT:-9201}
STACK_DIR=${STACK_DIR:-$repo/.stack}
HISTORY_HOURS=${HISTORY_HOURS:-24}

for b in prometheus promtool prometheus-alertmanager prometheus-node-exporter curl; do
  if ! command -v "$b" >/dev/null; then
    echo "run-stack: $b is missing: installing the Debian packages (scripts/install-deps.sh engine)"
    bash "$repo/scripts/install-deps.sh" engine
    break
  fi
done
for p in "$PROM_PORT" "$AM_PORT" "$NODE_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "run-stack: port $p is already in use (another Prometheus/Alertmanager?). Stop it or set PROM_PORT/AM_PORT/NODE_PORT." >&2
    exit 1
  fi
done

if [ -z "${VMS_SIM:-}" ]; then
  (cd "$repo" && cargo build --quiet --bin vms-sim)
  VMS_SIM=$(cd "$repo" && cargo metadata --format-version 1 --no-deps 2>/dev/null | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/debug/vms-sim
fi

mkdir -p "$STACK_DIR/targets" "$STACK_DIR/prom-data" "$STACK_DIR/am-data"
sed -e "s#127.0.0.1:9090#127.0.0.1:$PROM_PORT#; s#127.0.0.1:9093#127.0.0.1:$AM_PORT#; s#127.0.0.1:9100#127.0.0.1:$NODE_PORT#" \
    "$here/prometheus.yml" > "$STACK_DIR/prometheus.yml"
rm -rf "$STACK_DIR/rules"; cp -r "$here/rules" "$STACK_DIR/rules"
cp "$here/alertmanager.yml" "$STACK_DIR/alertmanager.yml"

# The simulated history, written and converted in 2-hour blocks (two promtool processes at once).
import_history() {
  local data="$STACK_DIR/prom-data" om="$STACK_DIR/history-om" now from newest t0
  [ "$HISTORY_HOURS" != 0 ] || return 0
  now=$(date +%s)
  from=$(( now - HISTORY_HOURS * 3600 ))
  # The newest file of an existing TSDB is as new as its newest sample: import only after it.
  newest=$(find "$data" -type f -printf '%T@\n' 2>/dev/null | sort -n | tail -n 1 | cut -d. -f1)
  if [ -n "$newest" ] && [ "$newest" -ge "$from" ]; then from=$(( newest + 30 )); fi
  [ $(( now - from )) -ge 300 ] || return 0
  t0=$(date +%s)
  rm -rf "$om"; mkdir -p "$om"
  if ! "$VMS_SIM" history --out "$om" --from "$from" --to "$now" --base-port "$SIM_BASE_PORT" \
       >"$STACK_DIR/history.log" 2>&1 ||
     ! find "$om" -name '*.om' -print0 |
       xargs -0 -r -P 2 -I{} promtool tsdb create-blocks-from openmetrics -q {} "$data" >>"$STACK_DIR/history.log" 2>&1; then
    echo "run-stack: the simulated history could not be imported (log: $STACK_DIR/history.log); starting without it." >&2
    tail -n 5 "$STACK_DIR/history.log" >&2
  else
    echo "run-stack: imported $(awk -v s=$(( now - from )) 'BEGIN { printf "%.1f", s / 3600 }') h of simulated history in $(( $(date +%s) - t0 )) s ($(sed -n 's/^history: \([0-9]*\) samples.*/\1/p' "$STACK_DIR/history.log") samples)"
  fi
  rm -rf "$om"
}
import_history

pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "run-stack: stopped"
}
trap cleanup EXIT INT TERM

prometheus-node-exporter --web.listen-address="127.0.0.1:$NODE_PORT" >"$STACK_DIR/node-exporter.log" 2>&1 &
pids+=($!)
"$VMS_SIM" --bind 127.0.0.1 --base-port "$SIM_BASE_PORT" --targets-file "$STACK_DIR/targets/sim.json" \
  --control-file "$STACK_DIR/control.url" >"$STACK_DIR/vms-sim.log" 2>&1 &
pids+=($!)
prometheus-alertmanager --config.file="$STACK_DIR/alertmanager.yml" --storage.path="$STACK_DIR/am-data" \
  --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= >"$STACK_DIR/alertmanager.log" 2>&1 &
pids+=($!)
prometheus --config.file="$STACK_DIR/prometheus.yml" --storage.tsdb.path="$STACK_DIR/prom-data" \
  --web.listen-address="127.0.0.1:$PROM_PORT" --storage.tsdb.retention.time=30d >"$STACK_DIR/prometheus.log" 2>&1 &
pids+=($!)

ready() { curl -fsS -o /dev/null "$1" 2>/dev/null; }
for _ in $(seq 120); do
  ready "http://127.0.0.1:$PROM_PORT/-/ready" && ready "http://127.0.0.1:$AM_PORT/-/ready" && [ -s "$STACK_DIR/control.url" ] && break
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "run-stack: a server exited early; logs in $STACK_DIR/*.log" >&2; tail -n 5 "$STACK_DIR"/*.log >&2; exit 1; }
  done
  sleep 0.5
done
echo "run-stack: ready"
echo "  Prometheus    http://127.0.0.1:$PROM_PORT"
echo "  Alertmanager  http://127.0.0.1:$AM_PORT"
echo "  simulator     $(cat "$STACK_DIR/control.url")   (e.g. curl -X POST $(cat "$STACK_DIR/control.url")/scenario/service-down?service=go-api)"
echo "  logs          $STACK_DIR/*.log"
wait -n "${pids[@]}" || true
echo "run-stack: a server exited; logs in $STACK_DIR" >&2
