#!/usr/bin/env bash
# Runs a command against a private OpenLDAP server: generates a cn=config
# and a small directory in a temporary folder, starts slapd on a free
# loopback port, runs the command, then stops slapd by its PID and removes
# the folder. The caller's own slapd, if any, is never touched.
#
#   scripts/with-slapd.sh go test -tags integration -count=1 ./connectors/ldap/...
#   scripts/with-slapd.sh sh -c 'ldapsearch -x -H "$PROVISIO_TEST_LDAP_URL" -b "$PROVISIO_TEST_LDAP_BASE"'
#
# The command finds the server in these variables:
#
#   PROVISIO_TEST_LDAP_URL       ldap://127.0.0.1:PORT/
#   PROVISIO_TEST_LDAP_BIND_DN   cn=admin,dc=provisio,dc=test (the root DN)
#   PROVISIO_TEST_LDAP_PASSWORD  its password, new on every run
#   PROVISIO_TEST_LDAP_BASE      dc=provisio,dc=test
#
# The directory holds ou=people, ou=disabled and ou=groups under the base,
# and in ou=groups two groups of each kind the generic LDAP connector
# handles: groupOfNames (staff, admins), groupOfUniqueNames (vpn, wiki) and
# posixGroup (developers, printers). groupOfNames and groupOfUniqueNames
# must have a member; an empty group holds the empty DN ("") as its only
# member, the convention the connector follows when it revokes a group's
# last member. Schemas: core, cosine, nis (posixGroup) and inetorgperson.
# Plain LDAP only: no TLS.
#
# Exits with the command's status; 2 on a usage error and 125 when slapd
# cannot be set up (its log is printed). On SIGINT, SIGTERM or SIGHUP it
# sends the command SIGTERM, and still cleans up. Needs slapd, slapadd,
# slappasswd and ldapsearch (scripts/install-deps.sh test installs them).

# Functions that only traps call look unreachable to shellcheck 0.9.
# shellcheck disable=SC2317
set -euo pipefail

die() {
  echo "with-slapd: $*" >&2
  exit 125
}

[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARG...]" >&2; exit 2; }

PATH="$PATH:/usr/sbin:/sbin"
for tool in slapd slapadd slappasswd ldapsearch; do
  command -v "$tool" >/dev/null 2>&1 ||
    die "$tool is not installed; run scripts/install-deps.sh test"
done
modules=/usr/lib/ldap
schemas=/etc/ldap/schema
[ -e "$modules/back_mdb.so" ] || die "$modules/back_mdb.so is missing; is slapd installed?"
for s in core cosine nis inetorgperson; do
  [ -r "$schemas/$s.ldif" ] || die "$schemas/$s.ldif is missing; is slapd installed?"
done

# alive PID: whether the process runs and is not a zombie.
alive() {
  local stat
  kill -0 "$1" 2>/dev/null || return 1
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
  stat="${stat##*) }"
  [ "${stat%% *}" != Z ]
}

