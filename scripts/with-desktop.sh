#!/usr/bin/env bash
# Runs a command with a desktop around it: an X server (Xvfb, when there is no DISPLAY), a D-Bus
# session bus and a notification daemon (dunst), as an operator's PC has. Used by scripts/test.sh
# and scripts/demo.sh on machines without a display.
#   scripts/with-desktop.sh COMMAND [ARGS...]
set -euo pipefail
for b in Xvfb dbus-run-session dunst; do
  command -v "$b" >/dev/null || { echo "with-desktop: $b is missing: run scripts/install-deps.sh desktop" >&2; exit 1; }
done
xvfb_pid=""
if [ -z "${DISPLAY:-}" ] || [ "${WATCHDESK_XVFB:-}" = 1 ]; then
  disp=90
  while [ -e /tmp/.X11-unix/X$disp ] || [ -e /tmp/.X$disp-lock ]; do disp=$((disp+1)); done
  Xvfb ":$disp" -screen 0 1600x900x24 -nolisten tcp >"${TMPDIR:-/tmp}/watchdesk-xvfb.$disp.log" 2>&1 &
  xvfb_pid=$!
  for _ in $(seq 100); do [ -e /tmp/.X11-unix/X$disp ] && break; sleep 0.1; done
  export DISPLAY=":$disp"
fi
cleanup() { [ -z "$xvfb_pid" ] || kill "$xvfb_pid" 2>/dev/null || true; }
trap cleanup EXIT
# dunst in the same session bus as the command; its log goes next to the X log.
export WATCHDESK_DESKTOP=1
dbus-run-session -- bash -c '
  dunst >"${TMPDIR:-/tmp}/watchdesk-dunst.log" 2>&1 &
  d=$!
  # Wait until dunst owns the name (NameHasOwner does not start a second one by D-Bus activation).
  for _ in $(seq 50); do
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.Notifications 2>/dev/null | grep -q "boolean true" && break
    sleep 0.1
  done
  "$@"; rc=$?
  kill $d 2>/dev/null || true
  exit $rc
' with-desktop "$@"
