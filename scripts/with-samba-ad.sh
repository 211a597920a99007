#!/usr/bin/env bash
# Runs a command against a throwaway Samba Active Directory domain controller
# on loopback, then stops Samba and removes all of its files. The domain is
# provisioned anew on each run, in a temporary folder, with a random
# Administrator password and a certificate of its own; the command runs in
# the current folder and finds the domain in these variables:
#
#   PROVISIO_TEST_AD_URL             ldaps://127.0.0.1:636
#   PROVISIO_TEST_AD_BIND_DN         CN=Administrator,CN=Users,DC=provisio,DC=test
#   PROVISIO_TEST_AD_PASSWORD        Administrator's password (random per run)
#   PROVISIO_TEST_AD_BASE            OU=Users,OU=Provisio,DC=provisio,DC=test
#   PROVISIO_TEST_AD_DISABLED_BASE   OU=Disabled Users,OU=Provisio,DC=provisio,DC=test
#   PROVISIO_TEST_AD_GROUP_BASE      OU=Groups,OU=Provisio,DC=provisio,DC=test
#   PROVISIO_TEST_AD_CA              PEM file of the server's certificate: use it
#                                    as the CA (Go: tls.Config.RootCAs)
#   PROVISIO_TEST_AD_DOMAIN          PROVISIO.TEST
#
# The group base holds the global security groups GG-Staff, GG-ICT,
# GG-All-Staff, GG-ICT-Admins, GG-Managers and GG-VPN; the two user OUs are
# empty. The password policy is AD's default (complexity on, at least 7
# characters, history of 24) except for a minimum password age of 0, so that
# a test may change a password twice.
#
#   scripts/with-samba-ad.sh go test -tags integration -count=1 ./connectors/ad/
#   scripts/with-samba-ad.sh sh -c 'LDAPTLS_CACERT=$PROVISIO_TEST_AD_CA ldapsearch \
#     -H $PROVISIO_TEST_AD_URL -x -D "$PROVISIO_TEST_AD_BIND_DN" \
#     -w "$PROVISIO_TEST_AD_PASSWORD" -b "$PROVISIO_TEST_AD_BASE" -s base dn'
#
# Exits with the command's status; 2 on a usage error and 125 when the domain
# controller cannot be set up (for instance when one of its ports is taken).
# On SIGINT, SIGTERM or SIGHUP it sends the command SIGTERM, and still cleans
# up. Needs root, as Samba does, and the packages that
# scripts/install-deps.sh test installs.
#
# Samba runs only its LDAP (389, 636, global catalog 3268/3269), CLDAP
# (389/udp) and Kerberos (88, 464) services, bound to lo only: no DNS, SMB,
# NetBIOS, RPC or winbindd, so that it neither needs nor disturbs port 53,
# 445, 135 or 137-139, nor a system Samba's /run/samba. Every file it writes
# (database, sockets, PID file, log) is in the temporary folder.
#
# Samba's own self-signed certificate has a negative serial number, which
# Go's crypto/x509 rejects, so the script makes its own with openssl. It
# names 127.0.0.1, ::1 and localhost; use 127.0.0.1 in URLs (ldap-utils
# check "localhost" against the machine's host name instead).

# Functions that only traps call look unreachable to shellcheck 0.9.
# shellcheck disable=SC2317
set -euo pipefail

REALM=PROVISIO.TEST
DOMAIN=PROVISIO
DOMAIN_DN=DC=provisio,DC=test
PROVISIO_DN="OU=Provisio,$DOMAIN_DN"
USERS_DN="OU=Users,$PROVISIO_DN"
DISABLED_DN="OU=Disabled Users,$PROVISIO_DN"
GROUPS_DN="OU=Groups,$PROVISIO_DN"
ADMIN_DN="CN=Administrator,CN=Users,$DOMAIN_DN"
TEST_GROUPS=(GG-Staff GG-ICT GG-All-Staff GG-ICT-Admins GG-Managers GG-VPN)
SERVICES="ldap cldap kdc"
TCP_PORTS=(88 389 464 636 3268 3269)
UDP_PORTS=(88 389 464)
READY_TIMEOUT=60 # seconds
STOP_TIMEOUT=10  # seconds