# stop PID: stops the process and waits for it to end (at most 5 s, then
# SIGKILL).
stop() {
  kill -TERM "$1" 2>/dev/null || return 0
  for _ in $(seq 50); do
    alive "$1" || { wait "$1" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
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

slapd_pid=""
cmd_pid=""
tmp="$(mktemp -d "${TMPDIR:-/tmp}/provisio-slapd.XXXXXXXX")"
cleanup() {
  [ -z "$slapd_pid" ] || stop "$slapd_pid"
  rm -rf -- "$tmp"
}
trap cleanup EXIT
stop_command() {
  if [ -n "$cmd_pid" ]; then
    kill -TERM "$cmd_pid" 2>/dev/null || true
  else
    exit 143 # still setting up; the EXIT trap cleans up
  fi
}
trap stop_command INT TERM HUP
chmod 700 "$tmp"
mkdir -m 700 "$tmp/slapd.d" "$tmp/data"

base="dc=provisio,dc=test"
root_dn="cn=admin,$base"
password="$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
hash="$(slappasswd -h '{SSHA}' -s "$password")"

# The configuration: back_mdb with the four schemas, one database whose
# root DN bypasses access control, indexes on what the connector searches
# for, sorted membership values, and no fsync (the data is thrown away).
# No logging: slapd's default (stats, a few lines per operation) goes to
# syslog, where it would flood the system log or, with no syslog daemon,
# cost a failed connection attempt per line, about a third of the server's
# time for a small request (docs/BENCHMARKS.md).
cat >"$tmp/config.ldif" <<EOF
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $tmp/slapd.pid
olcArgsFile: $tmp/slapd.args
olcLogLevel: 0

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: $modules
olcModuleLoad: back_mdb

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file://$schemas/core.ldif

include: file://$schemas/cosine.ldif

include: file://$schemas/nis.ldif

include: file://$schemas/inetorgperson.ldif

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend
# Large groups: membership values kept sorted, so that adding or removing
# one member does not compare it with every other.
olcSortVals: member uniqueMember memberUid

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by * none

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcDbDirectory: $tmp/data
olcSuffix: $base
olcRootDN: $root_dn
olcRootPW: $hash
olcDbMaxSize: 4294967296
olcDbNoSync: TRUE
olcDbIndex: objectClass eq
olcDbIndex: uid,cn,mail,employeeNumber eq
olcDbIndex: member,uniqueMember,memberUid eq
olcAccess: {0}to * by * read
EOF

# The entries: the base, the three containers, and two groups of each kind.
cat >"$tmp/base.ldif" <<EOF
dn: $base
objectClass: dcObject
objectClass: organization
dc: provisio
o: Provisio test directory

dn: ou=people,$base
objectClass: organizationalUnit
ou: people
description: Accounts

dn: ou=disabled,$base
objectClass: organizationalUnit
ou: disabled
description: Disabled accounts

dn: ou=groups,$base
objectClass: organizationalUnit
ou: groups
description: Groups

dn: cn=staff,ou=groups,$base
objectClass: groupOfNames
cn: staff
description: Everyone on the payroll (groupOfNames)
member:

dn: cn=admins,ou=groups,$base
objectClass: groupOfNames
cn: admins
description: Administrators (groupOfNames)
member:

dn: cn=vpn,ou=groups,$base
objectClass: groupOfUniqueNames
cn: vpn
description: VPN users (groupOfUniqueNames)
uniqueMember:

dn: cn=wiki,ou=groups,$base
objectClass: groupOfUniqueNames
cn: wiki
description: Wiki editors (groupOfUniqueNames)
uniqueMember:

dn: cn=developers,ou=groups,$base
objectClass: posixGroup
cn: developers
gidNumber: 5001
description: Developers (posixGroup)

dn: cn=printers,ou=groups,$base
objectClass: posixGroup
cn: printers
gidNumber: 5002
description: Printer users (posixGroup)
EOF

slapadd -q -n0 -F "$tmp/slapd.d" -l "$tmp/config.ldif" >"$tmp/slapadd.log" 2>&1 ||
  { cat "$tmp/slapadd.log" >&2; die "slapadd could not load the configuration"; }
slapadd -q -n1 -F "$tmp/slapd.d" -l "$tmp/base.ldif" >>"$tmp/slapadd.log" 2>&1 ||
  { cat "$tmp/slapadd.log" >&2; die "slapadd could not load the base entries"; }

# A free port: one that nothing answers on now. Another process may take
# it before slapd binds it, so try a few; slapd exits at once when the
# port is taken.
url=""
for _ in $(seq 10); do
  port=$((20000 + RANDOM % 40000))
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    continue
  fi
  # -d 0 keeps slapd in the foreground, so its PID is ours to stop.
  slapd -d 0 -h "ldap://127.0.0.1:$port/" -F "$tmp/slapd.d" >"$tmp/slapd.log" 2>&1 &
  slapd_pid=$!
  for _ in $(seq 100); do
    alive "$slapd_pid" || break
    if ldapsearch -x -LLL -o nettimeout=1 -H "ldap://127.0.0.1:$port/" \
      -D "$root_dn" -w "$password" -b "$base" -s base 1.1 >/dev/null 2>&1; then
      url="ldap://127.0.0.1:$port/"
      break
    fi
    sleep 0.05
  done
  [ -z "$url" ] || break
  stop "$slapd_pid"
  slapd_pid=""
done
if [ -z "$url" ]; then
  cat "$tmp/slapd.log" >&2 2>/dev/null || true
  die "slapd did not answer on any port tried"
fi

export PROVISIO_TEST_LDAP_URL="$url"
export PROVISIO_TEST_LDAP_BIND_DN="$root_dn"
export PROVISIO_TEST_LDAP_PASSWORD="$password"
export PROVISIO_TEST_LDAP_BASE="$base"

# In the background, so that a signal is handled at once (bash runs traps
# only between foreground commands) and passed on.
"$@" <&0 &
cmd_pid=$!
wait_for "$cmd_pid"
exit "$waited"
