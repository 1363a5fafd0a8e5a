#!/usr/bin/env bash
# Builds the installable packages with Tauri's bundler:
#   scripts/package.sh            .deb and .rpm (Linux, x86_64) into target/release/bundle/{deb,rpm}/
#   scripts/package.sh windows    the NSIS installer, cross-built (x86_64-pc-windows-gnu): see README
# One release build (`cargo build --release --workspace`: the app, the `watchdesk` command line, the
# simulator and the empty-window example of the figures, in one invocation so that they share every
# dependency), then Tauri's bundler on it (`tauri bundle`). A package holds the app
# (/usr/bin/watchdesk-app), the command line (/usr/bin/watchdesk), a desktop entry with its icon
# that handles watchdesk:// links, and nothing in the operator's home.
# The Tauri CLI comes from the npm registry (@tauri-apps/cli, a prebuilt binary) into .tools/.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
what=${1:-linux}
export PATH="$HOME/.cargo/bin:$PATH"
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')

case "$what" in
  linux) bash scripts/install-deps.sh package ;;
  windows) bash scripts/install-deps.sh package; bash scripts/install-deps.sh windows ;;
  *) echo "usage: $0 [linux|windows]" >&2; exit 2 ;;
esac

# The Tauri CLI, the same major version as the tauri crate (2), prebuilt from npm: seconds, where
# `cargo install tauri-cli` compiles for ~10 minutes.
tauri="$repo/.tools/node_modules/.bin/tauri"
if ! "$tauri" --version 2>/dev/null | grep -q '^tauri-cli 2\.'; then
  echo "package: installing the Tauri CLI (@tauri-apps/cli@^2 from npm) into .tools/"
  mkdir -p .tools
  npm install --prefix "$repo/.tools" --no-fund --no-audit --loglevel=error '@tauri-apps/cli@^2'
fi
echo "package: $("$tauri" --version)"

t0=$(date +%s)
if [ "$what" = linux ]; then
  cargo build --release --locked --workspace --bins --examples
  # The command line as built, wherever the target dir is (tauri.conf.json names the default one).
  files="{\"/usr/bin/watchdesk\": \"$target_dir/release/watchdesk\"}"
  config="{\"bundle\": {\"linux\": {\"deb\": {\"files\": $files}, \"rpm\": {\"files\": $files}}}}"
  (cd src-tauri && "$tauri" bundle --ci --bundles deb,rpm --config "$config")
  echo "package: built in $(( $(date +%s) - t0 )) s:"
  for f in "$target_dir"/release/bundle/deb/*.deb "$target_dir"/release/bundle/rpm/*.rpm; do
    [ -f "$f" ] && echo "  $f ($(du -h "$f" | cut -f1))"
  done
else
  triple=x86_64-pc-windows-gnu
  cargo build --release --locked --workspace --bins --target "$triple"
  # The command line goes next to the app in the install folder.
  config="{\"bundle\": {\"resources\": {\"$target_dir/$triple/release/watchdesk.exe\": \"watchdesk.exe\"}}}"
  (cd src-tauri && "$tauri" bundle --ci --target "$triple" --bundles nsis --config "$config")
  echo "package: built in $(( $(date +%s) - t0 )) s:"
  ls -l "$target_dir/$triple/release/bundle/nsis/"*.exe
fi