die() {
  echo "with-samba-ad: $*" >&2
  exit 125
}

# now_ms: milliseconds since the epoch.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# alive PID: whether the process runs (a zombie does not).
alive() {
  local stat
  kill -0 "$1" 2>/dev/null || return 1
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
  stat="${stat##*) }"
  [ "${stat%% *}" != Z ]
}

# group_alive PGID: whether a process of that group runs (zombies aside).
group_alive() {
  local f line state pgrp
  for f in /proc/[0-9]*/stat; do
    read -r line 2>/dev/null <"$f" || continue
    # The command name, in parentheses, may itself hold ") " or spaces.
    read -r state _ pgrp _ <<<"${line##*) }"
    [ "$pgrp" = "$1" ] && [ "$state" != Z ] && return 0
  done
  return 1
}

# Local addresses, as /proc/net/{tcp,udp}{,6} write them, of sockets that
# keep Samba from binding 127.0.0.1 or ::1: those and the wildcards, also as
# IPv4-mapped IPv6 addresses.
CLASHING_ADDRS="0100007F 00000000 \
00000000000000000000000000000000 00000000000000000000000001000000 \
0000000000000000FFFF00000100007F 0000000000000000FFFF000000000000"

# port_taken PROTO PORT: whether a socket of PROTO (tcp or udp) listens on
# PORT at an address that Samba's bind to 127.0.0.1 or ::1 would clash with:
# loopback or the wildcard, IPv4 or IPv6.
port_taken() {
  local hex f
  hex="$(printf '%04X' "$2")"
  for f in "/proc/net/$1" "/proc/net/${1}6"; do
    [ -r "$f" ] || continue
    # TCP: state 0A is LISTEN. UDP: any bound socket.
    awk -v port="$hex" -v proto="$1" -v addrs="$CLASHING_ADDRS" '
      NR > 1 {
        split($2, a, ":")
        if (a[2] != port) next
        if (proto == "tcp" && $4 != "0A") next
        if (index(" " addrs " ", " " a[1] " ")) found = 1
      }
      END { exit !found }' "$f" && return 0
  done
  return 1
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

[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARG...]" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || die "needs root: Samba binds ports 88, 389 and 636 and runs as root"
for tool in samba samba-tool ldapsearch ldapmodify openssl setsid timeout; do
  command -v "$tool" >/dev/null 2>&1 ||
    die "$tool is not installed; run scripts/install-deps.sh test"
done
[ -d /usr/share/samba/setup ] ||
  die "samba-ad-provision is not installed; run scripts/install-deps.sh test"

# Fail clearly, before provisioning, when another server holds a port.
busy=()
for p in "${TCP_PORTS[@]}"; do port_taken tcp "$p" && busy+=("$p/tcp"); done
for p in "${UDP_PORTS[@]}"; do port_taken udp "$p" && busy+=("$p/udp"); done
if [ ${#busy[@]} -gt 0 ]; then
  echo "with-samba-ad: port(s) ${busy[*]} already in use on loopback; another LDAP server, Kerberos KDC or Samba (an earlier run?) holds them:" >&2
  if command -v ss >/dev/null 2>&1; then
    filter=""
    for b in "${busy[@]}"; do filter="${filter:+$filter or }sport = :${b%/*}"; done
    ss -Hlnptu "( $filter )" | cut -c1-200 | head -n 20 >&2 || true
  fi
  exit 125
fi

started_ms="$(now_ms)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/provisio-samba-ad.XXXXXXXX")"
samba_pid=""
cmd_pid=""

# stop_samba: SIGTERM to Samba's main process, which ends its children too
# (in about a second); whatever of its process group still runs after
# STOP_TIMEOUT seconds gets SIGKILL.
stop_samba() {
  local pid="$samba_pid"
  [ -n "$pid" ] || return 0
  samba_pid=""
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq $((STOP_TIMEOUT * 10))); do
    alive "$pid" || group_alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid" || group_alive "$pid"; then
    echo "with-samba-ad: Samba did not stop within ${STOP_TIMEOUT} s; killing its process group" >&2
    kill -KILL -- "-$pid" 2>/dev/null || true
    for _ in $(seq 50); do
      group_alive "$pid" || break
      sleep 0.1
    done
  fi
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local status=$?
  trap - INT TERM HUP
  if [ -n "$cmd_pid" ] && alive "$cmd_pid"; then
    kill -TERM "$cmd_pid" 2>/dev/null || true
    wait "$cmd_pid" 2>/dev/null || true
  fi
  stop_samba
  rm -rf -- "$tmp"
  exit "$status"
}
trap cleanup EXIT
stop_command() {
  if [ -n "$cmd_pid" ]; then
    kill -TERM "$cmd_pid" 2>/dev/null || true
  else
    exit 143 # still setting up
  fi
}
trap stop_command INT TERM HUP

# log_tail FILE: prints the end of FILE, to tell why a step failed.
log_tail() {
  echo "---- last lines of $(basename -- "$1"):" >&2
  tail -n 25 -- "$1" >&2 || true
  echo "----" >&2
}

# Readable to all (the CA file is for the command); Samba keeps its private
# folder to itself, and the key and password files are mode 600.
chmod 755 "$tmp"
mkdir -m 700 "$tmp/tls" "$tmp/run"
mkdir -m 755 "$tmp/etc"

# Complex enough for AD's policy (upper case, lower case, digits, a symbol).
password="Provisio-$(openssl rand -hex 16)"
(umask 077 && printf '%s' "$password" >"$tmp/password")

# An ECDSA certificate with a positive serial number for 127.0.0.1, ::1 and
# localhost. It is its own CA (clients trust it as their root), and Samba's
# GnuTLS refuses a key file that others may read.
serial="0x$(openssl rand -hex 16)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$tmp/tls/key.pem" -out "$tmp/tls/cert.pem" -days 30 \
  -subj "/CN=localhost" -set_serial "$serial" \
  -addext "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,digitalSignature,keyCertSign" \
  -addext "extendedKeyUsage=serverAuth" >"$tmp/openssl.log" 2>&1 ||
  { log_tail "$tmp/openssl.log"; die "openssl could not make the TLS certificate"; }
chmod 600 "$tmp/tls/key.pem"
cp "$tmp/tls/cert.pem" "$tmp/ca.pem"
chmod 644 "$tmp/ca.pem"

# An empty configuration file to start from: by default samba-tool reads
# /etc/samba/smb.conf and copies its settings (log file, shares, …) into the
# new one. A fixed host name, as the machine's may be longer than NetBIOS's
# 15 characters. All paths under $tmp, so that nothing of a system Samba is
# touched.
: >"$tmp/empty.conf"
samba-tool domain provision --configfile="$tmp/empty.conf" \
  --targetdir="$tmp" --realm="$REALM" --domain="$DOMAIN" --host-name=dc1 \
  --server-role=dc --dns-backend=SAMBA_INTERNAL --adminpass="$password" \
  --use-rfc2307 --host-ip=127.0.0.1 \
  --option="interfaces=lo" --option="bind interfaces only=yes" \
  --option="dns forwarder=" \
  --option="server services=$SERVICES" \
  --option="tls enabled=yes" \
  --option="tls keyfile=$tmp/tls/key.pem" \
  --option="tls certfile=$tmp/tls/cert.pem" \
  --option="tls cafile=" \
  --option="pid directory=$tmp/run" \
  --option="ncalrpc dir=$tmp/run/ncalrpc" \
  --option="winbindd socket directory=$tmp/run/winbindd" \
  --option="ntp signd socket directory=$tmp/run/ntp_signd" \
  --option="log file=$tmp/samba.log" \
  >"$tmp/provision.log" 2>&1 ||
  { log_tail "$tmp/provision.log"; die "samba-tool domain provision failed"; }
grep -q "^[[:space:]]*tls keyfile = $tmp/tls/key.pem\$" "$tmp/etc/smb.conf" ||
  die "the provisioned smb.conf does not use the script's TLS key"

# In a session of its own, so that its process group holds Samba's processes
# only: setsid does not fork here (a background job of a script does not
# lead a process group), so $! is Samba's main process.
setsid samba --foreground --no-process-group --debug-stdout \
  -s "$tmp/etc/smb.conf" >"$tmp/samba.log" 2>&1 </dev/null &
samba_pid=$!
# Until setsid has run, the child is still in this script's process group.
for _ in $(seq 50); do
  pgrp=""
  read -r _ _ _ _ pgrp _ 2>/dev/null <"/proc/$samba_pid/stat" ||
    { log_tail "$tmp/samba.log"; die "samba exited during startup"; }
  [ "$pgrp" = "$samba_pid" ] && break
  sleep 0.02
done
[ "$pgrp" = "$samba_pid" ] || {
  kill -TERM "$samba_pid" 2>/dev/null || true
  log_tail "$tmp/samba.log"
  die "samba did not start in a process group of its own"
}

# ldap TOOL ARG...: runs an ldap-utils TOOL as Administrator over LDAPS.
ldap() {
  local tool="$1"
  shift
  timeout 10 "$tool" -H ldaps://127.0.0.1:636 -x -D "$ADMIN_DN" -y "$tmp/password" "$@"
}

# Ready when LDAPS answers a simple bind as Administrator.
ready=""
deadline=$(($(now_ms) + READY_TIMEOUT * 1000))
while [ "$(now_ms)" -lt "$deadline" ]; do
  alive "$samba_pid" || { log_tail "$tmp/samba.log"; die "samba exited during startup"; }
  if LDAPTLS_REQCERT=never ldap ldapsearch -b "" -s base dn >/dev/null 2>&1; then
    ready=1
    break
  fi
  sleep 0.1
done
[ -n "$ready" ] || {
  log_tail "$tmp/samba.log"
  die "LDAPS on 127.0.0.1:636 did not accept Administrator's bind within ${READY_TIMEOUT} s"
}
# From here on with certificate checks, as the command will make them.
export LDAPTLS_CACERT="$tmp/ca.pem"
ldap ldapsearch -b "$DOMAIN_DN" -s base dn >"$tmp/verify.log" 2>&1 ||
  { log_tail "$tmp/verify.log"; die "LDAPS fails when checked against $tmp/ca.pem"; }

# The test containers and groups. groupType -2147483646 (0x80000002) is a
# global security group.
{
  printf 'dn: %s\nchangetype: modify\nreplace: minPwdAge\nminPwdAge: 0\n-\n\n' "$DOMAIN_DN"
  for dn in "$PROVISIO_DN" "$USERS_DN" "$DISABLED_DN" "$GROUPS_DN"; do
    ou="${dn%%,*}"
    printf 'dn: %s\nchangetype: add\nobjectClass: organizationalUnit\nou: %s\n\n' "$dn" "${ou#OU=}"
  done
  for g in "${TEST_GROUPS[@]}"; do
    printf 'dn: CN=%s,%s\nchangetype: add\nobjectClass: group\ncn: %s\nsAMAccountName: %s\ngroupType: -2147483646\n\n' \
      "$g" "$GROUPS_DN" "$g" "$g"
  done
} >"$tmp/populate.ldif"
ldap ldapmodify -f "$tmp/populate.ldif" >"$tmp/populate.log" 2>&1 ||
  { log_tail "$tmp/populate.log"; die "could not create the test OUs and groups"; }
unset LDAPTLS_CACERT

echo "with-samba-ad: Samba AD DC for $REALM ready on ldaps://127.0.0.1:636 after $(($(now_ms) - started_ms)) ms" >&2

export PROVISIO_TEST_AD_URL=ldaps://127.0.0.1:636
export PROVISIO_TEST_AD_BIND_DN="$ADMIN_DN"
export PROVISIO_TEST_AD_PASSWORD="$password"
export PROVISIO_TEST_AD_BASE="$USERS_DN"
export PROVISIO_TEST_AD_DISABLED_BASE="$DISABLED_DN"
export PROVISIO_TEST_AD_GROUP_BASE="$GROUPS_DN"
export PROVISIO_TEST_AD_CA="$tmp/ca.pem"
export PROVISIO_TEST_AD_DOMAIN="$REALM"

# In the background, so that a signal is handled at once (bash runs traps
# only between foreground commands) and passed on.
"$@" <&0 &
cmd_pid=$!
wait_for "$cmd_pid"
cmd_pid=""
exit "$waited"

# ---- What works against this domain controller (checked with ldap-utils
# over LDAPS, Samba 4.17). unicodePwd is the password in double quotes,
# encoded as UTF-16LE, base64 in LDIF (`::`); Samba takes it only over TLS:
#
#   pw=$(printf '"%s"' 'Welkom-2026!x' | iconv -f UTF-8 -t UTF-16LE | base64 -w0)
#
# Create an enabled user with a password in one add (512 = NORMAL_ACCOUNT;
# a password the policy refuses fails with 19 constraintViolation, 0000052D):
#
#   dn: CN=Jan de Vries,OU=Users,OU=Provisio,DC=provisio,DC=test
#   changetype: add
#   objectClass: user
#   cn: Jan de Vries
#   givenName: Jan
#   sn: de Vries
#   displayName: Jan de Vries
#   sAMAccountName: jdevries
#   userPrincipalName: jdevries@provisio.test
#   mail: jan.devries@provisio.test
#   unicodePwd:: IgBXAGUAbABrAG8AbQAtADIAMAAyADYAIQB4ACIA
#   userAccountControl: 512
#
# Disable (514 = NORMAL_ACCOUNT|ACCOUNTDISABLE; a bind then fails with 49,
# "data 533") and enable again (512):
#
#   dn: CN=Jan de Vries,OU=Users,OU=Provisio,DC=provisio,DC=test
#   changetype: modify
#   replace: userAccountControl
#   userAccountControl: 514
#
# Reset a password as Administrator:
#
#   dn: CN=Jan de Vries,OU=Users,OU=Provisio,DC=provisio,DC=test
#   changetype: modify
#   replace: unicodePwd
#   unicodePwd:: <quoted UTF-16LE base64>
#
# Change one's own password, bound as the user (delete old, add new):
#
#   dn: CN=Jan de Vries,OU=Users,OU=Provisio,DC=provisio,DC=test
#   changetype: modify
#   delete: unicodePwd
#   unicodePwd:: <old, quoted UTF-16LE base64>
#   -
#   add: unicodePwd
#   unicodePwd:: <new, quoted UTF-16LE base64>
#   -
#
# Add to a group, and move to the disabled OU:
#
#   dn: CN=GG-Staff,OU=Groups,OU=Provisio,DC=provisio,DC=test
#   changetype: modify
#   add: member
#   member: CN=Jan de Vries,OU=Users,OU=Provisio,DC=provisio,DC=test
#
#   dn: CN=Jan de Vries,OU=Users,OU=Provisio,DC=provisio,DC=test
#   changetype: modrdn
#   newrdn: CN=Jan de Vries
#   deleteoldrdn: 1
#   newsuperior: OU=Disabled Users,OU=Provisio,DC=provisio,DC=test
#
# A user binds by DN, by userPrincipalName or as PROVISIO\sAMAccountName.
# Unlike Windows, Samba accepts userAccountControl 512 without a password;
# with neither, a new user gets 546 (disabled, password not required).
# ldapwhoami fails: AD has no "Who am I?" extended operation.
