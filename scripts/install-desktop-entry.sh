#!/usr/bin/env bash
# Registers the desktop app for moa:// links on Linux (freedesktop): writes
# ~/.local/share/applications/moa.desktop, whose Exec passes the clicked
# link to `moa` (a running app on the same data directory takes it; see
# desktop/src/links.rs), and makes it the handler of x-scheme-handler/moa.
#   scripts/install-desktop-entry.sh MOA_BINARY [SERVER_URL]
# Idempotent; `scripts/run` calls it. Undo: rm the file and run
# `update-desktop-database ~/.local/share/applications`.
set -euo pipefail

binary=$(realpath "${1:?usage: scripts/install-desktop-entry.sh MOA_BINARY [SERVER_URL]}")
server=${2:-http://127.0.0.1:8080}
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
mkdir -p "$apps"
entry="$apps/moa.desktop"
tmp="$entry.tmp"
cat >"$tmp" <<DESKTOP
[Desktop Entry]
Type=Application
Version=1.5
Name=모아 Moa
GenericName=Community
Comment=Reviews, group-buys and requests — opens moa:// links
Exec="$binary" --server $server %u
Terminal=false
Categories=Network;Chat;
MimeType=x-scheme-handler/moa;
StartupWMClass=moa
DESKTOP
mv "$tmp" "$entry"
if command -v update-desktop-database >/dev/null 2>&1; then
  update-desktop-database "$apps" >/dev/null 2>&1 || true
fi
if command -v xdg-mime >/dev/null 2>&1; then
  xdg-mime default moa.desktop x-scheme-handler/moa >/dev/null 2>&1 || true
fi
echo "moa:// links open with $binary ($entry)"
