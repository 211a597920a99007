#!/usr/bin/env bash
# Installs the Debian packages Provisio needs to build, run or test, and only
# those that are missing. Runs apt-get as root, or through sudo otherwise.
#
#   scripts/install-deps.sh build   the packages the Fyne (cgo) build needs
#   scripts/install-deps.sh test    build packages plus the test services
#   scripts/install-deps.sh bench   build packages plus slapd and ldap-utils
#   scripts/install-deps.sh shots   build packages plus Xvfb, ImageMagick and D-Bus
set -euo pipefail

build=(gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev
       libxinerama-dev libxi-dev libxxf86vm-dev)
display=(xvfb xauth imagemagick xdotool)
# A private D-Bus session bus (dbus-run-session, dbus-send) for the
# keychain and notification tests and for gui-smoke's desktop listener.
bus=(dbus-daemon dbus-bin)
# The OpenLDAP server and tools of scripts/with-slapd.sh, for the tests and
# the enforcement benchmark (which also runs ldapadd and ldapmodify).
openldap=(slapd ldap-utils)
services=(dbus dbus-x11 "${bus[@]}" gnome-keyring libsecret-tools "${openldap[@]}")
# The Samba AD domain controller of scripts/with-samba-ad.sh. Not the
# samba-ad-dc metapackage: the winbind it pulls in is not needed (the script
# runs Samba without winbindd), nor are krb5-user or smbclient.
services+=(samba samba-ad-provision samba-dsdb-modules samba-vfs-modules
           ldap-utils openssl)

want=("${build[@]}")
case "${1:-build}" in
  build) ;;
  shots) want+=("${display[@]}" "${bus[@]}") ;;
  test)  want+=("${display[@]}" "${services[@]}") ;;
  bench) want+=("${openldap[@]}") ;;
  *) echo "usage: $0 build|test|bench|shots" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing missing packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
# slapd's own configuration and service are never used: scripts/with-slapd.sh
# starts a private slapd from a configuration it generates. Telling debconf
# to skip the configuration keeps the package from asking for a domain and
# an administrator password, and from making a database under /var/lib/ldap.
if printf '%s\n' "${missing[@]}" | grep -qx slapd; then
  echo "slapd slapd/no_configuration boolean true" | $sudo debconf-set-selections
fi
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
