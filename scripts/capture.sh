#!/usr/bin/env bash
# Inside an X display: opens the app once per screen, waits for its window,
# captures it to OUTDIR/SCREEN.png and stops the app by its PID.
#
#   scripts/capture.sh BIN WORKSPACE OUTDIR SCREEN...
set -euo pipefail
bin=$1 ws=$2 out=$3
shift 3
for screen in "$@"; do
  "$bin" --workspace "$ws" --screen "$screen" >"$out/$screen.log" 2>&1 &
  pid=$!
  wid=""
  for _ in $(seq 1 150); do
    wid=$(xdotool search --name '^Provisio' 2>/dev/null | head -n 1 || true)
    [ -n "$wid" ] && break
    kill -0 "$pid" 2>/dev/null || { echo "provisio exited before showing a window:" >&2; cat "$out/$screen.log" >&2; exit 1; }
    sleep 0.2
  done
  if [ -z "$wid" ]; then
    echo "no Provisio window appeared within 30 s" >&2
    kill "$pid" 2>/dev/null || true
    exit 1
  fi
  sleep 3 # let the screen load its data and draw
  /usr/bin/import -window "$wid" "$out/$screen.png"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  rm -f "$out/$screen.log"
  echo "wrote $out/$screen.png"
done
