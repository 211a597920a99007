#!/usr/bin/env bash
# Starts the real Provisio binary on a demo workspace in a window under Xvfb
# and checks that the window shows a rendered screen, not a blank one; then
# that it sends notifications over D-Bus, keeps an icon in the tray and
# tells a second Provisio the workspace is in use (scripts/gui-notify.sh).
#
#   scripts/gui-smoke.sh BIN
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$here/screenshots.sh" "$1" "$out" dashboard persons
for screen in dashboard persons; do
  png="$out/$screen.png"
  colours=$(/usr/bin/identify -format '%k' "$png")
  size=$(/usr/bin/identify -format '%wx%h' "$png")
  echo "gui-smoke: $screen window $size with $colours colours"
  if [ "$colours" -lt 50 ]; then
    echo "gui-smoke: the $screen window looks blank ($colours colours)" >&2
    exit 1
  fi
done
"$here/gui-notify.sh" "$1"
