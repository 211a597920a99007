#!/usr/bin/env bash
# Runs the real Provisio binary in a window under Xvfb, on a private D-Bus
# session bus where a listener plays the desktop: the freedesktop
# notification service and a tray host (StatusNotifierWatcher). Checks
# that the window sends the demo's pre-onboarding and pre-offboarding
# notices through Fyne over D-Bus, that it puts its icon in the tray, and
# that a second Provisio on the same workspace says the workspace is in
# use, on standard error and in a window, and that "Quit" in the tray
# menu quits.
#
#   scripts/gui-notify.sh BIN
#
# Needs go (to build the listener), dbus-run-session, xvfb-run and
# xdotool (scripts/install-deps.sh test installs them).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

fail() {
  echo "gui-notify: $*" >&2
  for f in "$tmp"/*.log "$tmp/events.jsonl"; do
    [ -s "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }
  done
  exit 1
}

# wait_for SECONDS COMMAND...: runs COMMAND until it succeeds.
wait_for() {
  local n=$(($1 * 10))
  shift
  for _ in $(seq "$n"); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

if [ "${1:-}" != --inside ]; then
  bin=$(realpath "$1")
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  "$bin" --workspace "$tmp/ws" demo >/dev/null 2>&1
  # far enough ahead that the demo surely has hires and leavers in range
  "$bin" --workspace "$tmp/ws" notifications days --onboarding 120 --offboarding 90 >/dev/null
  (cd "$here/.." && ${GO:-go} build -o "$tmp/listener" ./app/notify/notifytest/listener)
  "$here/with-session-bus.sh" xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" \
    "$0" --inside "$bin" "$tmp"
  exit
fi

# ---- Inside the session bus and the X display.
bin=$2 tmp=$3
pids=()
stop_all() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap stop_all EXIT

"$tmp/listener" -tray -out "$tmp/events.jsonl" 2>"$tmp/listener.log" &
pids+=($!)
wait_for 10 grep -q '"ready":true' "$tmp/events.jsonl" || fail "the listener did not start"

"$bin" --workspace "$tmp/ws" >"$tmp/first.log" 2>&1 &
first=$!
pids+=("$first")
wait_for 60 grep -q 'persons\? leaves\? within 90 days' "$tmp/events.jsonl" ||
  fail "no pre-offboarding notification arrived within 60 s"
grep -q '"appName":"io.provisio.desktop".*"summary":"[0-9]* persons\? starts\? within 120 days"' "$tmp/events.jsonl" ||
  fail "no pre-onboarding notification from Provisio arrived"
wait_for 10 grep -q '"trayItem"' "$tmp/events.jsonl" || fail "Provisio did not put an icon in the tray"
kill -0 "$first" 2>/dev/null || fail "Provisio exited"
echo "gui-notify: the window sent its notices over D-Bus and registered its tray icon:"
grep -o '"summary":"[^"]*"' "$tmp/events.jsonl" | sed 's/^/  /'

"$bin" --workspace "$tmp/ws" >"$tmp/second.log" 2>&1 &
second=$!
pids+=("$second")
wait_for 30 grep -q 'in use by another Provisio process' "$tmp/second.log" ||
  fail "a second Provisio on the workspace did not say it is in use"
wait_for 30 xdotool search --name '^Provisio: cannot open the workspace' ||
  fail "a second Provisio on the workspace showed no window saying why"
kill -0 "$second" 2>/dev/null || fail "the second Provisio did not wait for its message to be read"
echo "gui-notify: a second Provisio on the workspace says, in a window and on standard error:"
grep -m 1 "in use" "$tmp/second.log" | sed "s/^/  /"
kill "$second"
wait "$second" 2>/dev/null || true

item=$(grep -o '"trayItem":"[^"]*"' "$tmp/events.jsonl" | head -n 1 | cut -d'"' -f4)
menu=$("$tmp/listener" -menu "$item")
if [ "$(echo "$menu" | head -n 1)" != "Open Provisio" ] || [ "$(echo "$menu" | tail -n 1)" != "Quit" ]; then
  fail "the tray menu is not Open Provisio … Quit: $menu"
fi
"$tmp/listener" -menu "$item" -click Quit >/dev/null
wait_for 15 bash -c "! kill -0 $first 2>/dev/null" || fail "Quit in the tray menu did not quit Provisio"
status=0
wait "$first" || status=$?
[ "$status" -eq 0 ] || fail "Provisio quit from the tray with status $status"
echo "gui-notify: the tray menu is $(echo "$menu" | paste -sd'|' | sed 's/|/, /g'); Quit quits"
