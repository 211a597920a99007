#!/usr/bin/env bash
# Renders each screen of the demo workspace in a real window under Xvfb and
# writes a PNG per screen.
#
#   scripts/screenshots.sh BIN OUTDIR [SCREEN...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(realpath "$1")
out=$(mkdir -p "$2" && cd "$2" && pwd)
shift 2
screens=("$@")
[ ${#screens[@]} -gt 0 ] || screens=(dashboard sources source-editor imports snapshots persons aggregation targets rules rule-editor evaluation enforcement schedules audit settings)

ws=$(mktemp -d)
trap 'rm -rf "$ws"' EXIT
"$bin" --workspace "$ws/demo" demo >/dev/null
# write the demo's plan to its directory files, so that the enforcement and
# audit screens and the persons' accounts have something to show (exit code
# 3 means some actions wait for approval: the screens show that too)
"$bin" --workspace "$ws/demo" enforce --yes >/dev/null 2>&1 || [ $? -eq 3 ]
# on a private session bus: without one, Fyne's D-Bus calls (desktop
# settings, notifications) would each start a bus daemon that outlives it
"$here/with-session-bus.sh" xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" \
  "$here/capture.sh" "$bin" "$ws/demo" "$out" "${screens[@]}"
