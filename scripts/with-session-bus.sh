#!/usr/bin/env bash
# Runs a command inside a private D-Bus session bus that nothing else
# uses: no notification service, no tray host, until the command provides
# them. The desktop's own bus and notification daemon are never touched.
#
#   scripts/with-session-bus.sh go test -tags integration -count=1 ./app/notify/
#
# Exits with the command's status; 2 on a usage error and 125 when the
# bus cannot be started. dbus-run-session stops the bus when the command
# ends. Needs dbus-run-session (scripts/install-deps.sh test installs it).
set -euo pipefail

die() {
  echo "with-session-bus: $*" >&2
  exit 125
}

if [ -z "${PROVISIO_SESSION_BUS:-}" ]; then
  [ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARG...]" >&2; exit 2; }
  command -v dbus-run-session >/dev/null 2>&1 ||
    die "dbus-run-session is not installed; run scripts/install-deps.sh test"
  self="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)/$(basename -- "${BASH_SOURCE[0]}")"
  PROVISIO_SESSION_BUS=1 exec dbus-run-session -- bash "$self" "$@"
fi

# Inside the new session.
unset PROVISIO_SESSION_BUS
[ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] || die "dbus-run-session did not set DBUS_SESSION_BUS_ADDRESS"
exec "$@"
