#!/usr/bin/env bash
# Runs a command inside a private D-Bus session bus with an unlocked
# gnome-keyring-daemon providing the Secret Service, then stops the daemon
# and removes its temporary files. The command runs in the current folder,
# finds the private bus in DBUS_SESSION_BUS_ADDRESS, and never touches the
# caller's own keyring.
#
#   scripts/with-keyring.sh go test -tags integration -count=1 ./app/keychain/
#   scripts/with-keyring.sh secret-tool search --all service provisio
#
# Exits with the command's status; 2 on a usage error and 125 when the
# keyring cannot be set up. On SIGINT, SIGTERM or SIGHUP it sends the
# command SIGTERM, and still cleans up. Needs dbus-run-session, dbus-send
# and gnome-keyring-daemon (scripts/install-deps.sh test installs them).
#
# The script runs twice. Outside, it makes the temporary folder, runs
# dbus-run-session on itself, forwards signals and cleans up, even when
# dbus-run-session dies. Inside the new session, it starts the daemon and
# runs the command.

# Functions that only traps call look unreachable to shellcheck 0.9.
# shellcheck disable=SC2317
set -euo pipefail

die() {
  echo "with-keyring: $*" >&2
  exit 125
}

# alive PID: whether the process runs. A zombie does not: this machine's
# init may be slow to reap the daemons, which are not our children.
alive() {
  local stat
  kill -0 "$1" 2>/dev/null || return 1
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
  stat="${stat##*) }"
  [ "${stat%% *}" != Z ]
}

# pid_in FILE: prints the PID that FILE holds, if that process runs.
pid_in() {
  local pid
  pid="$(cat -- "$1" 2>/dev/null)" || return 1
  [ -n "$pid" ] && alive "$pid" && echo "$pid"
}

# stop_pid_in FILE: stops the process whose PID FILE holds and waits for it
# to end (at most 5 s, then SIGKILL).
stop_pid_in() {
  local pid
  pid="$(pid_in "$1")" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do
    alive "$pid" || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

# wait_for PID: waits until the child PID ends, through trapped signals,
# and sets waited to its exit status.
waited=0
wait_for() {
  local s
  waited=0
  wait "$1" || waited=$?
  while kill -0 "$1" 2>/dev/null; do # the wait was cut short by a signal
    waited=0
    wait "$1" || waited=$?
  done
  # A wait cut short by a signal as the child ended returns 128+signal;
  # bash still holds the child's real status then.
  s=0
  wait "$1" 2>/dev/null || s=$?
  [ "$s" -eq 127 ] || waited=$s
}

if [ -z "${PROVISIO_KEYRING_DIR:-}" ]; then
  # ---- Outside the session bus.
  [ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARG...]" >&2; exit 2; }
  for tool in dbus-run-session dbus-send gnome-keyring-daemon; do
    command -v "$tool" >/dev/null 2>&1 ||
      die "$tool is not installed; run scripts/install-deps.sh test"
  done
  self="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)/$(basename -- "${BASH_SOURCE[0]}")"

  tmp="$(mktemp -d "${TMPDIR:-/tmp}/provisio-keyring.XXXXXXXX")"
  cleanup() {
    # Normally all three have ended by now; not when dbus-run-session was
    # killed, which leaves its bus and command behind.
    stop_pid_in "$tmp/inner.pid"
    stop_pid_in "$tmp/daemon.pid"
    stop_pid_in "$tmp/bus.pid"
    rm -rf -- "$tmp"
  }
  trap cleanup EXIT
  chmod 700 "$tmp"
  mkdir -m 700 "$tmp/home" "$tmp/runtime"

  # dbus-run-session dies at once on a signal, so signals go to the inner
  # script instead, which passes them on to the command.
  forward() {
    local pid
    if pid="$(pid_in "$tmp/inner.pid")"; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
  }
  trap forward INT TERM HUP
  # A background command reads /dev/null unless told otherwise.
  PROVISIO_KEYRING_DIR="$tmp" dbus-run-session -- bash "$self" "$@" <&0 &
  wait_for "$!"
  exit "$waited"
fi

# ---- Inside the session bus.
tmp="$PROVISIO_KEYRING_DIR"
unset PROVISIO_KEYRING_DIR
[ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] || die "dbus-run-session did not set DBUS_SESSION_BUS_ADDRESS"

cmd_pid=""
stop_command() {
  if [ -n "$cmd_pid" ]; then
    kill -TERM "$cmd_pid" 2>/dev/null || true
  else
    exit 143 # still setting up
  fi
}
trap stop_command INT TERM HUP
trap 'stop_pid_in "$tmp/daemon.pid"' EXIT
echo "$$" >"$tmp/inner.pid"

# bus_call METHOD ARG...: calls the bus daemon itself.
bus_call() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus \
    /org/freedesktop/DBus "org.freedesktop.DBus.$1" "${@:2}"
}
# bus_pid NAME: prints the PID of the process that owns NAME on the bus.
bus_pid() {
  bus_call GetConnectionUnixProcessID "string:$1" | awk '/uint32/ { print $2 }'
}

bus_pid org.freedesktop.DBus >"$tmp/bus.pid" || die "cannot reach the session bus"

# The daemon keeps its keyring under the temporary HOME and its control
# socket under the temporary XDG_RUNTIME_DIR. Only the daemon gets them:
# the command keeps the caller's HOME, so that tools such as go find their
# caches. With a fresh HOME, --unlock creates the login keyring with this
# password and leaves it unlocked; the daemon forks, and the foreground
# process prints the environment its clients need (often nothing).
keyring_env="$(printf pass | HOME="$tmp/home" XDG_RUNTIME_DIR="$tmp/runtime" \
  gnome-keyring-daemon --unlock --components=secrets)" ||
  die "gnome-keyring-daemon failed to start"
eval "$keyring_env"

# The daemon claims the Secret Service's name on the bus a moment after
# the foreground process returns; a command that called earlier would make
# the bus start a second daemon, with a locked keyring. So wait for the
# name, and learn the daemon's PID from the bus to stop it later.
for _ in $(seq 100); do
  if bus_call NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
    bus_pid org.freedesktop.secrets >"$tmp/daemon.pid"
    break
  fi
  sleep 0.1
done
[ -s "$tmp/daemon.pid" ] ||
  die "gnome-keyring-daemon did not provide the Secret Service (org.freedesktop.secrets) within 10 s"

# In the background, so that a signal is handled at once (bash runs traps
# only between foreground commands) and passed on.
"$@" <&0 &
cmd_pid=$!
wait_for "$cmd_pid"
exit "$waited"
