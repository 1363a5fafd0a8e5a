#!/usr/bin/env bash
# Starts the reference monitoring stack on loopback, in the foreground, until Ctrl-C:
# real Prometheus (:9090), Alertmanager (:9093), node exporter (:9100) and the VMS simulator
# (12 services on :9201-9212, scenario control URL printed at start).
#   deploy/run-stack.sh            state (TSDB, silences) kept in .stack/ next to this repo
# Env: PROM_PORT AM_PORT NODE_PORT SIM_BASE_PORT STACK_DIR VMS_SIM (path of a built vms-sim)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
PROM_PORT=${PROM_PORT:-9090}
AM_PORT=${AM_PORT:-9093}
NODE_PORT=${NODE_PORT:-9100}
SIM_BASE_PORT=${SIM_BASE_PORT:-9201}
STACK_DIR=${STACK_DIR:-$repo/.stack}

for b in prometheus prometheus-alertmanager prometheus-node-exporter curl; do
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
