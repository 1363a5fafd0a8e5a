#!/usr/bin/env bash
# Installs everything Watchdesk needs on a fresh Debian 12 / Ubuntu 22.04+ machine.
#   scripts/install-deps.sh [engine|desktop|package|windows|all]   (default: all)
# engine : the real monitoring servers the engine tests and the reference stack use, and a
#          Secret Service (gnome-keyring on its own D-Bus bus) for the keyring test
# desktop: Tauri 2 build libraries, Xvfb, D-Bus, dunst, WebKitWebDriver for the desktop tests
# package: what scripts/package.sh needs besides desktop (npm for the Tauri CLI; xdg-utils and
#          desktop-file-utils for the install test's xdg-open; rpm to read the .rpm back;
#          debootstrap for the fresh-Debian install test)
# windows: the cross toolchain for the Windows checks (MinGW-w64), NSIS for the installer, Wine to
#          run the Windows command line
set -euo pipefail
what=${1:-all}
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

engine_pkgs=(prometheus prometheus-alertmanager prometheus-node-exporter prometheus-redis-exporter
  redis-server prometheus-postgres-exporter postgresql curl ca-certificates fonts-dejavu-core
  dbus gnome-keyring)
desktop_pkgs=(build-essential pkg-config libwebkit2gtk-4.1-dev libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev xvfb xauth dbus dbus-x11 dunst libnotify-bin
  imagemagick x11-utils libxtst6 webkit2gtk-driver chromium)
package_pkgs=(xdg-utils desktop-file-utils rpm debootstrap)
windows_pkgs=(gcc-mingw-w64-x86-64 nsis wine wine64)
# npm: Debian's package, unless a Node.js with npm is already installed (e.g. NodeSource's nodejs,
# which ships npm and conflicts with Debian's npm package).
command -v npm >/dev/null || package_pkgs+=(npm)

pkgs=()
case "$what" in
  engine) pkgs=("${engine_pkgs[@]}") ;;
  desktop) pkgs=("${desktop_pkgs[@]}") ;;
  package) pkgs=("${desktop_pkgs[@]}" "${package_pkgs[@]}") ;;
  windows) pkgs=("${windows_pkgs[@]}") ;;
  all) pkgs=("${engine_pkgs[@]}" "${desktop_pkgs[@]}" "${package_pkgs[@]}" "${windows_pkgs[@]}") ;;
  *) echo "usage: $0 [engine|desktop|package|windows|all]" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  # Debian's prometheus packages start their services on install; policy-rc.d keeps them from
  # grabbing the real ports (9090/9093/9100) the reference stack uses.
  tmp_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    tmp_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  [ -z "$tmp_policy" ] || $SUDO rm -f /usr/sbin/policy-rc.d
fi

if ! command -v cargo >/dev/null; then
  echo "install-deps: cargo not found. Install Rust from your distribution or rustup (https://rustup.rs)," >&2
  echo "then run this again." >&2
  exit 1
fi
if [ "$what" = windows ] || [ "$what" = all ]; then
  if command -v rustup >/dev/null; then
    rustup target list --installed | grep -qx x86_64-pc-windows-gnu || rustup target add x86_64-pc-windows-gnu
  else
    echo "install-deps: rustup not found: the Windows checks need the x86_64-pc-windows-gnu standard library" >&2
    echo "(install Rust with rustup, then: rustup target add x86_64-pc-windows-gnu)" >&2
    exit 1
  fi
fi
echo "install-deps: ok ($what)"
